// `npm run bench -- preprocess [--json] [--images N] [--audio-repeats R] [--workers W] [--python PATH] [--torch-threads T] [--rounds K]`
//
// Throughput of the preprocessing that feeds the encoders, next to the same work done in the same run by the
// reference Python libraries (bench/reference/preprocess_ref.py):
//   (a) 4000×3000 JPEG → ImageBind vision tensor            [images/s]
//   (b) decode + ImageBind audio (resample, 3 kaldi fbanks)   [seconds of audio per second]
//   (c) decode + CLAP 48 kHz load + fusion mel               [seconds of audio per second]
// Ours is measured on one thread and on a PreprocessPool of W workers (default 2); the ratio that counts is
// pool / reference. The reference runs with torch's default intra-op thread count (reported; on this
// Debian build OpenMP defaults to 1 thread); --torch-threads T gives torch T threads instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { PreprocessPool } from '../src-main/preprocess/pool/pool';
import { runPreprocess, type PreprocessKind } from '../src-main/preprocess/pool/run-preprocess';
import { xorshift32 } from '../test/helpers/random';

interface Args {
  json: boolean;
  images: number;
  audioRepeats: number;
  workers: number;
  python: string;
  torchThreads: number;
  rounds: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, images: 10, audioRepeats: 12, workers: 2, python: '/usr/bin/python3', torchThreads: 0, rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${k} needs a positive integer`);
      return v;
    };
    if (k === '--json') a.json = true;
    else if (k === '--images') a.images = num();
    else if (k === '--audio-repeats') a.audioRepeats = num();
    else if (k === '--workers') a.workers = num();
    else if (k === '--python') a.python = argv[++i] ?? a.python;
    else if (k === '--torch-threads') a.torchThreads = num();
    else if (k === '--rounds') a.rounds = num();
    else throw new Error(`unknown option ${k}`);
  }
  return a;
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the project root');
}


async function makeJpeg(path: string, w = 4000, h = 3000): Promise<void> {
  const r = xorshift32(1234);
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      const n = (r() - 0.5) * 60;
      px[o] = Math.max(0, Math.min(255, (255 * x) / w + n));
      px[o + 1] = Math.max(0, Math.min(255, (255 * y) / h + n));
      px[o + 2] = Math.max(0, Math.min(255, 128 + 100 * Math.sin((x + y) / 97) + n));
    }
  }
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toFile(path);
}

function makeWav(path: string, seconds = 60, rate = 44100, channels = 2): void {
  const n = seconds * rate;
  const r = xorshift32(99);
  const data = Buffer.alloc(n * channels * 2);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const sweep = Math.sin(2 * Math.PI * (100 * t + (t * t * 8000) / (2 * seconds)));
    for (let c = 0; c < channels; c++) {
      const v = 0.4 * sweep + 0.2 * Math.sin(2 * Math.PI * (440 + 110 * c) * t) + 0.05 * (r() - 0.5);
      data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, v)) * 32767), (i * channels + c) * 2);
    }
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([h, data]));
}

const now = () => performance.now() / 1000;

async function timeSerial(kind: PreprocessKind, file: string, n: number): Promise<number> {
  await runPreprocess([kind], file); // warm-up
  const t0 = now();
  for (let i = 0; i < n; i++) await runPreprocess([kind], file);
  return now() - t0;
}

async function timePool(pool: PreprocessPool, kind: PreprocessKind, file: string, n: number): Promise<number> {
  await Promise.all(Array.from({ length: pool.size }, () => pool.run(kind, file))); // warm every worker
  const t0 = now();
  await Promise.all(Array.from({ length: n }, () => pool.run(kind, file)));
  return now() - t0;
}

const TASKS = [
  { key: 'image', py: 'image', kind: 'imagebind_vision', task: 'JPEG 4000×3000 → ImageBind vision', unit: 'images/s' },
  { key: 'ib', py: 'imagebind_audio', kind: 'imagebind_audio', task: 'decode + ImageBind audio (fbank)', unit: 'audio s/s' },
  { key: 'clap', py: 'clap_fusion', kind: 'clap_fusion_mel', task: 'decode + CLAP 48k load + fusion mel', unit: 'audio s/s' },
] as const;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function maxMeanAbs(o: Float32Array, r: Float32Array) {
  if (o.length !== r.length) throw new Error(`ours has ${o.length} values, the reference ${r.length}`);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < o.length; i++) {
    const d = Math.abs(o[i]! - r[i]!);
    if (d > max) max = d;
    sum += d;
  }
  return { max_abs: max, mean_abs: sum / o.length };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'molecule-bench-'));
  const pool = new PreprocessPool(args.workers);
  try {
    const jpg = join(dir, 'photo-4000x3000.jpg');
    const wav = join(dir, 'tone-60s-44k1-stereo.wav');
    await makeJpeg(jpg);
    makeWav(wav);
    const audioSec = 60;
    const log = (s: string) => !args.json && console.error(s);
    const script = join(repoRoot(), 'bench', 'reference', 'preprocess_ref.py');
    const dumpDir = join(dir, 'ref-tensors');
    mkdirSync(dumpDir);

    const reference = (task: string, dump: boolean) => {
      const py = spawnSync(
        args.python,
        [script, '--image', jpg, '--audio', wav, '--tasks', task, '--images', String(args.images), '--audio-repeats', String(args.audioRepeats),
          '--torch-threads', String(args.torchThreads), ...(dump ? ['--dump', dumpDir] : [])],
        { encoding: 'utf8', maxBuffer: 16 << 20 },
      );
      if (py.status !== 0) {
        throw new Error(
          `the reference run failed (${py.status ?? py.error?.message}); it needs ${args.python} with torch, torchaudio, torchvision and PIL ` +
            `(Debian: python3-torch python3-torchaudio python3-torchvision python3-pil; another interpreter: --python PATH)\n${py.stderr}`,
        );
      }
      return JSON.parse(py.stdout.trim().split('\n').pop()!);
    };

    // Rounds interleave reference and ours task by task, so load from other processes hits both alike;
    // each figure is the median over the rounds.
    const times: Record<string, { ref: number[]; single: number[]; pool: number[] }> = {};
    let refInfo: any;
    for (let round = 0; round < args.rounds; round++) {
      for (const t of TASKS) {
        log(`round ${round + 1}/${args.rounds}: ${t.task} …`);
        const r = reference(t.py, round === 0);
        refInfo ??= r;
        (times[t.key] ??= { ref: [], single: [], pool: [] }).ref.push(r[t.py].seconds);
        const file = t.key === 'image' ? jpg : wav;
        times[t.key]!.single.push(await timeSerial(t.kind, file, t.key === 'image' ? args.images : args.audioRepeats));
        times[t.key]!.pool.push(await timePool(pool, t.kind, file, t.key === 'image' ? args.images : args.audioRepeats));
      }
    }

    // Same work? Compare our tensors with the reference's for the same files.
    const ours = {
      ...(await runPreprocess(['imagebind_vision'], jpg)).tensors,
      ...(await runPreprocess(['imagebind_audio', 'clap_fusion_mel'], wav)).tensors,
    };
    const parity: Record<string, { max_abs: number; mean_abs: number }> = {};
    for (const t of TASKS) {
      const buf = readFileSync(join(dumpDir, `${t.kind}.f32`));
      parity[t.kind] = maxMeanAbs(ours[t.kind]!, new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4));
    }

    const rows = TASKS.map((t) => {
      const work = t.key === 'image' ? args.images : audioSec * args.audioRepeats;
      const x = times[t.key]!;
      const [ref, single, pooled] = [median(x.ref), median(x.single), median(x.pool)];
      return {
        task: t.task,
        unit: t.unit,
        reference: work / ref,
        ours_single_thread: work / single,
        ours_pool: work / pooled,
        ratio_pool_vs_reference: ref / pooled,
        ratio_single_vs_reference: ref / single,
        seconds: { reference: x.ref, ours_single_thread: x.single, ours_pool: x.pool, work },
      };
    });
    const result = {
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), node: process.version },
      reference: {
        python: args.python,
        versions: refInfo.versions,
        torch_threads: refInfo.torch_threads,
        clap_resampler: refInfo.clap_resampler ?? 'unknown',
      },
      workers: args.workers,
      rounds: args.rounds,
      parity_vs_reference: parity,
      rows,
    };
    if (args.json) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    const f = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
    const head = ['task', 'unit', 'reference', 'ours 1 thread', `ours ${args.workers} workers`, 'ratio 1T', `ratio ${args.workers}W`];
    const body = rows.map((r) => [r.task, r.unit, f(r.reference), f(r.ours_single_thread), f(r.ours_pool), f(r.ratio_single_vs_reference) + '×', f(r.ratio_pool_vs_reference) + '×']);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(line(head));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const b of body) console.log(line(b));
    const v = refInfo.versions;
    console.log(
      `\nmedians of ${args.rounds} interleaved rounds. Reference: torch ${v.torch}, torchaudio ${v.torchaudio}, torchvision ${v.torchvision}, ` +
        `Pillow ${v.pillow}, ${refInfo.torch_threads} torch thread(s); its CLAP resampler is ${result.reference.clap_resampler}.`,
    );
    const p = (k: string) => `max ${parity[k]!.max_abs.toExponential(2)} / mean ${parity[k]!.mean_abs.toExponential(2)}`;
    console.log(
      `parity |ours − reference| on these files: vision ${p('imagebind_vision')}; ImageBind audio ${p('imagebind_audio')}; ` +
        `CLAP fusion mel (dB) ${p('clap_fusion_mel')} (ours ports soxr-HQ; with libsoxr as the reference the mel should agree closely).`,
    );
    console.log(`machine: ${result.machine.cpus} CPUs (${result.machine.model}), load average ${result.machine.loadavg.map((x) => x.toFixed(2)).join(' ')}, Node ${process.version}`);
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

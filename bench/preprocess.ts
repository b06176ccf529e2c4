// `npm run bench -- preprocess [--json] [--images N] [--audio-repeats R] [--workers W] [--python PATH] [--torch-threads T]`
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

interface Args {
  json: boolean;
  images: number;
  audioRepeats: number;
  workers: number;
  python: string;
  torchThreads: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, images: 8, audioRepeats: 4, workers: 2, python: '/usr/bin/python3', torchThreads: 0 };
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

/** xorshift32 noise, deterministic. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

async function makeJpeg(path: string, w = 4000, h = 3000): Promise<void> {
  const r = rng(1234);
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
  const r = rng(99);
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

interface Row {
  task: string;
  unit: string;
  work: number; // items or seconds of audio per run
  reference: number;
  oursSingle: number;
  oursPool: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'molecule-bench-'));
  try {
    const jpg = join(dir, 'photo-4000x3000.jpg');
    const wav = join(dir, 'tone-60s-44k1-stereo.wav');
    await makeJpeg(jpg);
    makeWav(wav);
    const audioSec = 60;
    const log = (s: string) => !args.json && console.error(s);

    log(`reference: ${args.python} bench/reference/preprocess_ref.py …`);
    const script = join(repoRoot(), 'bench', 'reference', 'preprocess_ref.py');
    const dumpDir = join(dir, 'ref-tensors');
    mkdirSync(dumpDir);
    const py = spawnSync(
      args.python,
      [script, '--image', jpg, '--audio', wav, '--images', String(args.images), '--audio-repeats', String(args.audioRepeats), '--torch-threads', String(args.torchThreads), '--dump', dumpDir],
      { encoding: 'utf8', maxBuffer: 16 << 20 },
    );
    if (py.status !== 0) {
      throw new Error(
        `the reference run failed (${py.status ?? py.error?.message}); it needs ${args.python} with torch, torchaudio, torchvision and PIL ` +
          `(Debian: python3-torch python3-torchaudio python3-torchvision python3-pil; another interpreter: --python PATH)\n${py.stderr}`,
      );
    }
    const ref = JSON.parse(py.stdout.trim().split('\n').pop()!);

    // Same work? Compare our tensors with the reference's for the same files.
    const ours = {
      ...(await runPreprocess(['imagebind_vision'], jpg)).tensors,
      ...(await runPreprocess(['imagebind_audio', 'clap_fusion_mel'], wav)).tensors,
    };
    const parity: Record<string, { max_abs: number; mean_abs: number }> = {};
    for (const k of ['imagebind_vision', 'imagebind_audio', 'clap_fusion_mel'] as const) {
      const buf = readFileSync(join(dumpDir, `${k}.f32`));
      const r = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      const o = ours[k]!;
      if (o.length !== r.length) throw new Error(`${k}: ours has ${o.length} values, the reference ${r.length}`);
      let max = 0;
      let sum = 0;
      for (let i = 0; i < o.length; i++) {
        const d = Math.abs(o[i]! - r[i]!);
        if (d > max) max = d;
        sum += d;
      }
      parity[k] = { max_abs: max, mean_abs: sum / o.length };
    }

    log('ours, one thread …');
    const single = {
      image: await timeSerial('imagebind_vision', jpg, args.images),
      ib: await timeSerial('imagebind_audio', wav, args.audioRepeats),
      clap: await timeSerial('clap_fusion_mel', wav, args.audioRepeats),
    };
    log(`ours, pool of ${args.workers} workers …`);
    const pool = new PreprocessPool(args.workers);
    let pooled;
    try {
      pooled = {
        image: await timePool(pool, 'imagebind_vision', jpg, args.images),
        ib: await timePool(pool, 'imagebind_audio', wav, args.audioRepeats),
        clap: await timePool(pool, 'clap_fusion_mel', wav, args.audioRepeats),
      };
    } finally {
      await pool.close();
    }

    const rows: Row[] = [
      { task: 'JPEG 4000×3000 → ImageBind vision', unit: 'images/s', work: args.images, reference: ref.image.seconds, oursSingle: single.image, oursPool: pooled.image },
      { task: 'decode + ImageBind audio (fbank)', unit: 'audio s/s', work: audioSec * args.audioRepeats, reference: ref.imagebind_audio.seconds, oursSingle: single.ib, oursPool: pooled.ib },
      { task: 'decode + CLAP 48k load + fusion mel', unit: 'audio s/s', work: audioSec * args.audioRepeats, reference: ref.clap_fusion.seconds, oursSingle: single.clap, oursPool: pooled.clap },
    ];
    const result = {
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), node: process.version },
      reference: { python: args.python, versions: ref.versions, torch_threads: ref.torch_threads, clap_resampler: ref.clap_fusion.resampler },
      workers: args.workers,
      parity_vs_reference: parity,
      rows: rows.map((r) => ({
        task: r.task,
        unit: r.unit,
        reference: r.work / r.reference,
        ours_single_thread: r.work / r.oursSingle,
        ours_pool: r.work / r.oursPool,
        ratio_pool_vs_reference: r.reference / r.oursPool,
        ratio_single_vs_reference: r.reference / r.oursSingle,
      })),
    };
    if (args.json) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    const f = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
    const head = ['task', 'unit', 'reference', 'ours 1 thread', `ours ${args.workers} workers`, 'ratio 1T', `ratio ${args.workers}W`];
    const body = result.rows.map((r) => [r.task, r.unit, f(r.reference), f(r.ours_single_thread), f(r.ours_pool), f(r.ratio_single_vs_reference) + '×', f(r.ratio_pool_vs_reference) + '×']);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(line(head));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const b of body) console.log(line(b));
    console.log(
      `\nreference: torch ${ref.versions.torch}, torchaudio ${ref.versions.torchaudio}, torchvision ${ref.versions.torchvision}, Pillow ${ref.versions.pillow}, ` +
        `${ref.torch_threads} torch threads; CLAP reference resampler: ${ref.clap_fusion.resampler}.`,
    );
    const p = (k: keyof typeof parity) => `max ${parity[k]!.max_abs.toExponential(2)} / mean ${parity[k]!.mean_abs.toExponential(2)}`;
    console.log(
      `parity |ours − reference| on these files: vision ${p('imagebind_vision')}; ImageBind audio ${p('imagebind_audio')}; ` +
        `CLAP fusion mel (dB) ${p('clap_fusion_mel')} — the CLAP difference is the resampler (ours: soxr-HQ port, reference here: torchaudio).`,
    );
    console.log(`machine: ${result.machine.cpus} CPUs (${result.machine.model}), load average ${result.machine.loadavg.map((x) => x.toFixed(2)).join(' ')}, Node ${process.version}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

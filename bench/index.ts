/**
 * `npm run bench -- index [--images N] [--audios N] [--seconds S] [--workers W] [--batch B] [--pack DIR] [--json]`
 * Generates a folder of PNG images and WAV recordings, indexes it into a fresh library with the test pack
 * (models/test-packs/ib-pp-test unless --pack), and reports files/s and how busy the encoder was
 * (time inside encodeImages/encodeAudios ÷ wall time of the indexing phase).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { Library } from '../src-main/library/library';
import { openSpace } from '../src-main/space/open-space';
import { numOpt as opt, strOpt } from './args';

const args = process.argv.slice(2);
const json = args.includes('--json');
const nImages = opt('images', 60);
const nAudios = opt('audios', 60);
const seconds = opt('seconds', 5);
const workers = opt('workers', -1);
const batch = opt('batch', 8);
// Optional: add this many ms of latency per item to every encoder call, to see whether preprocessing keeps a
// heavy encoder (real ImageBind-H / CLAP on CPU cost 100s of ms per item) busy. Reported as simulated.
const simulatedMs = opt('simulate-encoder-ms', 0);
const here = fileURLToPath(new URL('.', import.meta.url));
const pack = resolve(strOpt('pack') ?? join(here, '..', '..', 'models', 'test-packs', 'ib-pp-test'));

const dir = mkdtempSync(join(tmpdir(), 'molecule-bench-index-'));
try {
  const media = join(dir, 'media');
  mkdirSync(media, { recursive: true });
  for (let i = 0; i < nImages; i++) {
    const w = 320 + (i % 7) * 16, h = 240 + (i % 5) * 16;
    const px = Buffer.alloc(w * h * 3);
    for (let p = 0; p < px.length; p++) px[p] = (p * (i + 3) + (p >> 7) * 13) & 255;
    await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(join(media, `img${i}.png`));
  }
  for (let i = 0; i < nAudios; i++) {
    const sr = i % 2 ? 44100 : 16000, n = Math.round(sr * seconds);
    const b = Buffer.alloc(44 + n * 2);
    b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVE', 8); b.write('fmt ', 12); b.writeUInt32LE(16, 16);
    b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(sr, 24); b.writeUInt32LE(sr * 2, 28); b.writeUInt16LE(2, 32);
    b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(n * 2, 40);
    for (let k = 0; k < n; k++) b.writeInt16LE(Math.round(9000 * Math.sin((2 * Math.PI * (200 + 37 * i) * k) / sr)), 44 + 2 * k);
    writeFileSync(join(media, `snd${i}.wav`), b);
  }
  const lib = new Library({
    openSpace: async (p) => {
      const sp = await openSpace(p, { checksums: false });
      if (simulatedMs > 0) {
        const ei = sp.encodeImages.bind(sp), ea = sp.encodeAudios.bind(sp);
        const pause = (n: number) => new Promise((r) => setTimeout(r, n * simulatedMs));
        sp.encodeImages = async (x) => { const r = await ei(x); await pause(x.length); return r; };
        sp.encodeAudios = async (x) => { const r = await ea(x); await pause(x.length); return r; };
      }
      return sp;
    },
    ...(workers >= 0 ? { prepWorkers: workers } : {}),
    batchSize: Math.max(1, batch),
  });
  await lib.open(join(dir, 'bench.db'), pack);
  await lib.vectorsReady();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const root = await lib.addRoot(media);
  const { jobId } = await lib.startIndexing({ roots: [root.id] });
  const s = await lib.waitForJob(jobId);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const st = lib.jobStats(jobId);
  await lib.close();
  const files = nImages + nAudios;
  const out = {
    files, images: nImages, audios: nAudios, audio_seconds: seconds, pack: lib.engineSpace.packId,
    workers: workers >= 0 ? workers : 'auto', batch, indexed: s.indexed, failed: s.failed,
    files_per_sec: +(files / wall).toFixed(2), wall_sec: +wall.toFixed(2),
    audio_seconds_per_sec: +((nAudios * seconds) / wall).toFixed(2),
    // all threads of this process (preprocessing workers, ONNX Runtime's pool, the main thread)
    cpu_percent: Math.round(((cpu.user + cpu.system) / 1e6 / wall) * 100), cores: availableParallelism(),
    encoder_busy: +(st.encodeBusyMs / st.indexWallMs).toFixed(3),
    ...(simulatedMs > 0 ? { simulated_encoder_ms_per_item: simulatedMs } : {}),
  };
  if (s.indexed !== files) throw new Error(`expected ${files} indexed, got ${s.indexed} (${s.failures.map((f) => f.reason).join('; ')})`);
  if (json) console.log(JSON.stringify(out));
  else {
    console.log(`indexed ${files} files (${nImages} PNG ~320×240, ${nAudios} WAV × ${seconds} s) with ${out.pack}, workers ${out.workers}, batch ${batch}`);
    if (simulatedMs > 0) console.log(`  (encoder latency raised by a SIMULATED ${simulatedMs} ms per item)`);
    console.log(`  ${out.files_per_sec} files/s, ${out.audio_seconds_per_sec} audio-s/s (${out.wall_sec} s); CPU ${out.cpu_percent}% of ${out.cores * 100}%; encoder busy ${(out.encoder_busy * 100).toFixed(1)}% of the indexing phase`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

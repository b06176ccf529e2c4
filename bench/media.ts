// `npm run bench -- media [--n N] [--workers W]`
//
// Photo formats of issue 13, decode + ImageBind vision preprocessing, on one thread and on a PreprocessPool of W
// workers (default 2, the CI machine's cores), printed with the load average:
//   (a) HEIC 12 MP (4032×3024, iPhone layout: 48 HEVC tiles of 512×512)   goal ≥ 4 images/s on 2 cores
//   (b) camera RAW 24 MP (6000×4000 embedded JPEG preview, NEF layout)     goal ≥ 8 files/s on 2 cores
// The pictures are a demo photo scaled up with added grain, so the codecs have real texture to decode.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { PreprocessPool } from '../src-main/preprocess/pool/pool';
import { runPreprocess } from '../src-main/preprocess/pool/run-preprocess';
import { repoRoot } from '../test/helpers/fixtures';
import { writeHeic } from '../test/helpers/media/heif';
import { writeRaw } from '../test/helpers/media/raw';
import { xorshift32 } from '../test/helpers/random';

const argv = process.argv.slice(2);
const opt = (k: string, d: number) => {
  const i = argv.indexOf(k);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const N = opt('--n', 12);
const W = opt('--workers', 2);

async function photo(w: number, h: number): Promise<Buffer> {
  const base = await sharp(join(repoRoot, 'resources/demo/train.jpeg')).resize(w, h, { fit: 'cover' }).removeAlpha().raw().toBuffer();
  const rnd = xorshift32(7);
  for (let i = 0; i < base.length; i++) base[i] = Math.max(0, Math.min(255, base[i]! + ((rnd() * 24) | 0) - 12));
  return base;
}

const now = () => performance.now() / 1000;

async function measure(label: string, file: string, goal: number, unit: string) {
  await runPreprocess(['imagebind_vision'], file);
  let t = now();
  const serialN = Math.max(2, Math.round(N / 3));
  for (let i = 0; i < serialN; i++) await runPreprocess(['imagebind_vision'], file);
  const serial = serialN / (now() - t);
  const pool = new PreprocessPool(W);
  try {
    await Promise.all(Array.from({ length: W }, () => pool.run('imagebind_vision', file)));
    t = now();
    await Promise.all(Array.from({ length: N }, () => pool.run('imagebind_vision', file)));
    const pooled = N / (now() - t);
    console.log(`${label.padEnd(52)} 1 thread ${serial.toFixed(2).padStart(6)} ${unit}   ${W} workers ${pooled.toFixed(2).padStart(6)} ${unit}   goal ≥ ${goal} ${pooled >= goal ? 'met' : 'NOT met'}`);
  } finally {
    await pool.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'molecule-bench-media-'));
try {
  console.log(`bench media: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average before ${loadavg().map((x) => x.toFixed(2)).join(' ')}, N=${N}`);
  const heic = join(dir, 'photo.heic');
  const rgb12 = await photo(4032, 3024);
  const hb = await writeHeic({ rgb: rgb12, width: 4032, height: 3024, grid: true, quality: 22, exif: { dateTimeOriginal: '2024:06:01 12:00:00' } });
  writeFileSync(heic, hb);
  console.log(`  HEIC file: ${(hb.length / 2 ** 20).toFixed(2)} MiB`);
  await measure('(a) HEIC 12 MP decode + ImageBind vision', heic, 4, 'img/s');
  const raw = join(dir, 'photo.nef');
  const preview = await sharp(await photo(6000, 4000), { raw: { width: 6000, height: 4000, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
  const thumb = await sharp(preview).resize(160, 120).jpeg().toBuffer();
  const rb = await writeRaw('nef', { preview, thumb, exif: { orientation: 1, dateTimeOriginal: '2024:06:01 12:00:00' } });
  writeFileSync(raw, Buffer.concat([rb, Buffer.alloc(20 * 2 ** 20)]));
  console.log(`  RAW preview JPEG: ${(preview.length / 2 ** 20).toFixed(2)} MiB (file padded to ${(rb.length / 2 ** 20 + 20).toFixed(1)} MiB like a real NEF)`);
  await measure('(b) RAW 24 MP preview extract + ImageBind vision', raw, 8, 'files/s');
  console.log(`load average after ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

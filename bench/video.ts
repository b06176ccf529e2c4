/**
 * `npm run bench -- video [--minutes M] [--fps F] [--gop G] [--workers W] [--pack DIR] [--keep FILE]`
 *
 * Issue 13's video goal: a 10-minute 1080p H.264 video with AAC sound indexed (frames every 2 s through the image
 * pathway + the sound track's 2-s clips through the audio pathway) in ≤ 30 s on this 2-core machine, with the test
 * pack (models/test-packs/ib-pp-test unless --pack: real ONNX sessions, small weights).
 *
 * The file: 20 s of 1080p30 H.264 (libx264 veryfast, CRF 20, High profile with CABAC and B-frames, a keyframe
 * every G frames, default 30 = one a second as phones write) panning over a demo photo with grain, and AAC 48 kHz
 * stereo (tones and noise), encoded once and written back to back until the file is M minutes long (each copy
 * starts on a keyframe), so decoding costs what a real file of that picture costs.
 *
 * Prints: (1) decode alone (one pass: every sound sample, the pictures of the moments) as a multiple of real time;
 * (2) the CPU time of each part measured on its own (frames half, sound half, encoders; all threads), and their sum
 * over two cores: the wall time two idle cores would need if nothing were lost to waiting, whatever else runs now; (3) the whole indexing of the file through
 * the library (two preprocessing workers share the video: pictures in one, sound in the other; encoders, SQLite,
 * segment files): wall time, multiple of real time, moments per track, frames decoded, CPU; and the goal met or not.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, existsSync, copyFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { Library } from '../src-main/library/library';
import { openSpace } from '../src-main/space/open-space';
import { openMedia } from '../src-main/preprocess/video/probe';
import { readMedia } from '../src-main/preprocess/video/reader';
import { prepareVideo, type VideoPart } from '../src-main/library/prepare-video';
import { writeVideoFile } from '../test/helpers/media/video';
import { xorshift32 } from '../test/helpers/random';
import { numOpt as opt, strOpt } from './args';

const minutes = opt('minutes', 10);
const fps = opt('fps', 30);
const gop = opt('gop', 30);
const workers = opt('workers', -1);
const SEG_SEC = 20, W = 1920, H = 1080, RATE = 48000;
const GOAL_SEC = 30;
const here = fileURLToPath(new URL('.', import.meta.url));
const pack = resolve(strOpt('pack') ?? join(here, '..', '..', 'models', 'test-packs', 'ib-pp-test'));
const keep = strOpt('keep');

async function makeVideo(file: string): Promise<void> {
  // a 2400×1500 canvas of the demo photo with grain, panned diagonally across the 1080p frame
  const CW = 2400, CH = 1500;
  const canvas = await sharp(join(here, '..', '..', 'resources', 'demo', 'train.jpeg')).resize(CW, CH, { fit: 'cover' }).removeAlpha().raw().toBuffer();
  const rnd = xorshift32(11);
  for (let i = 0; i < canvas.length; i++) canvas[i] = Math.max(0, Math.min(255, canvas[i]! + ((rnd() * 16) | 0) - 8));
  const frames = SEG_SEC * fps;
  const out = new Uint8Array(W * H * 3);
  const rgb = (i: number) => {
    const x0 = Math.round(((CW - W) * i) / frames), y0 = Math.round(((CH - H) * i) / frames);
    for (let y = 0; y < H; y++) out.set(canvas.subarray(((y + y0) * CW + x0) * 3, ((y + y0) * CW + x0 + W) * 3), y * W * 3);
    return out;
  };
  const n = SEG_SEC * RATE;
  const l = new Float32Array(n), r = new Float32Array(n);
  const nr = xorshift32(5);
  for (let i = 0; i < n; i++) {
    const t = i / RATE, f = 220 * 2 ** Math.floor(t / 2.5);
    l[i] = 0.25 * Math.sin(2 * Math.PI * f * t) + 0.05 * (nr() - 0.5);
    r[i] = 0.25 * Math.sin(2 * Math.PI * f * 1.5 * t) + 0.05 * (nr() - 0.5);
  }
  await writeVideoFile(file, {
    format: 'mp4', repeat: Math.max(1, Math.round((minutes * 60) / SEG_SEC)), creationTime: '2024-06-01T12:00:00.000000Z',
    video: { codec: 'libx264', width: W, height: H, fps, frames, gop, rgb, options: { preset: 'veryfast', crf: '20', profile: 'high' } },
    audio: { codec: 'aac', sampleRate: RATE, channels: [l, r], bitRate: 160_000 },
  });
}

const dir = mkdtempSync(join(tmpdir(), 'molecule-bench-video-'));
try {
  const media = join(dir, 'media');
  mkdirSync(media, { recursive: true });
  const file = join(media, 'ten-minutes-1080p.mp4');
  const t0 = performance.now();
  if (keep && existsSync(keep)) copyFileSync(keep, file);
  else {
    await makeVideo(file);
    if (keep) copyFileSync(file, keep);
  }
  console.log(`bench video: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`file: ${minutes} min ${W}×${H} ${fps} fps H.264 (keyframe every ${gop} frames) + AAC ${RATE / 1000} kHz stereo, ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB (made in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  // (1) decode alone: one pass, sound whole, pictures of the moments converted to RGB
  {
    const m = await openMedia(file);
    const dur = m.info.durationSec ?? 0;
    const c0 = process.cpuUsage();
    const t = performance.now();
    let samples = 0;
    const r = await readMedia(m, {
      stride: 1, maxMoments: 100_000, frames: true, audio: true,
      onFrame: () => undefined,
      onAudio: (c) => void (samples += c.channels[0]!.length),
    });
    const s = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(c0);
    await m.close();
    const cpuSec = (cpu.user + cpu.system) / 1e6;
    console.log(`decode only:  ${s.toFixed(1)} s wall for ${dur.toFixed(0)} s of video = ${(dur / s).toFixed(0)}× real time (${cpuSec.toFixed(1)} CPU-s = ${(dur / cpuSec).toFixed(0)}× real time per core); ${r.frameMoments} frame moments from ${r.framesDecoded} decoded pictures (${r.keyframeMoments} keyframes), ${(samples / RATE).toFixed(0)} s of sound`);
  }

  // (2) CPU of each part on its own, in this thread, so the figure does not depend on what else the machine runs:
  // the frames half and the sound half (what two preprocessing workers do side by side) and the encoders
  {
    const space = await openSpace(pack, { checksums: false });
    // the whole process (FFmpeg's decoder threads and ONNX Runtime's pool included); nothing else runs in it now
    const thr = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    const task = { path: file, hash: 'bench', size: statSync(file).size, mtimeMs: 0, thumbDir: join(dir, 'thumbs') };
    const half = async (tracks: 'frames' | 'sound') => {
      const parts: VideoPart[] = [];
      const c = thr();
      const r = await prepareVideo(space, { ...task, tracks }, async (p) => void (p.kind !== 'progress' && parts.push(p)));
      if (!r.ok) throw new Error(r.reason);
      return { cpu: thr() - c, parts };
    };
    const dur0 = (await openMedia(file).then(async (m) => [m.info.durationSec ?? 0, await m.close()] as const))[0];
    const f = await half('frames');
    const snd = await half('sound');
    const c0 = process.cpuUsage();
    for (const p of [...f.parts, ...snd.parts]) {
      if (p.kind === 'frames') await space.encodeImages(p.frames.flatMap((x) => (x.image ? [x.image] : [])));
      else if (p.kind === 'sound') await space.encodeClips(p.clips);
    }
    const u = process.cpuUsage(c0);
    const enc = (u.user + u.system) / 1e6;
    await space.close();
    const floor = (f.cpu + snd.cpu + enc) / 2;
    // the app's split: one worker on the pictures, the other on the sound while the encoders run beside them
    const path = Math.max(f.cpu, snd.cpu + enc, floor);
    console.log(
      `CPU by part:  frames half ${f.cpu.toFixed(1)} s (decode, RGB, poster, strip, image pathway), sound half ${snd.cpu.toFixed(1)} s (decode, clip inputs), ` +
        `encoders ${enc.toFixed(1)} s; on 2 idle cores at best ${floor.toFixed(1)} s = ${(dur0 / floor).toFixed(0)}× real time, ` +
        `with the pictures in one worker and the sound + encoders beside it ${path.toFixed(1)} s = ${(dur0 / path).toFixed(0)}× real time`,
    );
  }

  // (3) the whole indexing through the library, as the app does it
  const lib = new Library({
    openSpace: (p) => openSpace(p, { checksums: false }),
    ...(workers >= 0 ? { prepWorkers: workers } : {}),
  });
  await lib.open(join(dir, 'bench.db'), pack);
  await lib.vectorsReady();
  const c0 = process.cpuUsage();
  const t = performance.now();
  const root = await lib.addRoot(media);
  const { jobId } = await lib.startIndexing({ roots: [root.id] });
  const s = await lib.waitForJob(jobId);
  const wall = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(c0);
  if (s.failures.length) throw new Error(`indexing failed: ${JSON.stringify(s.failures)}`);
  const { items } = await lib.listItems({ sort: 'name', offset: 0, limit: 5 });
  const it = (await lib.item(items[0]!.id))!;
  const v = it.video!;
  const packId = lib.engineSpace.packId;
  await lib.close();
  const dur = it.durationSec ?? 0;
  console.log(
    `index:        ${wall.toFixed(1)} s wall for ${dur.toFixed(0)} s of video = ${(dur / wall).toFixed(1)}× real time ` +
      `(${workers >= 0 ? workers : `default (${availableParallelism()} cores)`} preprocessing workers, pack ${packId}); ` +
      `${v.frameMoments} frame moments + ${v.soundMoments} sound moments${v.soundExperts ? ' with expert vectors' : ''}, ${v.framesDecoded} pictures decoded; ` +
      `${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU-s in all threads (${(((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(0)} % of one core); load average after ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  );
  console.log(`goal: ≤ ${GOAL_SEC} s for a 10-minute 1080p video — ${minutes === 10 ? (wall <= GOAL_SEC ? 'met' : 'NOT met') : `(ran ${minutes} min; scale: ${((wall * 10) / minutes).toFixed(1)} s per 10 min)`}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

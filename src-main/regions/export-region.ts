/**
 * Regions out (docs/REGIONS.md): a span of a sound written as a WAV at the source's sample rate and bit depth,
 * with a bext chunk (description, originator "Molecule Space", time reference = the region's first sample) and
 * the source's iXML carried over. The source is only ever opened for reading; an existing file is never
 * overwritten (the new file is created exclusively, under a free name).
 *
 * "Source bit depth": a WAV source keeps its fmt chunk and its sample bytes are copied verbatim (bit-identical).
 * A lossless compressed source (FLAC, ALAC, WavPack …) has a bit depth: its decoded samples are written back as
 * integers of that depth (exact: the decoder's floats are int / 2^(bits−1)). A lossy source (MP3, AAC, Vorbis,
 * Opus) has none: the decoder's 32-bit float output is written as IEEE-float WAV, sample for sample.
 */
import { open, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { decodeAudio } from '../preprocess/audio/decode';
import { buildBext, parseBext } from '../metadata/bext';
import { readChunk, readWavLayout, RiffError, type WavLayout } from '../metadata/riff';
import { readAudioMetadata } from '../metadata/audio';
import { buildWav, interleave, pcmFormat } from './wav-writer';
import type { RegionResult } from './types';

export type { RegionResult };

export const ORIGINATOR = 'Molecule Space';
const MAX_IXML = 1024 * 1024;

export interface RegionRequest {
  source: string;
  startSec: number;
  endSec: number;
  /** Output file (a free name next to it is taken if it exists) or folder (a name is made). */
  out: string;
  outIsDir?: boolean;
  /** bext description (ASCII, 256 characters); default "<source name> <start>–<end> s". */
  description?: string;
}


export class RegionError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'RegionError';
  }
}

const fmtTime = (s: number) => (Math.round(s * 1000) / 1000).toFixed(3).replace(/\.?0+$/, '');

/** "take1_12.5-14s.wav" for a region of take1.wav. */
export function regionFileName(source: string, startSec: number, endSec: number): string {
  const stem = basename(source, extname(source)).replace(/[\\/:*?"<>|\0]/g, '_').slice(0, 120) || 'region';
  return `${stem}_${fmtTime(startSec)}-${fmtTime(endSec)}s.wav`;
}

/** Create `path` exclusively; if taken, "name (2).wav", "name (3).wav" … Returns the open handle and its path. */
async function createFree(path: string) {
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  for (let i = 1; i < 10_000; i++) {
    const p = i === 1 ? path : `${stem} (${i})${ext}`;
    try {
      return { fh: await open(p, 'wx'), path: p };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new RegionError(`no free file name next to ${path}`);
}

function checkSpan(startSec: number, endSec: number, durationSec: number): void {
  if (!Number.isFinite(startSec) || !Number.isFinite(endSec)) throw new RegionError('region start and end must be numbers');
  if (startSec < 0) throw new RegionError(`region starts before the sound (${startSec} s)`);
  if (endSec <= startSec) throw new RegionError(`region end ${endSec} s is not after its start ${startSec} s`);
  if (startSec >= durationSec) throw new RegionError(`region starts at ${startSec} s, after the end of the sound (${durationSec.toFixed(3)} s)`);
}

export async function exportRegion(req: RegionRequest): Promise<RegionResult> {
  const src = req.source;
  const st = await stat(src).catch((e: NodeJS.ErrnoException) => {
    throw new RegionError(`cannot read ${src}: ${e.code ?? e.message}`);
  });
  if (!st.isFile()) throw new RegionError(`${src} is not a file`);
  let layout: WavLayout | null = null;
  try {
    layout = await readWavLayout(src);
  } catch (e) {
    if (!(e instanceof RiffError)) throw e;
  }
  let fmt: Uint8Array;
  let data: Uint8Array;
  let sampleRate: number;
  let channels: number;
  let bits: number;
  let float: boolean;
  let startFrame: number;
  let frames: number;
  let from: RegionResult['from'];
  let srcBext = null as ReturnType<typeof parseBext>;
  let ixml: Uint8Array | undefined;
  const pcmWav = layout?.fmt && layout.data && [1, 3].includes(layout.fmt.formatTag) && layout.fmt.blockAlign > 0 && layout.fmt.sampleRate > 0;
  if (layout && pcmWav) {
    const f = layout.fmt!;
    const total = Math.floor(layout.data!.size / f.blockAlign);
    checkSpan(req.startSec, req.endSec, total / f.sampleRate);
    startFrame = Math.round(req.startSec * f.sampleRate);
    const endFrame = Math.min(total, Math.round(req.endSec * f.sampleRate));
    frames = endFrame - startFrame;
    if (frames <= 0) throw new RegionError('the region holds no whole sample');
    const bytes = frames * f.blockAlign;
    const fh = await open(src, 'r');
    try {
      const b = Buffer.alloc(bytes);
      const { bytesRead } = await fh.read(b, 0, bytes, layout.data!.offset + startFrame * f.blockAlign);
      if (bytesRead !== bytes) throw new RegionError(`${src} is shorter than its header says`);
      data = b;
    } finally {
      await fh.close();
    }
    fmt = f.raw;
    sampleRate = f.sampleRate;
    channels = f.channels;
    bits = f.bitsPerSample;
    float = f.formatTag === 3;
    from = 'wav-bytes';
    for (const c of layout.chunks) {
      if (c.id === 'bext' && !srcBext) {
        const b = await readChunk(src, c, 64 * 1024 + 602);
        srcBext = b ? parseBext(b) : null;
      }
      if (c.id === 'iXML' && !ixml) {
        const b = await readChunk(src, c, MAX_IXML);
        if (b) ixml = new Uint8Array(b);
      }
    }
  } else {
    const decoded = await decodeAudio(src).catch((e: Error) => {
      throw new RegionError(e.message);
    });
    const meta = await readAudioMetadata(src);
    sampleRate = decoded.sampleRate;
    channels = decoded.channels.length;
    const total = decoded.channels[0]?.length ?? 0;
    checkSpan(req.startSec, req.endSec, total / sampleRate);
    startFrame = Math.round(req.startSec * sampleRate);
    const endFrame = Math.min(total, Math.round(req.endSec * sampleRate));
    frames = endFrame - startFrame;
    if (frames <= 0) throw new RegionError('the region holds no whole sample');
    const srcBits = meta.bitsPerSample;
    const lossless = !!srcBits && [16, 24, 32].includes(srcBits) && /flac|alac|wavpack|pcm|aiff|monkey|tta/i.test(meta.codec ?? '');
    bits = lossless ? srcBits! : 32;
    float = !lossless;
    from = lossless ? 'lossless-decode' : 'lossy-decode';
    fmt = pcmFormat({ channels, sampleRate, bits, float });
    data = interleave(decoded.channels, startFrame, endFrame, bits as 16 | 24 | 32, float);
    srcBext = meta.bext ?? null;
  }
  const timeReference = (srcBext?.timeReference ?? 0) + startFrame;
  const desc = (req.description ?? `${basename(src)} ${fmtTime(req.startSec)}-${fmtTime(req.endSec)} s`).slice(0, 256);
  const history = [srcBext?.codingHistory, `A=${float ? 'PCM_FLOAT' : 'PCM'},F=${sampleRate},W=${bits},M=${channels === 1 ? 'mono' : channels === 2 ? 'stereo' : `${channels}ch`},T=${ORIGINATOR} region ${fmtTime(req.startSec)}-${fmtTime(req.endSec)} s of ${basename(src)}`]
    .filter(Boolean)
    .join('\r\n');
  const now = new Date();
  const bext = buildBext({
    description: desc,
    originator: ORIGINATOR,
    originatorReference: srcBext?.originatorReference ?? '',
    // the region was recorded when its source was: keep the source's origination date/time when it has one
    originationDate: srcBext?.originationDate || now.toISOString().slice(0, 10),
    originationTime: srcBext?.originationDate ? srcBext.originationTime : now.toISOString().slice(11, 19),
    timeReference,
    codingHistory: history,
  });
  const wav = buildWav({ fmt, bext, ixml, data });
  const target = req.outIsDir ? join(req.out, regionFileName(src, req.startSec, req.endSec)) : req.out;
  if (target === src) throw new RegionError('the export would replace its source');
  const { fh, path } = await createFree(target);
  try {
    await fh.writeFile(wav);
  } catch (e) {
    await fh.close();
    const { unlink } = await import('node:fs/promises');
    await unlink(path).catch(() => undefined);
    throw e;
  }
  await fh.close();
  return { path, sampleRate, channels, bitsPerSample: bits, float, startFrame, frames, from, timeReference };
}


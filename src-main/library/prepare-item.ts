import { stat } from 'node:fs/promises';
import type { PreparedAudio, PreparedImage, Space } from '../space/types';
import { LIMITS } from '../domain/limits';
import { readAudioMetadata } from '../metadata/audio';
import { readPhotoMetadata } from '../metadata/photo';
import { EnvironmentError, mediaReadError } from '../runtime/env-error';
import { exifDateToMs } from './exif';
import { BadMediaError, probeAudio, probeImage, type AudioProbe, type ImageProbe } from './media-probe';
import type { NewItem } from './repo';
import type { ItemModality } from '../domain/types';
import { mergeTracks, prepareVideo, type VideoMeta, type VideoResult } from './prepare-video';
import type { RunHooks } from './prep-pool';
import { VIDEO_LIMITS } from '../preprocess/video/limits';

export interface PrepareTask {
  path: string;
  modality: ItemModality;
  hash: string;
  size: number;
  mtimeMs: number;
  thumbDir: string;
  /** Videos: one track only (two workers share a video; see prepareVideoTracks). */
  tracks?: 'frames' | 'sound';
}

export type PrepareResult =
  | { ok: true; item: NewItem; image?: PreparedImage; audio?: PreparedAudio; video?: VideoMeta }
  | { ok: false; reason: string; cancelled?: boolean; /** the machine's fault (disk full, cache unwritable): stop the run, record nothing */ environmental?: true };

/**
 * Any file, in this thread: images and recordings through prepareItem; a video streams its parts to
 * `hooks.onPart` (awaited: the caller encodes them) and stops when `hooks.signal` aborts.
 */
export async function prepareFile(space: Pick<Space, 'prepareImage' | 'prepareAudio' | 'prepareClips'>, t: PrepareTask, hooks?: RunHooks): Promise<PrepareResult> {
  if (t.modality !== 'video') return prepareItem(space, t);
  const r = await prepareVideo(space, t, async (p) => void (await hooks?.onPart?.(p)), () => hooks?.signal?.aborted ?? false);
  return fromVideoResult(r, t.path);
}

/**
 * A video in two workers at once: one reads its pictures, the other its sound (each a single-threaded decoder and
 * preprocessing chain), both handing their parts to the same `hooks`; the halves are joined by mergeTracks (the
 * frames half's item keeps its container tags). Only the frames half reports progress. Other files go to `run`.
 */
export async function prepareVideoTracks(
  run: (t: PrepareTask, hooks?: RunHooks) => Promise<PrepareResult>, t: PrepareTask, hooks?: RunHooks,
): Promise<PrepareResult> {
  if (t.modality !== 'video') return run(t, hooks);
  const quiet: RunHooks = { ...hooks, onPart: (p) => (p.kind === 'progress' ? undefined : hooks?.onPart?.(p)) };
  const [f, s] = await Promise.all([run({ ...t, tracks: 'frames' }, hooks), run({ ...t, tracks: 'sound' }, quiet)]);
  const r = mergeTracks(toVideoResult(f), toVideoResult(s));
  if (!r.ok) return r;
  return r.kind === 'video' ? { ok: true, item: r.item, video: r.video } : { ok: true, item: r.item, audio: r.audio };
}

function toVideoResult(r: PrepareResult): VideoResult {
  if (!r.ok) return r;
  if (r.video) return { ok: true, kind: 'video', item: r.item, video: r.video };
  if (r.audio) return { ok: true, kind: 'audio', item: r.item, audio: r.audio };
  return { ok: false, reason: 'a video half came back with neither pictures nor sound' };
}

/** A prepared video (or a sound-only one) with its container tags read like a recording's (MP4 iTunes atoms,
 * Matroska tags); its date stays the video probe's (the same creation time, read by FFmpeg). */
export async function fromVideoResult(r: VideoResult, path: string): Promise<PrepareResult> {
  if (!r.ok) return r;
  r.item.meta = await readAudioMetadata(path);
  return r.kind === 'video' ? { ok: true, item: r.item, video: r.video } : { ok: true, item: r.item, audio: r.audio };
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** Probe (metadata, thumbnail, peaks) and preprocess one image or recording for the encoders. Never throws. */
export async function prepareItem(space: Pick<Space, 'prepareImage' | 'prepareAudio'>, t: PrepareTask): Promise<PrepareResult> {
  try {
    if (t.modality === 'video') throw new Error('videos are prepared by prepareFile (their moments stream in parts)');
    if (t.modality === 'image') {
      const probe: ImageProbe = await probeImage(t.path, t.thumbDir, t.hash);
      const image = await space.prepareImage(t.path, probe.decoded);
      const meta = await readPhotoMetadata(t.path);
      const exifMs = exifDateToMs(probe.exifDate) ?? meta.capturedAt ?? null;
      return {
        ok: true,
        image,
        item: {
          hash: t.hash, modality: 'image', size: t.size, format: probe.format, width: probe.width, height: probe.height,
          exifDate: probe.exifDate, date: exifMs ?? Math.round(t.mtimeMs), durationSec: null, sampleRate: null, channels: null,
          thumbnail: probe.thumbnail, peaks: null, meta,
        },
      };
    }
    const probe: AudioProbe = await probeAudio(t.path);
    // Per-clip inputs for very long recordings would be hundreds of MB of tensors: skip clips there.
    const audio = await space.prepareAudio(t.path, { clips: probe.durationSec <= MAX_CLIP_AUDIO_SEC });
    const meta = await readAudioMetadata(t.path);
    return {
      ok: true,
      audio,
      item: {
        hash: t.hash, modality: 'audio', size: t.size, format: probe.format, width: null, height: null, exifDate: null,
        // BWF origination date/time (wall clock read as UTC, like EXIF), else the file's mtime.
        date: meta.capturedAt ?? Math.round(t.mtimeMs), durationSec: probe.durationSec, sampleRate: probe.sampleRate, channels: probe.channels,
        thumbnail: null, peaks: probe.peaks, meta,
      },
    };
  } catch (e) {
    if (e instanceof EnvironmentError) return { ok: false, reason: e.message, environmental: true };
    if (e instanceof BadMediaError) return { ok: false, reason: e.message };
    return { ok: false, reason: `cannot prepare ${t.modality}: ${msg(e)}` };
  }
}

/** Embedded metadata alone (items indexed before metadata was read, schema < v8). Never throws. */
export async function readMetadataOf(path: string, modality: ItemModality) {
  return modality === 'image' ? readPhotoMetadata(path) : readAudioMetadata(path);
}

/** Recordings longer than this get no per-2-s clip vectors (hits then carry no clip span). */
export const MAX_CLIP_AUDIO_SEC = 3600;

/** Larger files are refused before decoding (a decoded hour-long recording alone is gigabytes). */
export const MAX_FILE_BYTES = LIMITS.mediaFileBytes;

/**
 * Cheap checks before hashing: unreadable, empty, oversized or non-regular files fail with a clear reason.
 * An I/O error of the disk itself is thrown (EnvironmentError), not returned as the file's fault.
 */
export async function precheck(path: string, modality: ItemModality = 'image'): Promise<string | null> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return 'not a regular file';
    if (s.size === 0) return 'empty file (0 bytes)';
    // a video is read as a stream, never whole: its bound is far higher than a photo's or a recording's
    const max = modality === 'video' ? VIDEO_LIMITS.fileBytes : MAX_FILE_BYTES;
    if (s.size > max) return `file too large: ${(s.size / 2 ** 20).toFixed(0)} MiB (limit ${max / 2 ** 20} MiB)`;
  } catch (e) {
    const env = mediaReadError(e, path);
    if (env) throw env;
    return `cannot stat file: ${(e as NodeJS.ErrnoException).code ?? msg(e)}`;
  }
  return null;
}

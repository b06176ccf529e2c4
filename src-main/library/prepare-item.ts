import { stat } from 'node:fs/promises';
import type { PreparedAudio, PreparedImage, Space } from '../space/types';
import { LIMITS } from '../domain/limits';
import { exifDateToMs } from './exif';
import { BadMediaError, probeAudio, probeImage, type AudioProbe, type ImageProbe } from './media-probe';
import type { NewItem } from './repo';
import type { ItemModality } from '../domain/types';

export interface PrepareTask {
  path: string;
  modality: ItemModality;
  hash: string;
  size: number;
  mtimeMs: number;
  thumbDir: string;
}

export type PrepareResult =
  | { ok: true; item: NewItem; image?: PreparedImage; audio?: PreparedAudio }
  | { ok: false; reason: string };

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** Probe (metadata, thumbnail, peaks) and preprocess one file for the encoders. Never throws. */
export async function prepareItem(space: Pick<Space, 'prepareImage' | 'prepareAudio'>, t: PrepareTask): Promise<PrepareResult> {
  try {
    if (t.modality === 'image') {
      const probe: ImageProbe = await probeImage(t.path, t.thumbDir, t.hash);
      const image = await space.prepareImage(t.path, probe.decoded);
      const exifMs = exifDateToMs(probe.exifDate);
      return {
        ok: true,
        image,
        item: {
          hash: t.hash, modality: 'image', size: t.size, format: probe.format, width: probe.width, height: probe.height,
          exifDate: probe.exifDate, date: exifMs ?? Math.round(t.mtimeMs), durationSec: null, sampleRate: null, channels: null,
          thumbnail: probe.thumbnail, peaks: null,
        },
      };
    }
    const probe: AudioProbe = await probeAudio(t.path);
    // Per-clip inputs for very long recordings would be hundreds of MB of tensors: skip clips there.
    const audio = await space.prepareAudio(t.path, { clips: probe.durationSec <= MAX_CLIP_AUDIO_SEC });
    return {
      ok: true,
      audio,
      item: {
        hash: t.hash, modality: 'audio', size: t.size, format: probe.format, width: null, height: null, exifDate: null,
        date: Math.round(t.mtimeMs), durationSec: probe.durationSec, sampleRate: probe.sampleRate, channels: probe.channels,
        thumbnail: null, peaks: probe.peaks,
      },
    };
  } catch (e) {
    if (e instanceof BadMediaError) return { ok: false, reason: e.message };
    return { ok: false, reason: `cannot prepare ${t.modality}: ${msg(e)}` };
  }
}

/** Recordings longer than this get no per-2-s clip vectors (hits then carry no clip span). */
export const MAX_CLIP_AUDIO_SEC = 3600;

/** Larger files are refused before decoding (a decoded hour-long recording alone is gigabytes). */
export const MAX_FILE_BYTES = LIMITS.mediaFileBytes;

/** Cheap checks before hashing: unreadable or empty files fail with a clear reason. */
export async function precheck(path: string): Promise<string | null> {
  try {
    const s = await stat(path);
    if (s.size === 0) return 'empty file (0 bytes)';
    if (s.size > MAX_FILE_BYTES) return `file too large: ${(s.size / 2 ** 20).toFixed(0)} MiB (limit ${MAX_FILE_BYTES / 2 ** 20} MiB)`;
  } catch (e) {
    return `cannot stat file: ${(e as NodeJS.ErrnoException).code ?? msg(e)}`;
  }
  return null;
}

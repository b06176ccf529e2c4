/**
 * The video bounds (domain/limits.ts, LIMITS.video; sound tracks are bounded like audio files, LIMITS.audio) and
 * the clip grid moments are cut on.
 */
import { LIMITS } from '../../domain/limits';

export const VIDEO_LIMITS = {
  ...LIMITS.video,
  minSampleRate: LIMITS.audio.minSampleRate,
  maxSampleRate: LIMITS.audio.maxSampleRate,
  maxChannels: LIMITS.audio.maxChannels,
} as const;

/** The clip grid: 2-s clips, as audio moments. */
export const CLIP_SEC = 2;

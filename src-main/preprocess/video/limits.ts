/**
 * Bounds on what a video file may declare, checked before anything is allocated for it (docs/MEDIA-FORMATS.md
 * restates them). A header outside these is refused with its reason; nothing is sized by the file.
 */
const MiB = 2 ** 20;

export const VIDEO_LIMITS = {
  /** Bytes of one video file (a 10-hour 1080p recording is tens of GB; hashing reads it once). */
  fileBytes: 256 * 1024 * MiB,
  /** Width or height of the picture, and pixels of one picture (16K × 16K; 8K video is 33 MP). */
  maxSide: 16_384,
  maxPixels: 16_384 * 16_384,
  /** Declared or decoded duration, seconds (two days: longer is a lying header or a surveillance dump). */
  maxDurationSec: 48 * 3600,
  /** Frame rates outside this are header garbage (timelapse 1/60 fps … high-speed 1000 fps). */
  minFps: 1 / 3600,
  maxFps: 1000,
  /** Audio track: the same bounds as audio files. */
  minSampleRate: 1000,
  maxSampleRate: 768_000,
  maxChannels: 64,
  /**
   * Moments per track. A video longer than maxMoments × 2 s gets its 2-s moments spread evenly over the whole
   * timeline (one every 2·⌈n/maxMoments⌉ s), so a 10-hour video has 1800 moments per track, not 18 000.
   */
  maxMoments: 1800,
  /** Compressed video bytes held while looking ahead for the next keyframe (a long GOP at a high bitrate). */
  maxBufferedBytes: 256 * MiB,
  /** One compressed packet (a 16K intra frame is a few tens of MB). */
  maxPacketBytes: 128 * MiB,
} as const;

/** The clip grid: 2-s clips, as audio moments. */
export const CLIP_SEC = 2;

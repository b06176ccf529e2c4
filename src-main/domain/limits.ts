/**
 * Every bound the engine puts on values it reads from files, headers and the file system, in one place
 * (docs/SECURITY.md restates them). A value read from outside is checked against these before anything is
 * allocated for it; crossing one gives a named error, never an allocation sized by the attacker.
 */

const MiB = 2 ** 20;

export const LIMITS = {
  /** Bytes of one media file the library indexes or a query reads (a decoded hour of audio is gigabytes). */
  mediaFileBytes: 1024 * MiB,

  audio: {
    /** Lowest sample rate accepted (Hz). 1 Hz "16000 samples" would be 4.4 hours of audio. */
    minSampleRate: 1000,
    /** Highest sample rate accepted (Hz): 16 × 48 kHz, the top of professional converters. */
    maxSampleRate: 768_000,
    /** Channels of one stream (third-order ambisonics is 16, a 64-track poly WAV the most seen). */
    maxChannels: 64,
    /** Decoded length of one recording, seconds (refused beyond: the encoders' inputs would be gigabytes). */
    maxDurationSec: 3 * 3600,
    /**
     * Decoded samples over all channels (float32: 4 bytes each). 2^29 = 2 GiB of PCM: three hours of stereo at
     * 44.1 kHz fits; a decompression bomb stops here while it is being decoded, not after.
     */
    maxDecodedSamples: 2 ** 29,
  },

  image: {
    /** Pixels of one image the library indexes (width × height of the frame decoded); 50000×50000 headers stop here. */
    maxPixels: 100_000_000,
    /** Pixels of an image decoded for the encoders outside the library (query images, `molecule embed`):
     * Pillow's own decompression-bomb error threshold (2 × Image.MAX_IMAGE_PIXELS), as the reference does. */
    maxPixelsReference: 2 * 89_478_485,
    /** Width or height in pixels (decoders multiply these; kept far from 2^31). */
    maxSide: 65_535,
  },

  /** Files read by path from outside the app (packs, tokenizers, vocabularies): regular files no larger than … */
  fileBytes: {
    packManifest: 1 * MiB,
    tokenizer: 64 * MiB,
    vocabulary: 16 * MiB,
    /** One ONNX file of a pack (InternVL's vision tower is ≈ 1.2 GB). */
    onnx: 8 * 1024 * MiB,
    /** Anything else a pack carries (notices, configs). */
    packOther: 64 * MiB,
  },

  /** Video files (read as a stream by FFmpeg, never whole): what a header may declare. Sound tracks use `audio`. */
  video: {
    /** Bytes of one video file (a 10-hour 1080p recording is tens of GB; hashing reads it once). */
    fileBytes: 256 * 1024 * MiB,
    /** Width or height of the picture, and pixels of one picture (16K × 16K; 8K video is 33 MP). */
    maxSide: 16_384,
    maxPixels: 16_384 * 16_384,
    /** Declared or decoded duration, seconds (two days: longer is a lying header or a surveillance dump). */
    maxDurationSec: 48 * 3600,
    /** Frame rates outside this are header garbage (a timelapse at one frame an hour … high-speed 1000 fps). */
    minFps: 1 / 3600,
    maxFps: 1000,
    /** Streams in one file. */
    maxStreams: 64,
    /**
     * Moments per track. A video longer than maxMoments × 2 s gets its 2-s moments spread evenly over the whole
     * timeline (one every 2·⌈clips/maxMoments⌉ s), so a 10-hour video has 1800 moments per track, not 18 000.
     */
    maxMoments: 1800,
    /** Compressed video bytes held while looking ahead for the next keyframe (a long GOP at a high bitrate). */
    maxBufferedBytes: 256 * MiB,
    /** One compressed packet (a 16K intra frame is a few tens of MB). */
    maxPacketBytes: 128 * MiB,
  },

  json: {
    /** Nesting depth of arrays/objects in a JSON document read from outside (pack.json, tokenizer.json). */
    maxDepth: 64,
  },
} as const;

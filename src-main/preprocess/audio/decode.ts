import { readFile } from 'node:fs/promises';
import decodeAny from 'audio-decode';

/** Decoded PCM: one Float32Array per channel, samples in [-1, 1) (PCM16 scaled by 1/32768, as libsndfile/libsox do). */
export interface DecodedAudio {
  sampleRate: number;
  channels: Float32Array[];
}

export class AudioDecodeError extends Error {
  constructor(readonly source: string, reason: string) {
    super(`cannot decode audio ${source}: ${reason}`);
    this.name = 'AudioDecodeError';
  }
}

/** Decode a whole audio file (WAV, MP3, FLAC, Ogg Vorbis/Opus, M4A/AAC, …) with audio-decode. */
export async function decodeAudio(input: string | Uint8Array, label?: string): Promise<DecodedAudio> {
  const source = label ?? (typeof input === 'string' ? input : '<buffer>');
  let bytes: Uint8Array;
  try {
    bytes = typeof input === 'string' ? await readFile(input) : input;
  } catch (e) {
    throw new AudioDecodeError(source, (e as NodeJS.ErrnoException).code ?? String(e));
  }
  if (bytes.byteLength === 0) throw new AudioDecodeError(source, 'empty file');
  let data: { channelData: Float32Array[]; sampleRate: number };
  try {
    data = await decodeAny(bytes);
  } catch (e) {
    throw new AudioDecodeError(source, e instanceof Error ? e.message : String(e));
  }
  const channels = data?.channelData ?? [];
  if (!data || !(data.sampleRate > 0) || channels.length === 0) {
    throw new AudioDecodeError(source, 'no audio stream');
  }
  const n = channels[0]!.length;
  if (n === 0) throw new AudioDecodeError(source, 'no samples');
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) {
      if (!Number.isFinite(ch[i]!)) throw new AudioDecodeError(source, 'decoded samples are not finite');
    }
  }
  return { sampleRate: data.sampleRate, channels };
}

import decodeAny from 'audio-decode';
import audioType from 'audio-type';
import { LIMITS } from '../../domain/limits';
import { mediaReadError } from '../../runtime/env-error';
import { FileRefusedError, readRegularFile } from '../../runtime/safe-read';
import { checkMp4, ContainerError } from './container-check';

/**
 * Decoded PCM: one Float32Array per channel, all of the same length. Integer PCM is in [−1, 1) (scaled
 * by 2^−(bits−1), as libsndfile/libsox do); float files keep their stored values, which may exceed ±1.
 */
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

/**
 * Plain PCM / IEEE-float WAV, scaled the way libsndfile and libsox (torchaudio.load, librosa) do:
 * signed integers divided by 2^(bits−1) (8-bit: unsigned, (u − 128)/128), floats as stored.
 * audio-decode divides positive integers by 2^(bits−1) − 1 instead; that asymmetry is a tiny
 * non-linearity whose harmonics are visible in the log-mel of quiet high bands (up to 0.26 in the
 * ImageBind tensor of a pure sweep), so the reference formats are parsed here.
 * Returns null for WAV codecs left to audio-decode (A-law, µ-law, ADPCM) and for non-RIFF data.
 */
function decodePcmWav(b: Uint8Array, source: string): DecodedAudio | null {
  const ascii = (o: number) => String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
  if (b.byteLength < 12 || ascii(0) !== 'RIFF' || ascii(8) !== 'WAVE') return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let fmt: { tag: number; channels: number; rate: number; blockAlign: number; bits: number; size: number; body: number } | undefined;
  let pos = 12;
  while (pos + 8 <= b.byteLength) {
    const id = ascii(pos);
    const size = dv.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > b.byteLength) throw new AudioDecodeError(source, 'WAV fmt chunk is truncated');
      let tag = dv.getUint16(body, true);
      if (tag === 0xfffe) {
        if (size < 40 || body + 26 > b.byteLength) throw new AudioDecodeError(source, 'WAV extensible fmt chunk is truncated');
        tag = dv.getUint16(body + 24, true); // first two bytes of the SubFormat GUID
      }
      fmt = {
        tag,
        channels: dv.getUint16(body + 2, true),
        rate: dv.getUint32(body + 4, true),
        blockAlign: dv.getUint16(body + 12, true),
        bits: dv.getUint16(body + 14, true),
        size,
        body,
      };
      checkStreamHeader(source, 'WAV', fmt.rate, fmt.channels);
    } else if (id === 'data') {
      if (!fmt) throw new AudioDecodeError(source, 'WAV data chunk before fmt chunk');
      const pcm = fmt.tag === 1 && [8, 16, 24, 32].includes(fmt.bits);
      const float = fmt.tag === 3 && (fmt.bits === 32 || fmt.bits === 64);
      if (!pcm && !float) {
        checkCompressedWav(source, b, dv, fmt, Math.min(size, b.byteLength - body));
        return null;
      }
      const { channels: nCh, rate, bits } = fmt;
      const width = bits / 8;
      if (fmt.blockAlign !== nCh * width) throw new AudioDecodeError(source, `WAV block align ${fmt.blockAlign} does not match ${nCh} × ${bits}-bit`);
      // a data size past the end of the file (streamed or truncated WAV) is cut to what is there, as libsndfile does
      const avail = Math.min(size, b.byteLength - body);
      const frames = Math.floor(avail / fmt.blockAlign);
      checkDecodedSize(source, rate, nCh, frames);
      const channels = Array.from({ length: nCh }, () => new Float32Array(frames));
      for (let c = 0; c < nCh; c++) {
        const x = channels[c]!;
        let o = body + c * width;
        const step = fmt.blockAlign;
        if (float && bits === 32) for (let i = 0; i < frames; i++, o += step) x[i] = dv.getFloat32(o, true);
        else if (float) for (let i = 0; i < frames; i++, o += step) x[i] = dv.getFloat64(o, true);
        else if (bits === 8) for (let i = 0; i < frames; i++, o += step) x[i] = (b[o]! - 128) / 128;
        else if (bits === 16 && LITTLE_ENDIAN && (b.byteOffset + body) % 2 === 0) {
          // aligned fast path: a typed view over the interleaved samples
          const v = new Int16Array(b.buffer, b.byteOffset + body, frames * nCh);
          for (let i = 0, k = c; i < frames; i++, k += nCh) x[i] = v[k]! / 32768;
        } else if (bits === 16) for (let i = 0; i < frames; i++, o += step) x[i] = dv.getInt16(o, true) / 32768;
        else if (bits === 24) {
          for (let i = 0; i < frames; i++, o += step) x[i] = ((b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) << 8 >> 8) / 8388608;
        } else for (let i = 0; i < frames; i++, o += step) x[i] = dv.getInt32(o, true) / 2147483648;
      }
      if (float) checkFinite(channels, source);
      return { sampleRate: rate, channels };
    }
    pos = body + size + (size & 1); // RIFF chunks are word-aligned
  }
  throw new AudioDecodeError(source, fmt ? 'WAV file has no data chunk' : 'WAV file has no fmt chunk');
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * WAV codecs audio-decode decodes (A-law, µ-law, MS and IMA ADPCM), checked before it allocates: ADPCM output is
 * blocks × samples-per-block, and audio-decode takes samples-per-block from the header as given (or, when the fmt
 * chunk has no extension, from the next chunk's bytes), so a 32 KB file claiming 65 535 samples per 8-byte block
 * allocated a gigabyte before the duration limit refused it. Samples per block must be what the block can hold.
 */
function checkCompressedWav(
  source: string, b: Uint8Array, dv: DataView, fmt: { tag: number; channels: number; rate: number; blockAlign: number; size: number; body: number }, dataBytes: number,
): void {
  const { tag, channels: nCh, rate, blockAlign: ba } = fmt;
  if (tag === 6 || tag === 7) {
    // A-law / µ-law: one byte per sample
    checkDecodedSize(source, rate, nCh, Math.floor(dataBytes / nCh));
    return;
  }
  if (tag !== 2 && tag !== 0x11) return; // anything else audio-decode refuses by itself
  const name = tag === 2 ? 'MS ADPCM' : 'IMA ADPCM';
  if (fmt.size < 20 || fmt.body + 20 > b.byteLength) throw new AudioDecodeError(source, `${name} WAV without samples per block (fmt chunk of ${fmt.size} bytes)`);
  const cbSize = dv.getUint16(fmt.body + 16, true);
  const spb = dv.getUint16(fmt.body + 18, true);
  // a block holds a header per channel (MS: 7 bytes and two samples; IMA: 4 bytes and one), then 4-bit samples
  const max = tag === 2 ? 2 + ((ba - 7 * nCh) * 2) / nCh : 1 + (ba / nCh - 4) * 2;
  if (cbSize < 2 || !(max >= 1) || spb < 1 || spb > max) {
    throw new AudioDecodeError(source, `${name} WAV declares ${spb} samples per ${ba}-byte block for ${nCh} channel(s) (at most ${Math.max(0, Math.floor(max))} fit)`);
  }
  checkDecodedSize(source, rate, nCh, Math.floor(dataBytes / ba) * spb);
}

function checkFinite(channels: Float32Array[], source: string): void {
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) {
      if (!Number.isFinite(ch[i]!)) throw new AudioDecodeError(source, `decoded sample ${i} is not finite`);
    }
  }
}

/** Bits per sample from a FLAC STREAMINFO block, or 0 when the bytes do not start with one. */
function flacBitsPerSample(b: Uint8Array): number {
  const isFlac = b.byteLength >= 42 && b[0] === 0x66 && b[1] === 0x4c && b[2] === 0x61 && b[3] === 0x43; // "fLaC"
  if (!isFlac || (b[4]! & 0x7f) !== 0) return 0;
  return (((b[20]! & 1) << 4) | (b[21]! >> 4)) + 1;
}

/**
 * audio-decode's FLAC decoder (libFLAC in WASM) divides the integer samples by 2^(bits−1) − 1;
 * libsndfile divides by 2^(bits−1). Detect that (the libsndfile scaling yields exact multiples of
 * 2^−(bits−1)) and rescale, so FLAC decodes to the same values as the same PCM in WAV.
 */
function fixFlacScaling(channels: Float32Array[], bits: number): void {
  if (bits < 4 || bits > 24) return;
  const full = 2 ** (bits - 1);
  let asymmetric = false;
  outer: for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) {
      const v = ch[i]!;
      if (!Number.isInteger(v * full)) {
        asymmetric = true;
        break outer;
      }
    }
  }
  if (!asymmetric) return;
  const top = full - 1;
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) {
      const v = ch[i]!;
      ch[i] = bits <= 16 ? Math.round(v * top) / full : (v * top) / full;
    }
  }
}

/** Sample rate and channel count from a header, against LIMITS.audio (before anything is allocated for them). */
function checkStreamHeader(source: string, what: string, rate: number, channels: number): void {
  const { minSampleRate, maxSampleRate, maxChannels } = LIMITS.audio;
  if (channels === 0) throw new AudioDecodeError(source, `${what} header declares 0 channels`);
  if (channels > maxChannels) throw new AudioDecodeError(source, `${what} header declares ${channels} channels (limit ${maxChannels})`);
  if (!(rate >= minSampleRate && rate <= maxSampleRate)) {
    throw new AudioDecodeError(source, `${what} header declares sample rate ${rate} Hz (accepted: ${minSampleRate}–${maxSampleRate} Hz)`);
  }
}

/** Decoded length against LIMITS.audio: duration and total samples (checked before allocating, or while decoding). */
function checkDecodedSize(source: string, rate: number, channels: number, frames: number): void {
  const { maxDurationSec, maxDecodedSamples } = LIMITS.audio;
  if (frames / rate > maxDurationSec) {
    throw new AudioDecodeError(source, `recording too long: ${formatDuration(frames / rate)} or more (limit ${formatDuration(maxDurationSec)})`);
  }
  if (frames * channels > maxDecodedSamples) {
    throw new AudioDecodeError(source, `too many samples: ${frames} frames × ${channels} channels (limit ${maxDecodedSamples} samples)`);
  }
}

const formatDuration = (sec: number) => (sec >= 3600 ? `${(sec / 3600).toFixed(1)} h` : sec >= 60 ? `${(sec / 60).toFixed(1)} min` : `${sec.toFixed(1)} s`);

/** Containers and codecs the library accepts (what audio-type names them); others are refused, not tried. */
const ACCEPTED_FORMATS = new Set(['wav', 'mp3', 'flac', 'oga', 'opus', 'm4a', 'aac']);
/** Encoded bytes fed to the decoder per step; the decoded size is checked after each step. */
const DECODE_STEP = 256 * 1024;

/**
 * Decode with audio-decode's streaming decoders, step by step, so a stream that decodes to more than the
 * limits allow (a decompression bomb, a header that lies) stops while it is being decoded. Steps are joined
 * the way audio-decode joins a whole-file decode (a decoder that drops to one channel for dual-mono blocks
 * has those blocks widened again if later blocks differ).
 */
async function decodeStreamed(bytes: Uint8Array, source: string): Promise<{ channelData: Float32Array[]; sampleRate: number }> {
  // audio-type reads `new Uint8Array(buf.buffer)`, ignoring the view's offset: a Buffer from Node's pool (a small
  // upload decoded from base64) or any subarray was read from the wrong bytes ("unknown audio format"). A copy of the
  // head has its own buffer.
  const format = audioType(new Uint8Array(bytes.subarray(0, 64 * 1024)));
  if (!format) throw new AudioDecodeError(source, 'unknown audio format');
  if (!ACCEPTED_FORMATS.has(format)) throw new AudioDecodeError(source, `unsupported audio format "${format}"`);
  try {
    if (format === 'm4a') checkMp4(bytes);
  } catch (e) {
    if (e instanceof ContainerError) throw new AudioDecodeError(source, e.reason);
    throw e;
  }
  async function* steps(): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < bytes.byteLength; at += DECODE_STEP) yield bytes.subarray(at, Math.min(at + DECODE_STEP, bytes.byteLength));
  }
  const parts: Float32Array[][] = [];
  let rate = 0;
  let width = 0;
  let frames = 0;
  for await (const out of decodeAny(steps(), format as Parameters<typeof decodeAny>[1])) {
    const n = out.channelData[0]?.length ?? 0;
    if (!n) continue;
    if (!rate) {
      rate = out.sampleRate;
      checkStreamHeader(source, format.toUpperCase(), rate, out.channelData.length);
    } else if (out.channelData.length > LIMITS.audio.maxChannels) {
      checkStreamHeader(source, format.toUpperCase(), rate, out.channelData.length);
    }
    width = Math.max(width, out.channelData.length);
    frames += n;
    checkDecodedSize(source, rate, width, frames);
    parts.push(out.channelData);
  }
  if (!frames) return { channelData: [], sampleRate: rate };
  const channelData = Array.from({ length: width }, () => new Float32Array(frames));
  let at = 0;
  for (const p of parts) {
    for (let c = 0; c < width; c++) channelData[c]!.set(p[c % p.length]!, at);
    at += p[0]!.length;
  }
  return { channelData, sampleRate: rate };
}

/**
 * Decode a whole audio file. PCM/float WAV is parsed here (libsndfile scaling); everything else
 * (MP3, FLAC, Ogg Vorbis/Opus, M4A/AAC, other WAV codecs) goes through audio-decode's streaming decoders.
 * Files are read only if they are regular files within LIMITS.mediaFileBytes; sample rate, channels and
 * the decoded length are bounded by LIMITS.audio before (WAV) or while (other formats) samples are allocated.
 */
export async function decodeAudio(input: string | Uint8Array, label?: string): Promise<DecodedAudio> {
  const source = label ?? (typeof input === 'string' ? input : '<buffer>');
  let bytes: Uint8Array;
  try {
    bytes = typeof input === 'string' ? await readRegularFile(input, LIMITS.mediaFileBytes) : input;
  } catch (e) {
    const env = typeof input === 'string' ? mediaReadError(e, input) : null;
    if (env) throw env;
    throw new AudioDecodeError(source, e instanceof FileRefusedError ? e.reason : ((e as NodeJS.ErrnoException).code ?? String(e)));
  }
  if (bytes.byteLength === 0) throw new AudioDecodeError(source, 'empty file');
  let data: { channelData: Float32Array[]; sampleRate: number };
  let checked = false;
  try {
    const wav = decodePcmWav(bytes, source);
    checked = wav !== null;
    data = wav ? { channelData: wav.channels, sampleRate: wav.sampleRate } : await decodeStreamed(bytes, source);
    const flacBits = wav ? 0 : flacBitsPerSample(bytes);
    if (flacBits && data?.channelData) fixFlacScaling(data.channelData, flacBits);
  } catch (e) {
    if (e instanceof AudioDecodeError) throw e;
    throw new AudioDecodeError(source, e instanceof Error ? e.message : String(e));
  }
  const channels = data?.channelData ?? [];
  if (!data || !(data.sampleRate > 0) || channels.length === 0) {
    throw new AudioDecodeError(source, 'no decodable audio stream (truncated or corrupt file?)');
  }
  // every consumer indexes channels in lockstep; a decoder yielding ragged channels is cut to the shortest
  const n = Math.min(...channels.map((c) => c.length));
  if (n === 0) throw new AudioDecodeError(source, 'no samples');
  for (let c = 0; c < channels.length; c++) if (channels[c]!.length !== n) channels[c] = channels[c]!.subarray(0, n);
  if (!checked) checkFinite(channels, source); // decodePcmWav checks float WAV; integer PCM is always finite
  return { sampleRate: data.sampleRate, channels };
}

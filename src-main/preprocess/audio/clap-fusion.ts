import { CLAP_MAX_LEN, ClapInputError } from './clap-load';
import { CLAP_HOP, CLAP_N_MELS, clapLogMel, clapLogMelRows, clapMelFrames } from './clap-mel';
import { clapRepeatPad } from './clap-nonfusion';

/** Frames of one 10 s chunk: 480000 / 480 + 1. */
export const CLAP_CHUNK_FRAMES = Math.floor(CLAP_MAX_LEN / CLAP_HOP) + 1;

export type ClapFusionRule = 'as_is' | 'repeatpad' | 'fusion_long' | 'corner_case_whole';

export interface ClapFusionInput {
  /** float32 [4,1001,64]: shrink (or the mel) , front, middle, back */
  mel: Float32Array;
  longer: boolean;
  /** frame starts of the front/middle/back chunks ([] unless rule is fusion_long) */
  chunkStarts: number[];
  rule: ClapFusionRule;
  /** mel frames of the (padded) signal */
  frames: number;
}

/** numpy.array_split(range(count), 3): sizes differ by at most one, larger parts first. */
export function arraySplit3(count: number): [number, number][] {
  const base = Math.floor(count / 3);
  const extra = count % 3;
  const parts: [number, number][] = [];
  let at = 0;
  for (let k = 0; k < 3; k++) {
    const len = base + (k < extra ? 1 : 0);
    parts.push([at, len]);
    at += len;
  }
  return parts;
}

/**
 * Chunk starts of a long input with T mel frames (T > 1001): the starts 0…T−1001 split in three like
 * numpy.array_split, an empty part replaced by [0], and the middle element of each part taken
 * (deterministic stand-in for the reference's np.random.choice).
 */
export function clapChunkStarts(T: number): number[] {
  const parts = arraySplit3(T - CLAP_CHUNK_FRAMES + 1);
  return parts.map(([first, len]) => (len === 0 ? 0 : first + Math.floor((len - 1) / 2)));
}

/** The three candidate-start ranges as [first, last] (an empty part becomes [0, 0]). */
export function clapChunkRanges(T: number): [number, number][] {
  return arraySplit3(T - CLAP_CHUNK_FRAMES + 1).map(([first, len]) => (len === 0 ? [0, 0] : [first, first + len - 1]));
}

/** Source rows i0, i1 and weight λ of shrink row i (float32 index math as PyTorch's CPU kernel). */
function shrinkTap(T: number, scale: number, i: number): [number, number, number] {
  let src = Math.fround(Math.fround(scale * (i + 0.5)) - 0.5);
  if (src < 0) src = 0;
  const i0 = Math.floor(src);
  return [i0, i0 < T - 1 ? i0 + 1 : i0, Math.fround(src - i0)];
}

/**
 * torchvision 0.14 Resize([1001,64]) of a [T,64] tensor: bilinear along time only, align_corners=False,
 * no antialiasing, source index math in float32 as PyTorch's CPU kernel does it.
 */
export function clapShrinkMel(mel: Float32Array, T: number, out: Float32Array, outOffset: number): void {
  const scale = Math.fround(T / CLAP_CHUNK_FRAMES);
  for (let i = 0; i < CLAP_CHUNK_FRAMES; i++) {
    const [i0, i1, l1] = shrinkTap(T, scale, i);
    const l0 = Math.fround(1 - l1);
    const a = i0 * CLAP_N_MELS;
    const b = i1 * CLAP_N_MELS;
    const o = outOffset + i * CLAP_N_MELS;
    for (let m = 0; m < CLAP_N_MELS; m++) out[o + m] = l0 * mel[a + m]! + l1 * mel[b + m]!;
  }
}

/** CLAP-General (fusion) model input `mel_fusion` [4,1001,64] and `longer` (docs/REFERENCE.md §4.3). */
export function clapFusionMel(x48: Float32Array): ClapFusionInput {
  const n = x48.length;
  if (n === 0) throw new ClapInputError('no samples (empty audio)');
  const chunk = CLAP_CHUNK_FRAMES * CLAP_N_MELS;
  const out = new Float32Array(4 * chunk);
  if (n <= CLAP_MAX_LEN) {
    const mel = clapLogMel(n < CLAP_MAX_LEN ? clapRepeatPad(x48) : x48);
    for (let k = 0; k < 4; k++) out.set(mel, k * chunk);
    return { mel: out, longer: false, chunkStarts: [], rule: n < CLAP_MAX_LEN ? 'repeatpad' : 'as_is', frames: CLAP_CHUNK_FRAMES };
  }
  const T = clapMelFrames(n);
  if (T === CLAP_CHUNK_FRAMES) {
    const mel = clapLogMel(x48);
    for (let k = 0; k < 4; k++) out.set(mel, k * chunk);
    return { mel: out, longer: false, chunkStarts: [], rule: 'corner_case_whole', frames: T };
  }
  // only the frames the shrink and the three chunks read are computed (≈ 5000 at most, however long x is)
  const starts = clapChunkStarts(T);
  const need = new Uint8Array(T);
  const scale = Math.fround(T / CLAP_CHUNK_FRAMES);
  for (let i = 0; i < CLAP_CHUNK_FRAMES; i++) {
    const [i0, i1] = shrinkTap(T, scale, i);
    need[i0] = need[i1] = 1;
  }
  for (const s of starts) need.fill(1, s, s + CLAP_CHUNK_FRAMES);
  const mel = clapLogMelRows(x48, need);
  clapShrinkMel(mel, T, out, 0);
  starts.forEach((s, k) => out.set(mel.subarray(s * CLAP_N_MELS, s * CLAP_N_MELS + chunk), (k + 1) * chunk));
  return { mel: out, longer: true, chunkStarts: starts, rule: 'fusion_long', frames: T };
}

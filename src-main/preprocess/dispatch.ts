/**
 * One entry point per preprocessing kind (the `molecule preprocess` command and the space's prepare* stages):
 * file or text in, the encoder input tensor out (float32, C order) plus the kind's metadata.
 */
import { decodeAudio, type DecodedAudio } from './audio/decode';
import { clapFusionMel } from './audio/clap-fusion';
import { clapLoad48k } from './audio/clap-load';
import { clapNonfusionWaveform } from './audio/clap-nonfusion';
import { imagebindAudio } from './audio/imagebind-audio';
import { decodeImageRGB } from './image/decode';
import { imagebindVision } from './image/imagebind-vision';
import { internvlVision } from './image/internvl-vision';
import { ClipTokenizer } from './text/clip-tokenizer';

import { PREPROCESS_KINDS, type PreprocessKind } from './kinds';

export { PREPROCESS_KINDS, type PreprocessKind };

export interface PreprocessResult {
  kind: PreprocessKind;
  shape: number[];
  /** float32 tensor (token ids as float32 for imagebind_tokens). */
  data: Float32Array;
  /** Extra JSON fields for the kind: longer, ids, eot_index, crop offsets, clip bounds, … */
  meta: Record<string, unknown>;
}

const TEXT_KINDS: readonly PreprocessKind[] = ['imagebind_tokens'];

export function isPreprocessKind(k: string): k is PreprocessKind {
  return (PREPROCESS_KINDS as readonly string[]).includes(k);
}

export function kindTakesText(kind: PreprocessKind): boolean {
  return TEXT_KINDS.includes(kind);
}

let clipTok: ClipTokenizer | undefined;
let clipTokPath: string | undefined;
/** The ImageBind CLIP BPE tokenizer (cached per merges file). */
export function clipTokenizer(bpePath?: string): ClipTokenizer {
  if (!clipTok || clipTokPath !== bpePath) {
    clipTok = bpePath ? ClipTokenizer.load(bpePath) : ClipTokenizer.load();
    clipTokPath = bpePath;
  }
  return clipTok;
}

/** Run one preprocessing kind on a media file (path) or a text. */
export async function preprocess(kind: PreprocessKind, input: { file?: string; text?: string; decodedAudio?: DecodedAudio }): Promise<PreprocessResult> {
  if (kindTakesText(kind)) {
    if (input.text === undefined) throw new Error(`preprocess ${kind}: needs --text`);
    const enc = clipTokenizer().encode(input.text);
    return { kind, shape: [enc.ids.length], data: Float32Array.from(enc.ids), meta: { ids: enc.ids, eot_index: enc.eotIndex } };
  }
  if (input.file === undefined && !input.decodedAudio) throw new Error(`preprocess ${kind}: needs --file`);
  switch (kind) {
    case 'imagebind_vision':
    case 'internvl_vision': {
      const img = await decodeImageRGB(input.file!);
      const v = kind === 'imagebind_vision' ? imagebindVision(img) : internvlVision(img);
      return { kind, shape: [3, 224, 224], data: v.tensor, meta: { resized_size_wh: v.resized, crop_left: v.cropLeft, crop_top: v.cropTop } };
    }
    case 'imagebind_audio': {
      const a = input.decodedAudio ?? (await decodeAudio(input.file!));
      const r = imagebindAudio(a);
      return { kind, shape: [3, 1, 128, 204], data: r.tensor, meta: { clip_bounds_16k: r.clipBounds16k, fbank_frames: r.fbankFrames, samples_16k: r.samples16k } };
    }
    case 'clap_fusion_mel': {
      const a = input.decodedAudio ?? (await decodeAudio(input.file!));
      const r = clapFusionMel(clapLoad48k(a));
      return { kind, shape: [4, 1001, 64], data: r.mel, meta: { longer: r.longer, rule: r.rule, chunk_starts: r.chunkStarts } };
    }
    case 'clap_nonfusion_waveform': {
      const a = input.decodedAudio ?? (await decodeAudio(input.file!));
      const r = clapNonfusionWaveform(clapLoad48k(a));
      return { kind, shape: [480000], data: r.waveform, meta: { rule: r.rule, offset: r.offset } };
    }
  }
  throw new Error(`unknown preprocessing kind ${String(kind)}`);
}

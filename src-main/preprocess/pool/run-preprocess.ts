// Decode one file and compute the requested encoder inputs (used in-thread and by preprocess.worker.ts).
import { decodeAudio } from '../audio/decode';
import { imagebindAudio } from '../audio/imagebind-audio';
import { clapLoad48k } from '../audio/clap-load';
import { clapFusionMel } from '../audio/clap-fusion';
import { clapNonfusionWaveform } from '../audio/clap-nonfusion';
import { decodeImageRGB } from '../image/decode';
import { imagebindVision } from '../image/imagebind-vision';
import { internvlVision } from '../image/internvl-vision';

export const IMAGE_KINDS = ['imagebind_vision', 'internvl_vision'] as const;
export const AUDIO_KINDS = ['imagebind_audio', 'clap_fusion_mel', 'clap_nonfusion_waveform'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];
export type AudioKind = (typeof AUDIO_KINDS)[number];
/** Encoder input ids (docs/REFERENCE.md §1–§4): [3,224,224] ×2, [3,1,128,204], [4,1001,64], [480000]. */
export type PreprocessKind = ImageKind | AudioKind;

export interface PreprocessOutput {
  /** One float32 tensor per requested kind (C order, batch dimension omitted). */
  tensors: Partial<Record<PreprocessKind, Float32Array>>;
  /** Source facts: image width/height; audio sampleRate/channels/durationSec; CLAP fusion `longer`. */
  meta: { width?: number; height?: number; sampleRate?: number; channels?: number; durationSec?: number; longer?: boolean };
}

const isImageKind = (k: string): k is ImageKind => (IMAGE_KINDS as readonly string[]).includes(k);
const isAudioKind = (k: string): k is AudioKind => (AUDIO_KINDS as readonly string[]).includes(k);

/** Validate a kind list: known ids, not empty, one modality only (one decode serves them all). */
export function checkKinds(kinds: readonly string[]): PreprocessKind[] {
  if (kinds.length === 0) throw new Error('preprocess: no kind requested');
  for (const k of kinds) if (!isImageKind(k) && !isAudioKind(k)) throw new Error(`preprocess: unknown kind "${k}" (known: ${[...IMAGE_KINDS, ...AUDIO_KINDS].join(', ')})`);
  if (kinds.some(isImageKind) && kinds.some(isAudioKind)) throw new Error('preprocess: image and audio kinds cannot be mixed in one request');
  return [...new Set(kinds)] as PreprocessKind[];
}

export async function runPreprocess(kinds: readonly PreprocessKind[], file: string | Uint8Array): Promise<PreprocessOutput> {
  const ks = checkKinds(kinds);
  const tensors: PreprocessOutput['tensors'] = {};
  if (isImageKind(ks[0]!)) {
    const img = await decodeImageRGB(file);
    if (ks.includes('imagebind_vision')) tensors.imagebind_vision = imagebindVision(img).tensor;
    if (ks.includes('internvl_vision')) tensors.internvl_vision = internvlVision(img).tensor;
    return { tensors, meta: { width: img.width, height: img.height } };
  }
  const audio = await decodeAudio(file);
  const n = audio.channels[0]?.length ?? 0;
  const meta: PreprocessOutput['meta'] = { sampleRate: audio.sampleRate, channels: audio.channels.length, durationSec: n / audio.sampleRate };
  if (ks.includes('clap_fusion_mel') || ks.includes('clap_nonfusion_waveform')) {
    const x48 = clapLoad48k(audio);
    if (ks.includes('clap_fusion_mel')) {
      const f = clapFusionMel(x48);
      tensors.clap_fusion_mel = f.mel;
      meta.longer = f.longer;
    }
    if (ks.includes('clap_nonfusion_waveform')) tensors.clap_nonfusion_waveform = clapNonfusionWaveform(x48).waveform;
  }
  if (ks.includes('imagebind_audio')) tensors.imagebind_audio = imagebindAudio(audio).tensor;
  return { tensors, meta };
}

/** The distinct ArrayBuffers behind the tensors (to transfer instead of copy). */
export function transferList(out: PreprocessOutput): ArrayBuffer[] {
  return [...new Set(Object.values(out.tensors).map((t) => t!.buffer as ArrayBuffer))];
}

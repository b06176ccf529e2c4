/** The six space classes of docs/REFERENCE.md §7.3 with the §7.4 readings: what governs what, inner factors. */
import type { Factors, Modality, SpaceClass } from '../domain/types';

export interface ClassInfo {
  dim: number;
  /** InternVL-based: image/text bases are mix(Drvt(IB), InternVL-C, inner). */
  internvl: boolean;
  /** Fixed inner factor of the InternVL mix (0.2 InternVL_IB*, 0.1 InternVL_IB_FT*), or null. */
  inner: number | null;
  /** Audio trunk: the fine-tuned ImageBind audio encoder with its own head (§7.4 item 4). */
  ftAudio: boolean;
  /** "PP": CLAP experts combined into text (f_text) and audio (f_audio) (§7.4 item 1). */
  pp: boolean;
}

export const SPACE_CLASS_INFO: Record<SpaceClass, ClassInfo> = {
  ImageBind: { dim: 1024, internvl: false, inner: null, ftAudio: false, pp: false },
  IB_PP: { dim: 1024, internvl: false, inner: null, ftAudio: false, pp: true },
  InternVL_IB: { dim: 768, internvl: true, inner: 0.2, ftAudio: false, pp: false },
  InternVL_IB_PP: { dim: 768, internvl: true, inner: 0.2, ftAudio: false, pp: true },
  InternVL_IB_FT: { dim: 768, internvl: true, inner: 0.1, ftAudio: true, pp: false },
  InternVL_IB_FT_PP: { dim: 768, internvl: true, inner: 0.1, ftAudio: true, pp: true },
};

export function factorForClass(cls: SpaceClass, modality: Modality): keyof Factors | null {
  if (!SPACE_CLASS_INFO[cls].pp) return null;
  return modality === 'text' ? 'text' : modality === 'audio' ? 'audio' : null;
}

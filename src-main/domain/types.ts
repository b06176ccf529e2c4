/**
 * The vocabulary every layer shares: modalities, factors and presets, space classes, execution providers.
 * The lowest layer of the engine: imports nothing, so runtime/, pack/ and search/ can use these types
 * without reaching up into space/ or library/ (docs/ARCHITECTURE.md, checked by .dependency-cruiser.cjs).
 * Pure TypeScript, no Node built-ins: the renderer gets these through the IPC contract.
 */

/** What an embedding was made from. */
export type Modality = 'image' | 'audio' | 'text';

/** What a library item is (texts are queries and labels, never items). A video has two tracks of moments: frames and sound. */
export type ItemModality = 'image' | 'audio' | 'video';

/** The outer "PP" factors of a space (docs/REFERENCE.md §7.3): f_text governs texts, f_audio governs audios. */
export interface Factors {
  text: number;
  audio: number;
}

export type PresetId = 'versatile' | 'at-expertise';

export const PRESETS: Readonly<Record<PresetId, Factors>> = {
  versatile: { text: 0.1, audio: 0.5 },
  'at-expertise': { text: 0.5, audio: 0.8 },
};

/** The six space classes (docs/REFERENCE.md §7.3). */
export type SpaceClass =
  | 'ImageBind'
  | 'IB_PP'
  | 'InternVL_IB'
  | 'InternVL_IB_PP'
  | 'InternVL_IB_FT'
  | 'InternVL_IB_FT_PP';

/** Where an ONNX session actually runs, and why (provider fallback is done by hand, see runtime/providers.ts). */
export interface ProviderInfo {
  encoder: string;
  provider: 'cuda' | 'tensorrt' | 'dml' | 'coreml' | 'cpu';
  tried: { provider: string; error?: string }[];
  note: string;
  /** ms to create the session (sessions load lazily, on their first run). */
  loadMs?: number;
}

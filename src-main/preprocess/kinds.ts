/** The preprocessing kinds (no imports, so the CLI's help can list them without loading the decoders). */
export const PREPROCESS_KINDS = [
  'imagebind_vision',
  'internvl_vision',
  'imagebind_audio',
  'clap_fusion_mel',
  'clap_nonfusion_waveform',
  'imagebind_tokens',
] as const;
export type PreprocessKind = (typeof PREPROCESS_KINDS)[number];

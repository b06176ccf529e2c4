export { CLAP_MAX_LEN, CLAP_SAMPLE_RATE, ClapInputError, clapLength48k, clapLoad48k, mixToMonoF32 } from './clap-load';
export { CLAP_HOP, CLAP_N_FFT, CLAP_N_MELS, clapLogMel, clapLogMelRows, clapMelFilterbank, clapMelFrames } from './clap-mel';
export { CLAP_CHUNK_FRAMES, arraySplit3, clapChunkRanges, clapChunkStarts, clapFusionMel, clapShrinkMel } from './clap-fusion';
export type { ClapFusionInput, ClapFusionRule } from './clap-fusion';
export { clapNonfusionWaveform, clapRepeatPad } from './clap-nonfusion';
export type { ClapNonfusionRule } from './clap-nonfusion';
export { planSoxrHq, soxrResampleHq, SoxrUnsupportedError } from './soxr-hq';

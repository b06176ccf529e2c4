/**
 * The engine's public contract (shared by the CLI, the library indexer, the bridge and the Electron main
 * process). Implementations live beside this file; nothing here imports electron. The vocabulary shared with
 * the layers below (modalities, factors, space classes, providers) is in domain/types.ts.
 */
import type { Factors, ItemModality, Modality, ProviderInfo, SpaceClass } from '../domain/types';

/**
 * Everything needed to produce the fused vector of one item for any factors without running a model:
 *   fused(f) = normalize(f·expert + (1−f)·base)   (§7.2 mixing; docs/REFERENCE.md §9)
 * For a modality that no factor governs (e.g. images in IB_PP), expert === null and fused = base.
 */
export interface EmbeddingComponents {
  /** What it was made from (a video's item vector is made from its pictures; callers may pass the item's kind). */
  modality: Modality | ItemModality;
  /** Unit-length vector in the space (dimension = space dim). For non-PP modalities this is the final vector. */
  base: Float32Array;
  /** Unit-length expert ensemble projected into the space, or null when no factor applies. */
  expert: Float32Array | null;
  /** expert·base (1 when expert is null). */
  c: number;
  /** Which factor governs this item's mix, or null. */
  factor: keyof Factors | null;
  /** Raw (unit-length) expert embeddings before projection, keyed by encoder id, e.g. clap_general_audio (512-d). */
  raw: Record<string, Float32Array>;
  /** Audio only, when requested: one base-space vector (and expert vector) per 2-second clip, with its span in seconds. */
  clips?: ClipVector[];
  /** Video only: one base-space vector per frame moment (the picture of a 2-s clip), with its span. */
  frames?: ClipVector[];
}

export interface ClipVector {
  startSec: number;
  endSec: number;
  /** Base-space vector of the clip (unit length). */
  vector: Float32Array;
  /** The clip's own expert vector (the audio experts on the clip alone, projected), when the space has one. */
  expert?: Float32Array;
}

/** Preprocessed inputs, ready for the encoders. Plain structured-cloneable objects (they cross worker threads). */
export interface PreparedImage {
  source: string;
  width: number;
  height: number;
  /** Tensors keyed by preprocessing id, e.g. imagebind_vision [3,224,224], internvl_vision [3,224,224]. */
  tensors: Record<string, Float32Array>;
}

export interface PreparedAudio {
  source: string;
  sampleRate: number;
  channels: number;
  durationSec: number;
  /** imagebind_audio [3,1,128,204]; clap_fusion_mel [4,1001,64]; clap_nonfusion_waveform [480000]; … */
  tensors: Record<string, Float32Array>;
  /** CLAP-General `longer` flag (§4.3). */
  longer: boolean;
  /** When clips were requested: [n,1,128,204] ImageBind inputs for consecutive 2 s clips, with their spans. */
  clipTensors?: Float32Array;
  clipSpans?: [number, number][];
  /**
   * PP spaces, when clips were requested: each clip's own CLAP inputs — its log-mel [1001,64] (the fusion
   * input is 4 copies of it for a clip shorter than 10 s) and its 48 kHz samples (clipClap48, clip j at
   * clipClap48Offsets[j] … [j+1]), repeat-padded to 10 s when encoded (§4.3/§4.4 on the clip alone).
   */
  clipClapMel?: Float32Array;
  clipClap48?: Float32Array;
  clipClap48Offsets?: Int32Array;
}

/** A window of a long recording holding what one 2-s clip reads (video sound tracks are never decoded whole). */
export interface SoundClipWindow {
  /** The clip in 16 kHz samples of the whole track [s, e). */
  span16k: [number, number];
  /** Native-rate samples of every channel from track sample `start` (see preprocess/video/sound-windows.ts). */
  audio: { sampleRate: number; channels: Float32Array[] };
  start: number;
}

/** The clip half of PreparedAudio, prepared from windows (a video's sound moments, a part at a time). */
export interface PreparedClips {
  source: string;
  /** [n,1,128,204] ImageBind inputs and spans in seconds. */
  clipTensors: Float32Array;
  clipSpans: [number, number][];
  /** PP spaces, when the clips get expert vectors: as PreparedAudio's. */
  clipClapMel?: Float32Array;
  clipClap48?: Float32Array;
  clipClap48Offsets?: Int32Array;
}

export interface Space {
  readonly packDir: string;
  readonly packId: string;
  readonly packName: string;
  /** True for the generated test packs: they make no semantic claim and must be labelled as such. */
  readonly isTestPack: boolean;
  readonly spaceClass: SpaceClass;
  readonly dim: number;
  /** Which factor (if any) governs each modality in this space. */
  factorFor(modality: Modality): keyof Factors | null;

  embedTexts(texts: string[]): Promise<EmbeddingComponents[]>;
  embedImages(files: string[]): Promise<EmbeddingComponents[]>;
  embedAudios(files: string[], opts?: { clips?: boolean }): Promise<EmbeddingComponents[]>;

  /** Split stages so a pipeline can preprocess (CPU, worker threads) while encoding runs. */
  /** `decoded`: the file's RGB pixels when the caller already decoded them (HEIC, RAW previews, video frames). */
  prepareImage(file: string, decoded?: { width: number; height: number; data: Uint8Array }): Promise<PreparedImage>;
  /** `decoded`: the samples when the caller already decoded them (the sound track of an audio-only MP4/MKV). */
  prepareAudio(file: string, opts?: { clips?: boolean }, decoded?: { sampleRate: number; channels: Float32Array[] }): Promise<PreparedAudio>;
  /** Clip inputs from windows of a long track; `experts`: also the per-clip CLAP inputs (PP spaces). */
  prepareClips(source: string, windows: SoundClipWindow[], opts?: { experts?: boolean }): Promise<PreparedClips>;
  encodeImages(items: PreparedImage[]): Promise<EmbeddingComponents[]>;
  encodeAudios(items: PreparedAudio[]): Promise<EmbeddingComponents[]>;
  /** Vectors of clips prepared by prepareClips (base, and expert when prepared), in order. */
  encodeClips(p: PreparedClips): Promise<ClipVector[]>;

  /** Execution provider per encoder session created so far. */
  providers(): ProviderInfo[];
  close(): Promise<void>;
}

export interface MatrixPreset {
  label: string;
  factors: Factors;
}

export interface MatrixBlock {
  rows: string[];
  cols: string[];
  /** Raw cosine similarities, rows × cols. */
  cosine: number[][];
  /** Row-wise softmax(10 · cosine). */
  softmax: number[][];
}

export interface MatrixResult {
  preset: MatrixPreset;
  audioImage: MatrixBlock;
  audioText: MatrixBlock;
  imageText: MatrixBlock;
}

export interface MatrixResponse {
  results: MatrixResult[];
  /** Time spent running the encoders (once for all presets). */
  encodeMs: number;
}

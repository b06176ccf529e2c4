/** Types of the pack layer that cross the IPC contract (plain data, no code). */
import type { SpaceClass } from '../domain/types';

/** One line of a verification report as the pack manager shows it. */
export interface VerificationCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export type Precision = 'fp16' | 'fp32';

export interface GpuProbe {
  provider: string;
  ok: boolean;
  detail: string;
}

export interface MachineFacts {
  totalMemBytes: number;
  /** Memory available right now (os.freemem). */
  freeMemBytes: number;
  /** Free space on the disk holding the packs folder (null: unknown). */
  freeDiskBytes: number | null;
  platform: string;
  arch: string;
  /** The platform's GPU providers, each tried on this machine. */
  gpu: GpuProbe[];
}

export interface ClassNeeds {
  space: SpaceClass;
  fp32Bytes: number;
  fp16Bytes: number;
  /** Memory with every model of the class loaded at once. */
  ramBytes: number;
}

export interface ClassOption extends ClassNeeds {
  fits: boolean;
  why: string;
}

export interface Recommendation {
  space: SpaceClass;
  precision: Precision;
  /** "IB_PP, fp16 weights (≈ 2.8 GB download)". */
  summary: string;
  /** Why, one sentence each: memory, GPU, precision, disk. */
  reasons: string[];
  machine: MachineFacts;
  options: ClassOption[];
}

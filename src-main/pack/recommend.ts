/**
 * "Which pack for which machine": a space class and fp16/fp32 from the memory, the free disk of the packs
 * folder and the GPU execution providers that really load — with the reasons, in words. The sizes are the
 * estimates of docs/EXPORT.md §4 (parameter counts × 4 or 2 bytes); an fp16 pack stores its weights as
 * fp16 and widens them to fp32 when a model loads, so it halves the download and the disk, not the memory.
 */
import type { SpaceClass } from '../domain/types';
import type { Precision, MachineFacts, ClassNeeds, ClassOption, Recommendation } from './types';

const GB = 1e9;
const GiB = 2 ** 30;

/** docs/EXPORT.md §4 "Per pack" (estimates). */
export const CLASS_NEEDS: Record<SpaceClass, ClassNeeds> = {
  ImageBind: { space: 'ImageBind', fp32Bytes: 4.3 * GB, fp16Bytes: 2.2 * GB, ramBytes: 5 * GB },
  IB_PP: { space: 'IB_PP', fp32Bytes: 5.6 * GB, fp16Bytes: 2.8 * GB, ramBytes: 6.5 * GB },
  InternVL_IB: { space: 'InternVL_IB', fp32Bytes: 56.7 * GB, fp16Bytes: 28.4 * GB, ramBytes: 58 * GB },
  InternVL_IB_PP: { space: 'InternVL_IB_PP', fp32Bytes: 57.9 * GB, fp16Bytes: 29 * GB, ramBytes: 60 * GB },
  InternVL_IB_FT: { space: 'InternVL_IB_FT', fp32Bytes: 57.1 * GB, fp16Bytes: 28.6 * GB, ramBytes: 58.5 * GB },
  InternVL_IB_FT_PP: { space: 'InternVL_IB_FT_PP', fp32Bytes: 58.3 * GB, fp16Bytes: 29.2 * GB, ramBytes: 60 * GB },
};

export const fmtGB = (b: number): string => (b >= 10 * GB ? `${Math.round(b / GB)} GB` : `${(b / GB).toFixed(1)} GB`);

const GPU_NAMES: Record<string, string> = { cuda: 'CUDA', tensorrt: 'TensorRT', dml: 'DirectML', coreml: 'CoreML', webgpu: 'WebGPU' };

/** Memory thresholds (physical memory as the OS reports it: an "8 GB" laptop shows ~7.6 GiB). */
const INTERNVL_MIN = 64 * GiB;
const IB_PP_MIN = 6 * GiB;
const TIGHT = 4 * GiB;
const FP32_MIN_MEM = 16 * GiB;

export function recommendPack(m: MachineFacts): Recommendation {
  const gpuOk = m.gpu.filter((g) => g.ok);
  const reasons: string[] = [];
  const mem = `${fmtGB(m.totalMemBytes)} of memory (${fmtGB(m.freeMemBytes)} free now)`;

  let space: SpaceClass;
  if (m.totalMemBytes >= INTERNVL_MIN && gpuOk.length) {
    space = 'InternVL_IB_FT_PP';
    reasons.push(`${mem} and a working GPU provider (${gpuOk.map((g) => GPU_NAMES[g.provider] ?? g.provider).join(', ')}): the InternVL classes fit (≈ ${fmtGB(CLASS_NEEDS.InternVL_IB_FT_PP.ramBytes)} with every model loaded) and InternVL_IB_FT_PP is the most complete space; the GPU itself needs room for the models it runs (InternVL's vision model alone is ≈ 24 GB in fp32).`);
  } else if (m.totalMemBytes >= IB_PP_MIN) {
    space = 'IB_PP';
    reasons.push(`${mem}: IB_PP needs about ${fmtGB(CLASS_NEEDS.IB_PP.ramBytes)} with every model loaded, but the app loads a model only when it is needed and releases idle ones (indexing photos needs ≈ 2.5 GB), so it runs well here.`);
    if (m.totalMemBytes >= INTERNVL_MIN) {
      reasons.push(`The InternVL classes would fit in memory (≈ ${fmtGB(CLASS_NEEDS.InternVL_IB_FT_PP.ramBytes)}), but without a GPU provider InternVL takes ≈ 10–30 s per image on the CPU: choose one only for small libraries.`);
    } else {
      reasons.push(`The InternVL classes need ≈ ${fmtGB(CLASS_NEEDS.InternVL_IB_PP.ramBytes)} of memory (≈ ${fmtGB(CLASS_NEEDS.InternVL_IB_PP.fp16Bytes)} to download as fp16): not on this machine.`);
    }
  } else {
    space = 'ImageBind';
    reasons.push(`${mem}: ImageBind alone (≈ ${fmtGB(CLASS_NEEDS.ImageBind.ramBytes)} with every model loaded) leaves the most room; IB_PP's CLAP experts add ≈ 1.5 GB.`);
    if (m.totalMemBytes < TIGHT) reasons.push('Below 4 GB even ImageBind will make the computer swap while indexing: close other programs, index photos and sounds separately.');
  }

  if (gpuOk.length === 0) {
    const tried = m.gpu.map((g) => `${GPU_NAMES[g.provider] ?? g.provider}: ${g.detail}`).join('; ');
    reasons.push(`No GPU execution provider could be loaded${tried ? ` (${tried})` : ''}: every model runs on the CPU (an image takes ≈ 0.5–1.5 s with ImageBind).`);
  } else if (space !== 'InternVL_IB_FT_PP') {
    reasons.push(`${gpuOk.map((g) => GPU_NAMES[g.provider] ?? g.provider).join(', ')} loaded: the models run on the GPU where their operators allow it.`);
  }

  const need = CLASS_NEEDS[space];
  const roomy = m.freeDiskBytes !== null && m.freeDiskBytes >= 4 * need.fp32Bytes;
  const precision: Precision = roomy && m.totalMemBytes >= FP32_MIN_MEM ? 'fp32' : 'fp16';
  if (precision === 'fp16') {
    const why =
      m.freeDiskBytes !== null && m.freeDiskBytes < 4 * need.fp32Bytes
        ? `${fmtGB(m.freeDiskBytes)} free on the disk of the packs folder`
        : m.totalMemBytes < FP32_MIN_MEM
          ? 'on a machine of this size the download and the disk matter more than the last digits'
          : 'the free disk space is unknown';
    reasons.push(`fp16 (${why}): half the download and disk (${fmtGB(need.fp16Bytes)} instead of ${fmtGB(need.fp32Bytes)}); the same memory and speed once loaded (the weights are widened to fp32 when a model loads, a few seconds slower); vectors within cosine 0.9995 of fp32.`);
  } else {
    reasons.push(`fp32: ${fmtGB(m.freeDiskBytes!)} free and ${fmtGB(m.totalMemBytes)} of memory leave room for the full-precision pack (${fmtGB(need.fp32Bytes)}), which reproduces the reference numbers exactly; fp16 (${fmtGB(need.fp16Bytes)}) is as good for searching.`);
  }
  if (m.freeDiskBytes !== null && m.freeDiskBytes < (precision === 'fp16' ? need.fp16Bytes : need.fp32Bytes)) {
    reasons.push(`The packs folder's disk has only ${fmtGB(m.freeDiskBytes)} free: make room before downloading.`);
  }

  const options: ClassOption[] = Object.values(CLASS_NEEDS).map((c) => {
    const memOk = m.totalMemBytes >= (c.space.startsWith('InternVL') ? INTERNVL_MIN : c.space === 'IB_PP' ? IB_PP_MIN : 0);
    const diskOk = m.freeDiskBytes === null || m.freeDiskBytes >= c.fp16Bytes;
    const why = !memOk ? `needs ≈ ${fmtGB(c.ramBytes)} of memory` : !diskOk ? `needs ${fmtGB(c.fp16Bytes)} of disk (fp16)` : c.space.startsWith('InternVL') && !gpuOk.length ? 'fits, slow on the CPU' : 'fits';
    return { ...c, fits: memOk && diskOk, why };
  });

  const bytes = precision === 'fp16' ? need.fp16Bytes : need.fp32Bytes;
  return { space, precision, summary: `${space}, ${precision} weights (≈ ${fmtGB(bytes)} download)`, reasons, machine: m, options };
}

/** fp16 packs from the exporter carry "-fp16" in their id and "fp16" in their name. */
export function precisionOf(p: { id: string; name: string }): Precision | null {
  if (/-fp16$/.test(p.id) || /\bfp16\b/i.test(p.name)) return 'fp16';
  if (/-fp32$/.test(p.id) || /\bfp32\b/i.test(p.name)) return 'fp32';
  return null;
}

/** Warnings for downloading a pack of `space` (and `bytes`) on this machine; empty when it fits. */
export function fitWarnings(m: MachineFacts, space: SpaceClass, bytes: number | null): string[] {
  const out: string[] = [];
  const c = CLASS_NEEDS[space];
  if (space.startsWith('InternVL') && m.totalMemBytes < INTERNVL_MIN) {
    out.push(`${space} needs ≈ ${fmtGB(c.ramBytes)} of memory; this machine has ${fmtGB(m.totalMemBytes)}: its InternVL models will not load.`);
  } else if (space.startsWith('InternVL') && !m.gpu.some((g) => g.ok)) {
    out.push(`${space} runs InternVL on the CPU here: ≈ 10–30 s per image.`);
  } else if (m.totalMemBytes < TIGHT) {
    out.push(`This machine has ${fmtGB(m.totalMemBytes)} of memory: expect swapping while indexing.`);
  }
  if (bytes !== null && m.freeDiskBytes !== null && bytes > m.freeDiskBytes) {
    out.push(`The pack is ${fmtGB(bytes)}; the packs folder's disk has ${fmtGB(m.freeDiskBytes)} free.`);
  }
  return out;
}

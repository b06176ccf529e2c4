import type { EmbeddingComponents } from './types';
import type { Factors } from '../domain/types';
import { mix } from './fusion';

/** fused(f) = normalize(f·expert + (1−f)·base) with the factor that governs the item; base when none does. */
export function fuse(c: EmbeddingComponents, factors: Factors): Float32Array {
  if (!c.expert || !c.factor) return c.base;
  return mix(c.expert, c.base, factors[c.factor]);
}

/** Check factors are finite and inside [min, max]; returns them. */
export function checkFactors(f: Factors, range = { min: 0, max: 1 }): Factors {
  for (const k of ['text', 'audio'] as const) {
    const v = f[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < range.min || v > range.max) {
      throw new RangeError(`${k} factor must be a number in [${range.min}, ${range.max}], got ${String(v)}`);
    }
  }
  return f;
}

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The golden fixture folder: $MOLECULE_FIXTURES (another folder of the same format), else the copy in test/fixtures/reference. */
export const fixturesDir = resolve(process.env.MOLECULE_FIXTURES ?? join(repoRoot, 'test', 'fixtures', 'reference'));

export interface TensorOutput {
  path: string;
  dtype: 'float32';
  byte_order: 'little';
  shape: number[];
  sha256: string;
  stats?: { min: number; max: number; mean: number; l2: number };
}

export interface FixtureCase {
  id: string;
  kind: 'image' | 'audio' | 'text';
  input: { path?: string; sha256?: string; bytes?: number; samplerate?: number; channels?: number; frames?: number; subtype?: string; text?: string; utf8_sha256?: string };
  meta: Record<string, any>;
  outputs: Record<string, any>;
}

export interface FixtureIndex {
  format_version: number;
  conventions: Record<string, unknown>;
  cases: FixtureCase[];
}

let cached: FixtureIndex | undefined;
export function loadIndex(): FixtureIndex {
  cached ??= JSON.parse(readFileSync(join(fixturesDir, 'index.json'), 'utf8')) as FixtureIndex;
  return cached;
}

export function casesOf(kind: FixtureCase['kind']): FixtureCase[] {
  return loadIndex().cases.filter((c) => c.kind === kind);
}

export function inputPath(c: FixtureCase): string {
  if (!c.input.path) throw new Error(`case ${c.id} has no input file`);
  return join(fixturesDir, c.input.path);
}

export function readTensor(out: TensorOutput): Float32Array {
  const buf = readFileSync(join(fixturesDir, out.path));
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

export function readJson<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(fixturesDir, name), 'utf8')) as T;
}

/** max / p99.9 / mean of |a − b| (and optional mask of elements to include). */
export function errorStats(a: ArrayLike<number>, b: ArrayLike<number>, include?: (i: number) => boolean) {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  const d: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (include && !include(i)) continue;
    d.push(Math.abs(a[i]! - b[i]!));
  }
  if (d.length === 0) return { max: 0, p999: 0, mean: 0, n: 0 };
  const sorted = Float64Array.from(d).sort();
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    max: sorted[sorted.length - 1]!,
    p999: sorted[Math.min(sorted.length - 1, Math.floor(0.999 * (sorted.length - 1)))]!,
    mean: sum / sorted.length,
    n: sorted.length,
  };
}

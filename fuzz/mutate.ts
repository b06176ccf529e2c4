/**
 * Seeded mutations of valid samples: bit flips and byte sets biased to the header, header fields set to boundary
 * values (0, 1, 2^31−1, 2^32−1, −1, 2^15…), splices from other samples, truncation and repetition; text mutations
 * for JSON and query strings (deep nesting, huge numbers, stray quotes and escapes). Case k of seed S is always the
 * same bytes, so `--seed S --only k` reproduces one case.
 */

/** mulberry32: small, fast, good enough for fuzzing; state is one 32-bit integer. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Seed of case k of a run with seed S (decorrelated, so neighbouring cases differ). */
export function caseSeed(seed: number, k: number): number {
  let h = (seed ^ Math.imul(k + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Which target case k of seed S exercises (the parent computes this too, for cases that never answer). */
export function targetOf(seed: number, k: number, targets: readonly number[]): number {
  return targets[caseSeed(seed, k) % targets.length]!;
}

export const BOUNDARY_U32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** A header field: byte offset, width in bytes, endianness. */
export interface Field {
  at: number;
  size: 1 | 2 | 4;
  le: boolean;
}

function writeField(b: Uint8Array, f: Field, v: number): void {
  if (f.at + f.size > b.length) return;
  for (let i = 0; i < f.size; i++) {
    const byte = (v >>> (8 * i)) & 0xff;
    b[f.le ? f.at + i : f.at + f.size - 1 - i] = byte;
  }
}

/** One binary mutant of `sample`; `others` are other valid samples to splice from; `fields` the known header fields. */
export function mutateBytes(rng: Rng, sample: Uint8Array, others: readonly Uint8Array[], fields: readonly Field[]): Uint8Array {
  let b: Uint8Array = Uint8Array.from(sample);
  const header = Math.min(b.length, 256);
  const steps = 1 + rng.int(4);
  for (let s = 0; s < steps; s++) {
    switch (rng.int(9)) {
      case 0: // flip bits in the header
      case 1: {
        const n = 1 + rng.int(4);
        for (let i = 0; i < n && header > 0; i++) b[rng.int(header)]! ^= 1 << rng.int(8);
        break;
      }
      case 2: // a known header field to a boundary value (or a random one)
      case 3: {
        if (!fields.length) break;
        const f = rng.pick(fields);
        const v = rng.chance(0.8) ? rng.pick(BOUNDARY_U32) : rng.int(2 ** 32);
        writeField(b, f, v);
        break;
      }
      case 4: { // any aligned spot in the header to a boundary value
        if (header < 4) break;
        const size = rng.pick([1, 2, 4] as const);
        writeField(b, { at: rng.int(header - size + 1), size, le: rng.chance(0.5) }, rng.pick(BOUNDARY_U32));
        break;
      }
      case 5: { // splice: a piece of another sample over or into this one
        const o = rng.pick(others.length ? others : [sample]);
        if (!o.length) break;
        const from = rng.int(o.length);
        const len = 1 + rng.int(Math.min(512, o.length - from));
        const at = rng.int(b.length + 1);
        const piece = o.subarray(from, from + len);
        if (rng.chance(0.5) && at + len <= b.length) b.set(piece, at);
        else b = concat(b.subarray(0, at), piece, b.subarray(at));
        break;
      }
      case 6: { // truncate
        b = b.subarray(0, rng.int(b.length + 1));
        break;
      }
      case 7: { // repeat a span (chunk/frame duplication)
        if (!b.length) break;
        const from = rng.int(b.length);
        const len = 1 + rng.int(Math.min(1024, b.length - from));
        const times = 1 + rng.int(8);
        const rep = b.subarray(from, from + len);
        b = concat(b.subarray(0, from + len), ...Array.from({ length: times }, () => rep), b.subarray(from + len));
        break;
      }
      default: { // random bytes anywhere
        const n = 1 + rng.int(16);
        for (let i = 0; i < n && b.length; i++) b[rng.int(b.length)] = rng.int(256);
      }
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const TEXT_BOUNDARY = ['0', '1', '-1', '2147483647', '4294967295', '-2147483648', '1e309', '-1e309', '9007199254740993', '0.1e-400', 'NaN', 'null', 'true', '""', '[]', '{}'];

/** One mutant of a text (JSON or query): structure-aware enough to reach deep parsers, not only the tokenizer. */
export function mutateText(rng: Rng, text: string, others: readonly string[]): string {
  let t = text;
  const steps = 1 + rng.int(3);
  for (let s = 0; s < steps; s++) {
    switch (rng.int(10)) {
      case 0: { // deep nesting at a random spot
        const depth = rng.pick([10, 100, 1000, 10_000, 100_000]);
        const open = rng.pick(['[', '{"a":', '(', '"']);
        const close = open === '[' ? ']' : open === '(' ? ')' : open === '"' ? '"' : '}';
        const at = rng.int(t.length + 1);
        t = t.slice(0, at) + open.repeat(depth) + (rng.chance(0.5) ? close.repeat(depth) : '') + t.slice(at);
        break;
      }
      case 1: { // a number to a boundary value
        const nums = [...t.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi)];
        if (!nums.length) break;
        const m = rng.pick(nums);
        t = t.slice(0, m.index) + rng.pick(TEXT_BOUNDARY) + t.slice(m.index! + m[0].length);
        break;
      }
      case 2: { // a string value to something long or odd
        const strs = [...t.matchAll(/"([^"\\]|\\.)*"/g)];
        if (!strs.length) break;
        const m = rng.pick(strs);
        const v = rng.pick(['""', '"\\u0000"', '"\\ud800"', `"${'x'.repeat(rng.pick([100, 10_000, 1_000_000]))}"`, '"../../../etc/passwd"', '"/dev/zero"', '"\u202e\u0301"', '1', 'null', '[]', '{}']);
        t = t.slice(0, m.index) + v + t.slice(m.index! + m[0].length);
        break;
      }
      case 3: { // delete a span
        const at = rng.int(t.length + 1);
        t = t.slice(0, at) + t.slice(at + 1 + rng.int(32));
        break;
      }
      case 4: { // duplicate a span
        const at = rng.int(t.length + 1);
        const len = 1 + rng.int(200);
        const span = t.slice(at, at + len);
        t = t.slice(0, at + len) + span.repeat(1 + rng.int(50)) + t.slice(at + len);
        break;
      }
      case 5: { // splice in part of another sample
        const o = rng.pick(others.length ? others : [text]);
        const from = rng.int(o.length + 1);
        const at = rng.int(t.length + 1);
        t = t.slice(0, at) + o.slice(from, from + 1 + rng.int(200)) + t.slice(at);
        break;
      }
      case 6: { // stray syntax characters
        const at = rng.int(t.length + 1);
        t = t.slice(0, at) + rng.pick(['"', "'", '\\', '{', '}', '[', ']', ',', ':', '*', '+', '-', '\u0000', '\ud800', '%', 'image:', 'audio:', 'item:']) + t.slice(at);
        break;
      }
      case 7: { // truncate
        t = t.slice(0, rng.int(t.length + 1));
        break;
      }
      case 8: { // swap two characters
        if (t.length < 2) break;
        const a = rng.int(t.length);
        const c = rng.int(t.length);
        const arr = [...t];
        [arr[a], arr[c]] = [arr[c]!, arr[a]!];
        t = arr.join('');
        break;
      }
      default: { // random code points
        const at = rng.int(t.length + 1);
        t = t.slice(0, at) + String.fromCodePoint(rng.int(0x110000)) + t.slice(at);
      }
    }
  }
  return t;
}

/**
 * Tiny hand-written runtime validators for IPC / bridge requests. No dependencies, no Node built-ins
 * (the contract module that uses them is also type-imported by the renderer).
 */

export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

export type Validator<T> = (value: unknown, where: string) => T;

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `a string` : typeof v;

export function str(opts: { min?: number; max: number; pattern?: RegExp; what?: string }): Validator<string> {
  return (v, where) => {
    if (typeof v !== 'string') throw new ValidationError(`${where} must be a string, got ${describe(v)}`);
    if (v.length < (opts.min ?? 0)) throw new ValidationError(`${where} must have at least ${opts.min} characters`);
    if (v.length > opts.max) throw new ValidationError(`${where} is too long (${v.length} > ${opts.max} characters)`);
    if (v.includes('\0')) throw new ValidationError(`${where} contains a NUL character`);
    if (opts.pattern && !opts.pattern.test(v)) throw new ValidationError(`${where} is not ${opts.what ?? `of the form ${opts.pattern}`}`);
    return v;
  };
}

/** An absolute file-system path string, POSIX (`/a/b`) or Windows (`C:\a`, `\\server\share`). */
export function absPath(): Validator<string> {
  const s = str({ min: 1, max: 4096 });
  return (v, where) => {
    const p = s(v, where);
    const posix = p.startsWith('/');
    const win = /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
    if (!posix && !win) throw new ValidationError(`${where} must be an absolute path, got "${p.slice(0, 80)}"`);
    return p;
  };
}

export function num(opts: { min: number; max: number; int?: boolean }): Validator<number> {
  return (v, where) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValidationError(`${where} must be a finite number, got ${describe(v)}`);
    if (opts.int && !Number.isInteger(v)) throw new ValidationError(`${where} must be an integer, got ${v}`);
    if (v < opts.min || v > opts.max) throw new ValidationError(`${where} must be between ${opts.min} and ${opts.max}, got ${v}`);
    return v;
  };
}

export const bool: Validator<boolean> = (v, where) => {
  if (typeof v !== 'boolean') throw new ValidationError(`${where} must be true or false, got ${describe(v)}`);
  return v;
};

export function oneOf<const T extends readonly string[]>(values: T): Validator<T[number]> {
  return (v, where) => {
    if (typeof v !== 'string' || !values.includes(v)) {
      throw new ValidationError(`${where} must be one of ${values.map((x) => `"${x}"`).join(', ')}, got ${typeof v === 'string' ? `"${v.slice(0, 40)}"` : describe(v)}`);
    }
    return v as T[number];
  };
}

export function arr<T>(item: Validator<T>, opts: { min?: number; max: number }): Validator<T[]> {
  return (v, where) => {
    if (!Array.isArray(v)) throw new ValidationError(`${where} must be an array, got ${describe(v)}`);
    if (v.length < (opts.min ?? 0)) throw new ValidationError(`${where} must have at least ${opts.min} entries`);
    if (v.length > opts.max) throw new ValidationError(`${where} has too many entries (${v.length} > ${opts.max})`);
    return v.map((x, i) => item(x, `${where}[${i}]`));
  };
}

export function tuple<A, B>(a: Validator<A>, b: Validator<B>): Validator<[A, B]> {
  return (v, where) => {
    if (!Array.isArray(v) || v.length !== 2) throw new ValidationError(`${where} must be a pair [a, b]`);
    return [a(v[0], `${where}[0]`), b(v[1], `${where}[1]`)];
  };
}

type Shape = Record<string, Validator<unknown>>;
type Out<S extends Shape, O extends keyof S> = { [K in Exclude<keyof S, O>]: ReturnType<S[K]> } & {
  [K in O]?: ReturnType<S[K]>;
};

/** A plain object with exactly these keys (unknown keys are rejected); `optional` keys may be absent or undefined. */
export function obj<S extends Shape, O extends keyof S = never>(shape: S, optional: readonly O[] = []): Validator<Out<S, O>> {
  return (v, where) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValidationError(`${where} must be an object, got ${describe(v)}`);
    const rec = v as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      if (!(k in shape)) throw new ValidationError(`${where} has an unknown field "${k.slice(0, 40)}"`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, check] of Object.entries(shape)) {
      const val = rec[k];
      if (val === undefined) {
        if ((optional as readonly string[]).includes(k)) continue;
        throw new ValidationError(`${where}.${k} is required`);
      }
      out[k] = check(val, `${where}.${k}`);
    }
    return out as Out<S, O>;
  };
}

export const empty: Validator<Record<string, never>> = (v, where) => {
  if (v === undefined || v === null) return {};
  return obj({})(v, where) as Record<string, never>;
};

export function refine<T>(base: Validator<T>, check: (v: T) => string | null): Validator<T> {
  return (v, where) => {
    const out = base(v, where);
    const problem = check(out);
    if (problem) throw new ValidationError(`${where}: ${problem}`);
    return out;
  };
}

// Command-line options shared by the benches: `--name value` numbers and strings.
const args = process.argv.slice(2);

/** A number option; `positive` refuses 0 as well as negatives. */
export function numOpt(name: string, def: number, { positive = false } = {}): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v < 0 || (positive && v === 0)) throw new Error(`--${name} needs a ${positive ? 'positive' : 'non-negative'} number`);
  return v;
}

export function strOpt(name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? undefined : args[i + 1];
}

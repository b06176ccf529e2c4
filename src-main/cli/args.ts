/**
 * A small argument parser: `--flag`, `--opt value`, `--opt=value`, and multi-value options that take every
 * following word up to the next `--option` (`--images a.jpg b.jpg`) and may also be repeated.
 */
export type OptionKind = 'boolean' | 'string' | 'multi';

export interface OptionSpec {
  kind: OptionKind;
  /** One-letter alias, e.g. `-o`. */
  short?: string;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** Each given option as the user wrote it (`-k`, `--k`), so a message about its value names it that way. */
  spelled: Record<string, string>;
}

/** An option's name for a message: as the user typed it, else its long form. */
export function spelledAs(parsed: Pick<ParsedArgs, 'spelled'>, name: string): string {
  return parsed.spelled[name] ?? `--${name}`;
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>, opts: { positionals?: boolean } = {}): ParsedArgs {
  const values: ParsedArgs['values'] = {};
  const positionals: string[] = [];
  const spelled: Record<string, string> = {};
  const byShort = new Map(Object.entries(spec).filter(([, s]) => s.short).map(([k, s]) => [s.short!, k]));
  const isOption = (a: string) => /^--[a-zA-Z]/.test(a) || /^-[a-zA-Z]$/.test(a);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!isOption(a)) {
      if (!opts.positionals) throw new UsageError(`unexpected argument "${a}"`);
      positionals.push(a);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      inline = eq < 0 ? undefined : a.slice(eq + 1);
    } else {
      const long = byShort.get(a.slice(1));
      if (!long) throw new UsageError(`unknown option ${a}`);
      name = long;
    }
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option --${name}`);
    const as = a.startsWith('--') ? `--${name}` : a;
    spelled[name] = as;
    if (s.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`${as} takes no value`);
      values[name] = true;
    } else if (s.kind === 'string') {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && isOption(v))) throw new UsageError(`${as} needs a value`);
      if (values[name] !== undefined) throw new UsageError(`${as} given twice`);
      values[name] = v;
    } else {
      const list = (values[name] as string[] | undefined) ?? [];
      if (inline !== undefined) list.push(inline);
      else {
        const start = list.length;
        while (i + 1 < argv.length && !isOption(argv[i + 1]!)) list.push(argv[++i]!);
        if (list.length === start) throw new UsageError(`${as} needs at least one value`);
      }
      values[name] = list;
    }
  }
  return { values, positionals, spelled };
}

export function str(v: ParsedArgs['values'][string]): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
export function list(v: ParsedArgs['values'][string]): string[] {
  return Array.isArray(v) ? v : [];
}

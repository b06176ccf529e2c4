import { resolve } from 'node:path';
import { PREPROCESS_KINDS, isPreprocessKind, kindTakesText, preprocess } from '../../preprocess/dispatch';
import { UsageError, parseArgs, str } from '../args';
import type { CliIO } from '../command';
import { float32LE, writeFileAtomic } from '../output';

/** `molecule preprocess` (help texts in commands/index.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs(argv, { kind: { kind: 'string' }, file: { kind: 'string' }, text: { kind: 'string' }, out: { kind: 'string', short: 'o' } });
  const kind = str(values.kind);
  if (!kind) throw new UsageError('--kind is required');
  if (!isPreprocessKind(kind)) throw new UsageError(`unknown --kind "${kind}" (one of ${PREPROCESS_KINDS.join(', ')})`);
  const file = str(values.file);
  const text = str(values.text);
  if (kindTakesText(kind) ? text === undefined : file === undefined) throw new UsageError(`--kind ${kind} needs ${kindTakesText(kind) ? '--text STR' : '--file PATH'}`);
  if (file !== undefined && text !== undefined) throw new UsageError('give either --file or --text, not both');
  const r = await preprocess(kind, file !== undefined ? { file: resolve(file) } : { text: text! });
  for (let i = 0; i < r.data.length; i++) if (!Number.isFinite(r.data[i]!)) throw new Error(`${file ?? 'text'}: ${kind} produced a non-finite value at index ${i}`);
  const out = str(values.out);
  if (out) writeFileAtomic(resolve(out), float32LE(r.data));
  io.out(JSON.stringify({ kind, shape: r.shape, ...r.meta, ...(out ? { out: resolve(out) } : {}) }));
  return 0;
}

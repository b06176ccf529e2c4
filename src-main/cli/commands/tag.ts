import { UsageError, parseArgs, str } from '../args';
import type { CliIO } from '../command';
import { PACK_OPTIONS, factorsFrom } from '../common';
import { packJson, TEST_PACK_LABEL } from '../output';
import { openOrganiser } from './organise-common';

/** `molecule tag` (help texts in commands/index.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs(argv, {
    ...PACK_OPTIONS, db: { kind: 'string' }, vocab: { kind: 'string' }, top: { kind: 'string' }, threshold: { kind: 'string' }, json: { kind: 'boolean' },
  });
  const vocab = str(values.vocab);
  if (!vocab) throw new UsageError('--vocab NAME is required (audioset, esc50, photo or a user vocabulary)');
  const top = str(values.top) === undefined ? 5 : Number(str(values.top));
  if (!Number.isInteger(top) || top < 1 || top > 100) throw new UsageError(`--top must be an integer in 1…100, got "${str(values.top)}"`);
  const threshold = str(values.threshold) === undefined ? undefined : Number(str(values.threshold));
  if (threshold !== undefined && !(threshold >= -1 && threshold <= 1)) throw new UsageError(`--threshold must be in [-1, 1], got "${str(values.threshold)}"`);
  const { preset, factors } = factorsFrom(values);
  const { lib, org } = await openOrganiser(values);
  try {
    const v = org.vocabulary(vocab);
    const tags = await org.tags({ vocab, top, threshold, factors });
    const paths = new Map<number, string>();
    const store = lib.vectorStore;
    for (let r = 0; r < store.size; r++) paths.set(store.ids[r]!, store.paths[r]?.[0] ?? '');
    const items = tags.map((t) => ({ itemId: t.itemId, path: paths.get(t.itemId) ?? '', labels: t.labels, categories: t.categories, confirmed: t.confirmed }));
    if (values.json) {
      io.out(JSON.stringify({ pack: packJson(lib.engineSpace), vocab: { id: v.id, name: v.name, labels: v.labels.length }, preset, factors, items }));
    } else {
      if (lib.engineSpace.isTestPack) io.out(`${TEST_PACK_LABEL} (${lib.engineSpace.packId})`);
      io.out(`${v.name}: ${v.labels.length} labels; factors text ${factors.text}, audio ${factors.audio} (${preset})`);
      for (const it of items) {
        const labels = it.labels.map((l) => `${l.name} ${l.score.toFixed(3)}`).join(', ');
        const cats = it.categories.length ? `  [${it.categories.map((c) => c.name).join(', ')}]` : '';
        io.out(`${it.path}\t${labels}${cats}`);
      }
    }
    return 0;
  } finally {
    await lib.close();
  }
}

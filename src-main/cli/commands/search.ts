import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Library, lastPackDir } from '../../library/library';
import type { SearchRequest, TargetModality } from '../../search/types';
import { UsageError, parseArgs, spelledAs, str } from '../args';
import type { CliIO } from '../command';
import { PACK_OPTIONS, factorsFrom, openFromArgs } from '../common';
import { TEST_PACK_LABEL } from '../output';

/** A path as a shell word (quoted when it holds anything but safe characters). */
function shellQuote(p: string): string {
  return /^[\w@%+=:,./~-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}

/** `molecule search` (help texts in commands/index.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseArgs(argv, {
    ...PACK_OPTIONS,
    db: { kind: 'string' }, text: { kind: 'string' }, image: { kind: 'string' }, audio: { kind: 'string' }, item: { kind: 'string' },
    query: { kind: 'string' }, in: { kind: 'string' }, k: { kind: 'string', short: 'k' }, 'min-score': { kind: 'string' },
    folder: { kind: 'string' }, from: { kind: 'string' }, to: { kind: 'string' }, 'min-duration': { kind: 'string' },
    'max-duration': { kind: 'string' }, json: { kind: 'boolean' }, 'words-balance': { kind: 'string' },
  });
  const { values } = parsed;
  const db = str(values.db);
  if (!db) throw new UsageError('--db FILE is required');
  if (!existsSync(db)) throw new Error(`${db}: library database not found (run molecule index first)`);
  const given = ['text', 'image', 'audio', 'item', 'query'].filter((k) => values[k] !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of --text, --image, --audio, --item, --query');
  const target = (str(values.in) ?? 'all') as TargetModality;
  if (!['image', 'audio', 'video', 'all'].includes(target)) throw new UsageError(`--in must be image, audio, video or all, got "${target}"`);
  const num = (name: string, check: (n: number) => boolean = Number.isFinite) => {
    const v = str(values[name]);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !check(n)) throw new UsageError(`${spelledAs(parsed, name)}: bad value "${v}"`);
    return n;
  };
  const date = (name: string) => {
    const v = str(values[name]);
    if (v === undefined) return undefined;
    const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(n)) throw new UsageError(`--${name}: not a date: "${v}"`);
    return n;
  };
  const k = num('k', (n) => Number.isInteger(n) && n > 0 && n <= 10000) ?? 20;
  const { preset, factors } = factorsFrom(values);
  const pack = str(values.pack) ?? lastPackDir(db);
  if (!pack) throw new UsageError(`${db} has no pack recorded; give --pack DIR`);
  const lib = new Library({ openSpace: () => openFromArgs({ ...values, pack }), prepWorkers: 0 });
  await lib.open(resolve(db), pack);
  try {
    // A database indexed with several packs: say which one searches, and what it cannot see.
    const cov = await lib.packCoverage();
    if (!str(values.pack) && cov.packs.length > 1) io.err(`molecule search: searching with pack ${lib.engineSpace.packId} (${pack}), the one ${db} was last indexed with; give --pack DIR for another`);
    if (cov.covered < cov.total) {
      const roots = (await lib.listRoots()).map((r) => shellQuote(r.path)).join(' ');
      io.err(
        `molecule search: only ${cov.covered} of the ${cov.total} items in ${db} have vectors for pack ${lib.engineSpace.packId}, so the search sees only those; ` +
          `encode the other ${cov.total - cov.covered} with: npx molecule index ${roots} --db ${shellQuote(db)} --pack ${shellQuote(lib.engineSpace.packDir)}`,
      );
    }
    const req: SearchRequest = {
      in: target, k, factors,
      minScore: num('min-score'),
      filters: {
        folder: str(values.folder) ? resolve(str(values.folder)!) : undefined,
        dateFrom: date('from'), dateTo: date('to'),
        minDuration: num('min-duration', (n) => n >= 0), maxDuration: num('max-duration', (n) => n >= 0),
      },
    };
    if (values.text !== undefined) req.text = str(values.text);
    if (values.image !== undefined) req.imagePath = resolve(str(values.image)!);
    if (values.audio !== undefined) req.audioPath = resolve(str(values.audio)!);
    if (values.query !== undefined) req.query = str(values.query);
    const wb = num('words-balance', (n) => n >= 0 && n <= 1);
    if (wb !== undefined) req.wordsBalance = wb;
    if (values.item !== undefined) req.itemId = num('item', (n) => Number.isInteger(n) && n > 0);
    const res = await lib.search(req);
    const space = lib.engineSpace;
    // a moment hit (recording or video) says where: start/end in seconds and the track it matched on
    const rows = res.results.map((h, i) => ({
      rank: i + 1, itemId: h.itemId, path: h.path, modality: h.modality, score: h.score,
      ...(h.cosine !== undefined ? { cosine: h.cosine } : {}),
      ...(h.clip ? { start: h.clip.startSec, end: h.clip.endSec, track: h.clip.track ?? h.track ?? 'sound', clip: { startSec: h.clip.startSec, endSec: h.clip.endSec } } : {}),
      ...(h.why ? { why: h.why } : {}),
    }));
    const whyText = (r: (typeof rows)[number]) => {
      const w = r.why?.words;
      if (w) return `\t${w.field}: ${w.segments.map((s) => (s.hit ? `[${s.text}]` : s.text)).join('')}${r.why!.meaning ? ' + meaning' : ''}`;
      return r.why?.meaning ? '\tby meaning' : '';
    };
    if (values.json) {
      io.out(JSON.stringify({ pack: { id: space.packId, name: space.packName, test: space.isTestPack }, preset, factors, considered: res.considered, coverage: { covered: cov.covered, total: cov.total }, results: rows }));
    } else {
      if (space.isTestPack) io.out(`${TEST_PACK_LABEL} (${space.packId})`);
      io.out(`factors: text ${factors.text}, audio ${factors.audio} (${preset}); ${res.considered} items considered`);
      for (const r of rows) {
        const clip = r.start !== undefined && r.end !== undefined ? `\t[${r.start.toFixed(1)}–${r.end.toFixed(1)} s, ${r.track}]` : '';
        io.out(`${r.rank}\t${r.score.toFixed(4)}\t${r.modality}\t${r.path}${clip}${whyText(r)}`);
      }
    }
    return 0;
  } finally {
    await lib.close();
  }
}

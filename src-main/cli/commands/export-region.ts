import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openDb, row } from '../../library/db';
import { exportRegion } from '../../regions/export-region';
import { UsageError, parseArgs, str } from '../args';
import type { CliIO } from '../command';

/** `molecule export-region` (help text in commands/index.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs(argv, {
    db: { kind: 'string' }, item: { kind: 'string' }, start: { kind: 'string' }, end: { kind: 'string' }, out: { kind: 'string' },
    description: { kind: 'string' }, json: { kind: 'boolean' },
  });
  const db = str(values.db);
  if (!db) throw new UsageError('--db FILE is required');
  if (!existsSync(db)) throw new Error(`${db}: library database not found (run molecule index first)`);
  const num = (name: string) => {
    const v = str(values[name]);
    if (v === undefined) throw new UsageError(`--${name} is required`);
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name}: bad value "${v}"`);
    return n;
  };
  const item = num('item');
  if (!Number.isInteger(item) || item < 1) throw new UsageError(`--item: bad value "${str(values.item)}"`);
  const start = num('start');
  const end = num('end');
  const out = str(values.out);
  if (!out) throw new UsageError('--out FILE.wav is required');
  const d = openDb(resolve(db));
  let paths: string[];
  let modality: string | undefined;
  try {
    modality = row<{ modality: string }>(d.prepare('SELECT modality FROM items WHERE id = ?').get(item))?.modality;
    paths = (d.prepare('SELECT path FROM files WHERE item_id = ? ORDER BY path').all(item) as { path: string }[]).map((r) => r.path);
  } finally {
    d.close();
  }
  if (!modality) throw new Error(`no library item ${item} in ${db}`);
  if (modality !== 'audio') throw new Error(`item ${item} is a${modality === 'image' ? 'n image' : ` ${modality}`}, not a sound`);
  const source = paths.find((p) => existsSync(p));
  if (!source) throw new Error(`item ${item}: none of its files is on disk (${paths.join(', ')})`);
  const r = await exportRegion({ source, startSec: start, endSec: end, out: resolve(out), description: str(values.description) });
  if (values.json) io.out(JSON.stringify({ source, ...r }));
  else io.out(`${r.path}\t${r.frames} frames at ${r.sampleRate} Hz, ${r.bitsPerSample}-bit ${r.float ? 'float' : 'PCM'}, ${r.channels} ch (${r.from}); bext time reference ${r.timeReference}`);
  return 0;
}

/**
 * `npm run bench -- text [--items N] [--runs R] [--json]`
 * The words side of the one search box at library scale: N items (default 100 000) with UCS-style file names,
 * folders and a stored description (item_meta) in a real library database (schema migrations, triggers). Times
 * building the full-text rows (TextIndex.refresh: the triggers' dirty list → FTS5 rows), then keyword queries
 * as the search runs them: a ranked match (bm25, top 200), a field term over every item (matchAll), and the
 * highlights of all 200 hits (whole tokens first, as the search does, and prefixes only).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../src-main/library/db';
import { TextIndex } from '../src-main/library/text-index';
import { xorshift32 } from '../test/helpers/random';
import { numOpt } from './args';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => numOpt(name, def, { positive: true });
const items = Math.floor(opt('items', 100_000));
const runs = Math.floor(opt('runs', 20));
const json = args.includes('--json');

const WORDS = ('door wood creak hinge slam metal rain heavy light wind gust street night traffic car pass horn crowd market '
  + 'voices forest birds dawn river creek water splash stone footsteps gravel snow ice engine idle rev train station '
  + 'bell church harbour gulls boat ferry thunder storm distant close room tone hum buzz electric fire crackle').split(' ');
const CATS = ['DOORWood', 'DOORMetl', 'RAINHvy', 'WINDGust', 'AMBUrbn', 'AMBForst', 'VEHCar', 'TRNPass', 'BELLChrch', 'WATRStrm'];

const dir = mkdtempSync(join(tmpdir(), 'molecule-bench-text-'));
try {
  const db = openDb(join(dir, 'lib.db'));
  const rnd = xorshift32(7);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length) % a.length]!;
  const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');

  let t0 = performance.now();
  const insItem = db.prepare("INSERT INTO items(id, hash, modality, size, date, added_at) VALUES (?, ?, 'audio', 1, 0, 0)");
  const insFile = db.prepare('INSERT INTO files(path, item_id, size, mtime_ms, seen_at) VALUES (?, ?, 1, 0, 0)');
  const insMeta = db.prepare('INSERT INTO item_meta(item_id, json, captured_at, lat, lon, read_at) VALUES (?, ?, NULL, NULL, NULL, 0)');
  const CHUNK = 5000;
  for (let start = 1; start <= items; start += CHUNK) {
    db.transaction(() => {
      for (let id = start; id < Math.min(items + 1, start + CHUNK); id++) {
        const cat = pick(CATS);
        insItem.run(id, `h${id}`);
        insFile.run(`/lib/${cat.slice(0, 4)}/${pick(WORDS)}/${cat}_${sentence(2)} ${id}_JD_FIELDLIB.wav`, id);
        insMeta.run(id, JSON.stringify({ description: sentence(8), keywords: [pick(WORDS), pick(WORDS)], artist: 'Field Recordist' }));
      }
    })();
  }
  const insertMs = performance.now() - t0;

  const text = new TextIndex(db);
  t0 = performance.now();
  const rows = text.refresh();
  const refreshMs = performance.now() - t0;

  const time = (f: () => unknown) => {
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      f();
      ms.push(performance.now() - s);
    }
    ms.sort((a, b) => a - b);
    return { median: ms[Math.floor(ms.length / 2)]!, p90: ms[Math.floor(ms.length * 0.9)]! };
  };
  const ranked = '"door"* AND "wood"* AND "creak"*';
  const hits = text.match(ranked, 200);
  const q = {
    ranked: time(() => text.match(ranked, 200)),
    rankedOne: time(() => text.match('"thunder"*', 200)),
    field: time(() => text.matchAll('cat : "DOORWood"')),
    highlight200: time(() => text.highlightMany(hits.map((h) => h.itemId), '"door"* OR "wood"* OR "creak"*', '"door" OR "wood" OR "creak"', ['door', 'wood', 'creak'])),
    prefixOnly200: time(() => text.highlightMany(hits.map((h) => h.itemId), '"door"* OR "wood"* OR "creak"*', null, ['door', 'wood', 'creak'])),
  };
  const fieldCount = text.matchAll('cat : "DOORWood"').size;
  db.close();
  const dbMb = statSync(join(dir, 'lib.db')).size / 2 ** 20;
  const out = {
    items, rows, insertMs: Math.round(insertMs), refreshMs: Math.round(refreshMs), refreshPerSec: Math.round(rows / (refreshMs / 1000)),
    rankedHits: hits.length, fieldCount, dbMb: Number(dbMb.toFixed(1)),
    queryMs: Object.fromEntries(Object.entries(q).map(([k, v]) => [k, { median: Number(v.median.toFixed(2)), p90: Number(v.p90.toFixed(2)) }])),
  };
  if (json) console.log(JSON.stringify(out));
  else {
    console.log(`items ${items}: rows inserted in ${out.insertMs} ms; full-text rows built in ${out.refreshMs} ms (${out.refreshPerSec}/s); database ${out.dbMb} MB (without WAL)`);
    for (const [k, v] of Object.entries(out.queryMs)) console.log(`  ${k.padEnd(10)} median ${v.median} ms  p90 ${v.p90} ms`);
    console.log(`  ranked query "${ranked}" → ${hits.length} hits (top 200); cat:DOORWood → ${fieldCount} items`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

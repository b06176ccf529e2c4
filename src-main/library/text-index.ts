/**
 * The full-text side of the one search box: an FTS5 table (schema v8, rowid = item id) over each item's file
 * names, folder names, embedded metadata and the user's confirmed tags. SQL triggers mark every item whose text
 * may have changed (paths, metadata, tags) in text_dirty; refresh() rebuilds those rows in JS (CamelCase names
 * split, UCS codes parsed from every name) before a keyword search and after each indexing job.
 */
import { searchFields, SEARCH_COLUMNS, type SearchColumn } from '../metadata/views';
import { parseUcsName } from '../metadata/ucs';
import type { MediaMetadata } from '../metadata/types';
import type { Db } from './db';

export interface KeywordHit {
  itemId: number;
  /** bm25 (lower is better, as SQLite returns it). */
  bm25: number;
}

import type { Highlight, HighlightSegment } from '../search/types';

export type { Highlight, HighlightSegment };

const OPEN = '\u0002';
const CLOSE = '\u0003';
const BATCH = 500;

type Stmt = { run(...a: unknown[]): unknown; get(...a: unknown[]): unknown; all(...a: unknown[]): unknown[] };

export class TextIndex {
  private readonly st = new Map<string, Stmt>();
  constructor(private readonly db: Db) {}

  private p(sql: string): Stmt {
    let s = this.st.get(sql);
    if (!s) this.st.set(sql, (s = this.db.prepare(sql) as unknown as Stmt));
    return s;
  }

  /** Items waiting for their text row to be rebuilt. */
  pending(): number {
    return Number((this.p('SELECT COUNT(DISTINCT item_id) AS n FROM text_dirty').get() as { n: number }).n);
  }

  /** Rebuild the rows of every dirty item (in batches of 500, one transaction each). Returns how many. */
  refresh(): number {
    let total = 0;
    const cols = SEARCH_COLUMNS.join(', ');
    const insert = `INSERT INTO text_index(rowid, ${cols}) VALUES (?, ${SEARCH_COLUMNS.map(() => '?').join(', ')})`;
    for (;;) {
      const ids = (this.p('SELECT DISTINCT item_id FROM text_dirty LIMIT ?').all(BATCH) as { item_id: number }[]).map((r) => Number(r.item_id));
      if (!ids.length) return total;
      this.db.transaction(() => {
        for (const id of ids) {
          this.p('DELETE FROM text_index WHERE rowid = ?').run(id);
          const paths = (this.p('SELECT path FROM files WHERE item_id = ? ORDER BY path').all(id) as { path: string }[]).map((r) => r.path);
          if (paths.length) {
            const m = this.p('SELECT json FROM item_meta WHERE item_id = ?').get(id) as { json: string } | undefined;
            let meta: MediaMetadata | null = null;
            try {
              meta = m ? (JSON.parse(m.json) as MediaMetadata) : null;
            } catch {
              meta = null;
            }
            const tags = (this.p("SELECT name FROM user_tags WHERE item_id = ? AND state = 'confirmed' ORDER BY name").all(id) as { name: string }[]).map((r) => r.name);
            const f = searchFields(meta, paths, tags);
            // UCS codes of every live name (a renamed copy may carry another CatID than the stored metadata).
            const extraCat = paths.map((p) => parseUcsName(p)).filter((u) => u && u.catId !== meta?.ucs?.catId).map((u) => `${u!.catId} ${u!.category} ${u!.subCategory}`);
            if (extraCat.length) f.cat = [f.cat, ...extraCat].filter(Boolean).join(' \u2022 ');
            this.p(insert).run(id, ...SEARCH_COLUMNS.map((c) => f[c]));
          }
          this.p('DELETE FROM text_dirty WHERE item_id = ?').run(id);
        }
      })();
      total += ids.length;
    }
  }

  /** Items matching an FTS5 expression, best first (bm25 with the given per-column weights), at most `limit`. */
  match(expr: string, limit: number): KeywordHit[] {
    const w = SEARCH_COLUMNS.map((c) => COLUMN_WEIGHTS[c]).join(', ');
    const rows = this.p(`SELECT rowid AS id, bm25(text_index, ${w}) AS s FROM text_index WHERE text_index MATCH ? ORDER BY s LIMIT ?`).all(expr, limit) as { id: number; s: number }[];
    return rows.map((r) => ({ itemId: Number(r.id), bm25: r.s }));
  }

  /** Every item id matching an expression (for required field terms and exclusions). */
  matchAll(expr: string, limit = 1_000_000): Set<number> {
    const rows = this.p('SELECT rowid AS id FROM text_index WHERE text_index MATCH ? LIMIT ?').all(expr, limit) as { id: number }[];
    return new Set(rows.map((r) => Number(r.id)));
  }

  /**
   * Where `expr` matched in one item: the column that explains most of `words` (ties: description, title,
   * keywords, category, tags, name, …), cut to about `context` characters around the first hit. Null when
   * nothing is highlighted.
   */
  highlight(itemId: number, expr: string, words: readonly string[] = [], context = 70): Highlight | null {
    const vals = this.marked(itemId, expr);
    return vals ? this.bestHighlight(vals, words, context) : null;
  }

  /** Every column of one item with `expr`'s matches marked, or null when it does not match. */
  private marked(itemId: number, expr: string): (string | null)[] | null {
    const hl = SEARCH_COLUMNS.map((_, i) => `highlight(text_index, ${i}, '${OPEN}', '${CLOSE}') AS c${i}`).join(', ');
    const r = this.p(`SELECT ${hl} FROM text_index WHERE text_index MATCH ? AND rowid = ?`).get(expr, itemId) as Record<string, string | null> | undefined;
    return r ? SEARCH_COLUMNS.map((_, i) => r[`c${i}`] ?? null) : null;
  }

  /**
   * Highlights of many hits: each with `exact` (whole stemmed tokens: one index lookup per word) when that lights
   * up every looked-up word somewhere in the item, else with `expr` (prefixes: FTS5 merges the doclists of every
   * term a prefix starts, ~5 ms a hit at 100k items) — a word still being typed ("gro") is no whole token. One
   * statement per hit: a batched `rowid IN (…)` was slower still (bench/text.ts).
   */
  highlightMany(itemIds: readonly number[], expr: string, exact: string | null, words: readonly string[] = [], context = 70): Map<number, Highlight> {
    const out = new Map<number, Highlight>();
    const explainsAll = (vals: (string | null)[]) => {
      const lit = vals.flatMap((v) => (v ? [...v.matchAll(/\u0002([^\u0003]*)\u0003/g)].map((m) => m[1]!.toLowerCase()) : []));
      return words.every((w) => lit.some((t) => t.startsWith(w) || w.startsWith(t)));
    };
    for (const id of itemIds) {
      let vals = exact ? this.marked(id, exact) : null;
      if (!vals || !explainsAll(vals)) vals = this.marked(id, expr) ?? vals;
      const h = vals ? this.bestHighlight(vals, words, context) : null;
      if (h) out.set(id, h);
    }
    return out;
  }

  private bestHighlight(vals: (string | null)[], words: readonly string[], context: number): Highlight | null {
    // The column that explains the hit best: most distinct matched words, then the most telling column.
    let best = -1;
    let bestCount = 0;
    for (const i of HIGHLIGHT_ORDER) {
      const v = vals[i];
      if (!v || !v.includes(OPEN)) continue;
      const tokens = [...new Set([...v.matchAll(/\u0002([^\u0003]*)\u0003/g)].map((m) => m[1]!.toLowerCase()))];
      // how many of the query's words this column explains (a token explains a word when one starts the other:
      // stems and prefixes), else how many distinct tokens lit up
      const n = words.length ? words.filter((w) => tokens.some((t) => t.startsWith(w) || w.startsWith(t))).length : tokens.length;
      if (n > bestCount) (best = i), (bestCount = n);
    }
    if (best >= 0) return { field: SEARCH_COLUMNS[best]!, segments: segments(vals[best]!, context) };
    return null;
  }
}

/** Column indexes in the order a hit's reason prefers them (ties on the number of matched words). */
const HIGHLIGHT_ORDER = (['desc', 'title', 'keywords', 'cat', 'tags', 'name', 'people', 'source', 'folder', 'gear', 'other'] as SearchColumn[]).map((c) => SEARCH_COLUMNS.indexOf(c));

/** Column weights for bm25: a word in the description or title says more than one in a folder name. */
export const COLUMN_WEIGHTS: Record<SearchColumn, number> = {
  name: 4, folder: 1, title: 5, desc: 6, cat: 4, keywords: 4, tags: 4, people: 2, source: 2, gear: 1, other: 1,
};

/** "…a \u0002door\u0003 creak…" → segments, cut around the first hit. */
export function segments(marked: string, context: number): HighlightSegment[] {
  const first = marked.indexOf(OPEN);
  let start = Math.max(0, first - Math.floor(context / 2));
  let s = marked;
  let prefix = '';
  if (start > 0) {
    // do not cut inside a marked run
    const lastClose = s.lastIndexOf(CLOSE, start);
    const lastOpen = s.lastIndexOf(OPEN, start);
    if (lastOpen > lastClose) start = lastOpen;
    const space = s.indexOf(' ', start);
    if (space >= 0 && space < first) start = space + 1;
    s = s.slice(start);
    prefix = '…';
  }
  const out: HighlightSegment[] = [];
  let hit = false;
  let buf = prefix;
  let visible = 0;
  for (const ch of s) {
    if (ch === OPEN || ch === CLOSE) {
      if (buf) out.push({ text: buf, hit });
      buf = '';
      hit = ch === OPEN;
      continue;
    }
    if (visible >= context * 2 && !hit) {
      buf += '…';
      break;
    }
    buf += ch;
    visible++;
  }
  if (buf) out.push({ text: buf, hit });
  return out;
}

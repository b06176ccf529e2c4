import { CodedError } from '../domain/errors';
import { row, type Db } from '../library/db';
import type { LibraryService } from '../library/service';
import type { SmartRule, CollectionInfo, CollectionMember } from './types';

/**
 * User collections. Manual ones hold item ids (content identity, so they survive renames and moves);
 * smart ones hold a rule — a saved search and/or filters — evaluated on every read, so they stay current
 * as files appear and vanish.
 */
const SMART_LIMIT = 10_000;

export class Collections {
  constructor(private readonly db: Db, private readonly library: LibraryService) {}

  list(): CollectionInfo[] {
    const rows = this.db
      .prepare(
        `SELECT c.id, c.name, c.kind, c.rule, c.created_at,
                (SELECT COUNT(*) FROM collection_items ci WHERE ci.collection_id = c.id) AS n
           FROM collections c ORDER BY c.name COLLATE NOCASE`,
      )
      .all() as { id: number; name: string; kind: 'manual' | 'smart'; rule: string | null; created_at: number; n: number }[];
    return rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      kind: r.kind,
      rule: r.rule ? (JSON.parse(r.rule) as SmartRule) : null,
      createdAt: Number(r.created_at),
      size: r.kind === 'manual' ? Number(r.n) : null,
    }));
  }

  create(name: string, kind: 'manual' | 'smart', rule?: SmartRule): CollectionInfo {
    const clean = name.trim();
    if (!clean) throw new Error('a collection needs a name');
    if (clean.length > 200) throw new Error('collection name is longer than 200 characters');
    if (kind === 'smart' && !rule?.search && !rule?.filters) throw new Error('a smart collection needs a search or filters');
    const now = Date.now();
    try {
      const r = this.db
        .prepare('INSERT INTO collections (name, kind, rule, created_at) VALUES (?, ?, ?, ?)')
        .run(clean, kind, kind === 'smart' ? JSON.stringify(rule) : null, now);
      return { id: Number(r.lastInsertRowid), name: clean, kind, rule: kind === 'smart' ? rule! : null, createdAt: now, size: kind === 'manual' ? 0 : null };
    } catch (e) {
      if (String(e).includes('UNIQUE')) throw new CodedError('conflict', `a collection named "${clean}" exists already`);
      throw e;
    }
  }

  rename(id: number, name: string): void {
    const clean = name.trim();
    if (!clean) throw new Error('a collection needs a name');
    if (clean.length > 200) throw new Error('collection name is longer than 200 characters');
    let changes: number;
    try {
      changes = this.db.prepare('UPDATE collections SET name = ? WHERE id = ?').run(clean, id).changes;
    } catch (e) {
      if (String(e).includes('UNIQUE')) throw new CodedError('conflict', `a collection named "${clean}" exists already`);
      throw e;
    }
    if (changes === 0) throw new CodedError('not-found', `no collection ${id}`);
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM collections WHERE id = ?').run(id);
  }

  private info(id: number): CollectionInfo {
    const c = this.list().find((x) => x.id === id);
    if (!c) throw new CodedError('not-found', `no collection ${id}`);
    return c;
  }

  /** Adds items to a manual collection (one transaction; unknown ids are refused). */
  add(id: number, itemIds: number[]): number {
    if (this.info(id).kind !== 'manual') throw new Error('items can only be added to a manual collection');
    const exists = this.db.prepare('SELECT 1 FROM items WHERE id = ?');
    const ins = this.db.prepare('INSERT OR IGNORE INTO collection_items (collection_id, item_id, added_at) VALUES (?, ?, ?)');
    let added = 0;
    this.db.transaction(() => {
      for (const item of itemIds) {
        if (!row(exists.get(item))) throw new Error(`no library item ${item}`);
        added += ins.run(id, item, Date.now()).changes;
      }
    })();
    return added;
  }

  removeItems(id: number, itemIds: number[]): void {
    const del = this.db.prepare('DELETE FROM collection_items WHERE collection_id = ? AND item_id = ?');
    this.db.transaction(() => {
      for (const item of itemIds) del.run(id, item);
    })();
  }

  async members(id: number): Promise<CollectionMember[]> {
    const c = this.info(id);
    if (c.kind === 'manual') {
      const ids = (this.db
        .prepare(
          `SELECT ci.item_id AS id FROM collection_items ci
             WHERE ci.collection_id = ? AND EXISTS (SELECT 1 FROM files f WHERE f.item_id = ci.item_id)
             ORDER BY ci.added_at, ci.item_id`,
        )
        .all(id) as { id: number }[]).map((r) => Number(r.id));
      return this.describe(ids);
    }
    const rule = c.rule!;
    if (rule.search) {
      const res = await this.library.search({ ...rule.search, k: rule.search.k ?? SMART_LIMIT });
      const scores = new Map(res.results.map((h) => [h.itemId, h.score]));
      const members = await this.describe(res.results.map((h) => h.itemId));
      for (const m of members) m.score = scores.get(m.itemId);
      return members;
    }
    const out: CollectionMember[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await this.library.listItems({ ...rule.filters, sort: 'name', offset, limit: 1000 });
      for (const it of page.items) {
        out.push({ itemId: it.id, path: it.path, name: it.name, modality: it.modality, durationSec: it.durationSec, width: it.width, height: it.height, date: it.date });
      }
      if (page.items.length < 1000 || out.length >= SMART_LIMIT) break;
    }
    return out;
  }

  private async describe(ids: number[]): Promise<CollectionMember[]> {
    const out: CollectionMember[] = [];
    for (const id of ids) {
      const it = await this.library.item(id);
      if (!it) continue;
      out.push({ itemId: it.id, path: it.path, name: it.name, modality: it.modality, durationSec: it.durationSec, width: it.width, height: it.height, date: it.date });
    }
    return out;
  }
}

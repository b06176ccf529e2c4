import { unlinkSync } from 'node:fs';
import { sep } from 'node:path';
import type { EmbeddingComponents } from '../space/types';
import { blobToF32, f32ToBlob, row, type Db } from './db';
import type { ItemModality } from '../domain/types';

export interface FileRow {
  path: string;
  item_id: number;
  size: number;
  mtime_ms: number;
}

export interface NewItem {
  hash: string;
  modality: ItemModality;
  size: number;
  format: string | null;
  width: number | null;
  height: number | null;
  exifDate: string | null;
  date: number;
  durationSec: number | null;
  sampleRate: number | null;
  channels: number | null;
  thumbnail: string | null;
  peaks: Float32Array | null;
}

export interface StoredVectors {
  itemId: number;
  modality: ItemModality;
  base: Float32Array;
  expert: Float32Array | null;
  c: number;
  factor: 'text' | 'audio' | null;
  date: number;
  durationSec: number | null;
}

interface Stmt {
  run(...a: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...a: unknown[]): unknown;
  all(...a: unknown[]): unknown[];
  iterate(...a: unknown[]): IterableIterator<unknown>;
  pluck(on?: boolean): Stmt;
}

const likePrefix = (dir: string) => (dir.endsWith(sep) ? dir : dir + sep).replace(/[\\%_]/g, (m) => '\\' + m) + '%';

/** All statements the library uses, prepared once. Each public write is a single transaction. */
export class Repo {
  constructor(readonly db: Db) {}

  private st = new Map<string, Stmt>();
  private p(sql: string): Stmt {
    let s = this.st.get(sql);
    if (!s) {
      s = this.db.prepare(sql) as unknown as Stmt;
      this.st.set(sql, s);
    }
    return s;
  }

  fileByPath(path: string): FileRow | undefined {
    return row<FileRow>(this.p('SELECT path, item_id, size, mtime_ms FROM files WHERE path = ?').get(path));
  }

  filesUnder(dir: string): FileRow[] {
    return this.p("SELECT path, item_id, size, mtime_ms FROM files WHERE path LIKE ? ESCAPE '\\'").all(likePrefix(dir)) as FileRow[];
  }

  failureByPath(path: string): { reason: string; size: number | null; mtime_ms: number | null } | undefined {
    return row(this.p('SELECT reason, size, mtime_ms FROM failures WHERE path = ?').get(path));
  }

  itemByHash(hash: string): { id: number; modality: ItemModality } | undefined {
    return row(this.p('SELECT id, modality FROM items WHERE hash = ?').get(hash));
  }

  hasVectors(itemId: number, packId: string): boolean {
    return this.p('SELECT 1 AS x FROM vectors WHERE item_id = ? AND pack_id = ?').get(itemId, packId) !== undefined;
  }

  /** Point a path at existing content (rename, move, copy): no encoding. */
  linkFile(path: string, itemId: number, size: number, mtimeMs: number): void {
    this.db.transaction(() => {
      this.p(
        `INSERT INTO files(path, item_id, size, mtime_ms, seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(path) DO UPDATE SET item_id = excluded.item_id, size = excluded.size, mtime_ms = excluded.mtime_ms, seen_at = excluded.seen_at`,
      ).run(path, itemId, size, mtimeMs, Date.now());
      this.p('DELETE FROM failures WHERE path = ?').run(path);
    })();
  }

  /** Item + its file + all vectors for the pack, in ONE transaction. Returns the item id. */
  writeItem(path: string, mtimeMs: number, it: NewItem, packId: string, comps: EmbeddingComponents): number {
    return this.db.transaction(() => {
      const now = Date.now();
      let id = this.itemByHash(it.hash)?.id;
      if (id === undefined) {
        const r = this.p(
          `INSERT INTO items(hash, modality, size, format, width, height, exif_date, date, duration, sample_rate, channels, added_at, thumbnail, peaks)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          it.hash, it.modality, it.size, it.format, it.width, it.height, it.exifDate, it.date, it.durationSec,
          it.sampleRate, it.channels, now, it.thumbnail, it.peaks ? f32ToBlob(it.peaks) : null,
        );
        id = Number(r.lastInsertRowid);
      }
      this.p(
        `INSERT INTO files(path, item_id, size, mtime_ms, seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(path) DO UPDATE SET item_id = excluded.item_id, size = excluded.size, mtime_ms = excluded.mtime_ms, seen_at = excluded.seen_at`,
      ).run(path, id, it.size, mtimeMs, now);
      const clips = comps.clips ?? [];
      let clipBlob: Buffer | null = null;
      if (clips.length > 0) {
        const d = comps.base.length;
        const all = new Float32Array(clips.length * d);
        clips.forEach((c, j) => all.set(c.vector, j * d));
        clipBlob = f32ToBlob(all);
      }
      this.p(
        `INSERT OR REPLACE INTO vectors(item_id, pack_id, dim, base, expert, c, factor, clip_spans, clips) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id, packId, comps.base.length, f32ToBlob(comps.base), comps.expert ? f32ToBlob(comps.expert) : null, comps.c,
        comps.factor, clips.length ? JSON.stringify(clips.map((c) => [c.startSec, c.endSec])) : null, clipBlob,
      );
      this.p('DELETE FROM raw_vectors WHERE item_id = ? AND pack_id = ?').run(id, packId);
      for (const [enc, v] of Object.entries(comps.raw ?? {})) {
        this.p('INSERT INTO raw_vectors(item_id, pack_id, encoder, vec) VALUES (?, ?, ?, ?)').run(id, packId, enc, f32ToBlob(v));
      }
      this.p('DELETE FROM failures WHERE path = ?').run(path);
      return id;
    })();
  }

  recordFailure(path: string, reason: string, size: number | null, mtimeMs: number | null): void {
    this.db.transaction(() => {
      this.p('INSERT OR REPLACE INTO failures(path, reason, size, mtime_ms, at) VALUES (?, ?, ?, ?, ?)').run(path, reason, size, mtimeMs, Date.now());
      // A file that used to index and now fails no longer stands for its old content.
      this.p('DELETE FROM files WHERE path = ?').run(path);
    })();
  }

  removeFile(path: string): void {
    this.db.transaction(() => {
      this.p('DELETE FROM files WHERE path = ?').run(path);
      this.p('DELETE FROM failures WHERE path = ?').run(path);
    })();
  }

  /** Delete items no path points at any more (with vectors, via cascade); returns their ids and thumbnails. */
  collectOrphans(): { id: number; thumbnail: string | null }[] {
    return this.db.transaction(() => {
      const gone = this.p('SELECT id, thumbnail FROM items WHERE NOT EXISTS (SELECT 1 FROM files WHERE files.item_id = items.id)').all() as {
        id: number;
        thumbnail: string | null;
      }[];
      if (gone.length) this.p('DELETE FROM items WHERE NOT EXISTS (SELECT 1 FROM files WHERE files.item_id = items.id)').run();
      for (const g of gone) {
        if (g.thumbnail) {
          try {
            unlinkSync(g.thumbnail);
          } catch {
            /* already gone */
          }
        }
      }
      return gone;
    })();
  }

  failuresUnder(dirs: string[] | null): { path: string; reason: string; at: number }[] {
    const all = this.p('SELECT path, reason, at FROM failures ORDER BY path').all() as { path: string; reason: string; at: number }[];
    if (!dirs) return all;
    const pre = dirs.map((d) => (d.endsWith(sep) ? d : d + sep));
    return all.filter((f) => pre.some((p) => f.path.startsWith(p)));
  }

  /** Every live path grouped by item, in path order. */
  allPaths(): Map<number, string[]> {
    const out = new Map<number, string[]>();
    for (const r of this.p('SELECT item_id, path FROM files ORDER BY item_id, path').iterate() as Iterable<{ item_id: number; path: string }>) {
      let a = out.get(r.item_id);
      if (!a) out.set(r.item_id, (a = []));
      a.push(r.path);
    }
    return out;
  }

  pathsOf(itemId: number): string[] {
    return this.p('SELECT path FROM files WHERE item_id = ? ORDER BY path').pluck().all(itemId) as string[];
  }

  clips(itemId: number, packId: string): { spans: [number, number][]; vectors: Float32Array } | null {
    const r = row<{ clip_spans: string | null; clips: unknown }>(
      this.p('SELECT clip_spans, clips FROM vectors WHERE item_id = ? AND pack_id = ?').get(itemId, packId),
    );
    if (!r || !r.clip_spans || !r.clips) return null;
    return { spans: JSON.parse(r.clip_spans), vectors: blobToF32(r.clips) };
  }

  /** Every item with vectors for the pack (for the in-memory store). */
  *allVectors(packId: string): Generator<StoredVectors> {
    const it = (this.db as unknown as { prepare(s: string): Stmt })
      .prepare(
        `SELECT i.id, i.modality, i.date, i.duration, v.base, v.expert, v.c, v.factor
         FROM vectors v JOIN items i ON i.id = v.item_id WHERE v.pack_id = ? ORDER BY i.id`,
      )
      .iterate(packId) as Iterable<{
      id: number; modality: ItemModality; date: number; duration: number | null; base: unknown; expert: unknown; c: number; factor: 'text' | 'audio' | null;
    }>;
    for (const r of it) {
      yield {
        itemId: r.id,
        modality: r.modality,
        base: blobToF32(r.base),
        expert: r.expert ? blobToF32(r.expert) : null,
        c: r.c,
        factor: r.factor,
        date: r.date,
        durationSec: r.duration,
      };
    }
  }

  vectorsOf(itemId: number, packId: string): StoredVectors | null {
    const r = row<{ id: number; modality: ItemModality; date: number; duration: number | null; base: unknown; expert: unknown; c: number; factor: 'text' | 'audio' | null }>(
      this.p(
        `SELECT i.id, i.modality, i.date, i.duration, v.base, v.expert, v.c, v.factor
         FROM vectors v JOIN items i ON i.id = v.item_id WHERE v.pack_id = ? AND i.id = ?`,
      ).get(packId, itemId),
    );
    if (!r) return null;
    return {
      itemId: r.id, modality: r.modality, base: blobToF32(r.base), expert: r.expert ? blobToF32(r.expert) : null,
      c: r.c, factor: r.factor, date: r.date, durationSec: r.duration,
    };
  }
}

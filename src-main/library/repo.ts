import { unlinkSync } from 'node:fs';
import { sep } from 'node:path';
import type { MediaMetadata } from '../metadata/types';
import type { EmbeddingComponents } from '../space/types';
import { ownFileError } from '../runtime/env-error';
import { blobToF32, dbPathOf, f32ToBlob, row, tx, type Db } from './db';
import type { ItemModality } from '../domain/types';
import type { VideoInfo } from './service';
import { asStored } from './f16';
import { crashPoint, segmentsDirOf, VectorFiles, type VectorKind } from './vector-files';

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
  /** Embedded metadata read at indexing time (null: none could be read). */
  meta?: MediaMetadata | null;
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
  raw(on?: boolean): Stmt;
}

const likePrefix = (dir: string) => (dir.endsWith(sep) ? dir : dir + sep).replace(/[\\%_]/g, (m) => '\\' + m) + '%';

/** All statements the library uses, prepared once. Each public write is a single transaction. */
export class Repo {
  /** @param where how messages name the database (its path). */
  constructor(
    readonly db: Db,
    private readonly where = 'the library database',
  ) {}

  /** One IMMEDIATE transaction; a full, read-only or failing database surfaces as an EnvironmentError. */
  private tx<T>(fn: () => T): T {
    try {
      return tx(this.db, fn);
    } catch (e) {
      throw ownFileError(e, this.where) ?? e;
    }
  }

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
    this.tx(() => {
      this.p(
        `INSERT INTO files(path, item_id, size, mtime_ms, seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(path) DO UPDATE SET item_id = excluded.item_id, size = excluded.size, mtime_ms = excluded.mtime_ms, seen_at = excluded.seen_at`,
      ).run(path, itemId, size, mtimeMs, Date.now());
      this.p('DELETE FROM failures WHERE path = ?').run(path);
    });
  }

  private readonly vfiles = new Map<string, VectorFiles>();

  /** The segment files of one pack (dimension fixed by the pack). */
  vectorFiles(packId: string, dim: number): VectorFiles {
    const key = `${packId}\0${dim}`;
    let f = this.vfiles.get(key);
    if (!f) {
      f = new VectorFiles(segmentsDirOf(dbPathOf(this.db)), packId, dim);
      this.vfiles.set(key, f);
    }
    return f;
  }

  closeVectorFiles(): void {
    for (const f of this.vfiles.values()) f.close();
    this.vfiles.clear();
  }

  /** Reserve n consecutive slots of one kind (committed at once, so no other writer can take them). */
  reserveSlots(packId: string, counts: Partial<Record<VectorKind, number>>): Partial<Record<VectorKind, number>> {
    return this.tx(() => {
      const out: Partial<Record<VectorKind, number>> = {};
      for (const [kind, n] of Object.entries(counts) as [VectorKind, number][]) {
        if (!n) continue;
        this.p('INSERT OR IGNORE INTO vector_slots(pack_id, kind, next) VALUES (?, ?, 0)').run(packId, kind);
        const r = row<{ next: number }>(this.p('SELECT next FROM vector_slots WHERE pack_id = ? AND kind = ?').get(packId, kind))!;
        this.p('UPDATE vector_slots SET next = next + ? WHERE pack_id = ? AND kind = ?').run(n, packId, kind);
        out[kind] = Number(r.next);
      }
      return out;
    });
  }

  /** Item + its file + all vectors for the pack. Returns the item id. `video`: what a video file holds (JSON). */
  writeItem(path: string, mtimeMs: number, it: NewItem, packId: string, comps: EmbeddingComponents, video?: VideoInfo): number {
    return this.writeItems(packId, [{ path, mtimeMs, item: it, comps, video }])[0]!;
  }

  /**
   * Several items at once: slots reserved, every record written and fdatasync'd, then one transaction
   * per item commits its rows (so a crash at any point leaves whole items or none, see vector-files.ts).
   */
  writeItems(packId: string, batch: { path: string; mtimeMs: number; item: NewItem; comps: EmbeddingComponents; video?: VideoInfo }[]): number[] {
    if (batch.length === 0) return [];
    const dim = batch[0]!.comps.base.length;
    const files = this.vectorFiles(packId, dim);
    const counts: Record<VectorKind, number> = { base: 0, expert: 0, 'clip-base': 0, 'clip-expert': 0 };
    for (const b of batch) {
      if (b.comps.base.length !== dim) throw new Error(`${b.path}: vector has ${b.comps.base.length} dims, the batch ${dim}`);
      counts.base++;
      if (b.comps.expert) counts.expert++;
      const clips = b.comps.clips ?? [];
      // a video's frame moments follow its sound moments in the clip run (pictures have no expert)
      counts['clip-base'] += clips.length + (b.comps.frames?.length ?? 0);
      if (clips.length && clips.every((c) => c.expert)) counts['clip-expert'] += clips.length;
    }
    crashPoint('reserve');
    try {
      return this.writeItemsIn(files, packId, dim, counts, batch);
    } catch (e) {
      // a full or failing disk under the segment files is the machine's fault, not the batch's files'
      throw ownFileError(e, files.dir) ?? e;
    }
  }

  private writeItemsIn(
    files: VectorFiles,
    packId: string,
    dim: number,
    counts: Record<VectorKind, number>,
    batch: { path: string; mtimeMs: number; item: NewItem; comps: EmbeddingComponents; video?: VideoInfo }[],
  ): number[] {
    const first = this.reserveSlots(packId, counts);
    const next = { ...first } as Record<VectorKind, number>;
    const take = (k: VectorKind) => next[k]++;
    const planned = batch.map((b) => {
      const sound = b.comps.clips ?? [];
      const frames = b.comps.frames ?? [];
      const clips = frames.length ? [...sound, ...frames] : sound;
      const baseSlot = take('base');
      const base = files.writeStored('base', baseSlot, b.comps.base);
      let expertSlot: number | null = null;
      let expert: Float32Array | null = null;
      if (b.comps.expert) {
        expertSlot = take('expert');
        expert = files.writeStored('expert', expertSlot, b.comps.expert);
      }
      let clipSlot: number | null = null;
      let clipExpertSlot: number | null = null;
      const clipC = new Float32Array(clips.length);
      const spans = new Float32Array(clips.length * 2);
      const withExperts = sound.length > 0 && sound.every((c) => c.expert);
      clips.forEach((c, j) => {
        const slot = take('clip-base');
        if (j === 0) clipSlot = slot;
        const cb = files.writeStored('clip-base', slot, c.vector);
        spans[2 * j] = c.startSec;
        spans[2 * j + 1] = c.endSec;
        clipC[j] = 1;
        if (withExperts && j < sound.length) {
          const xs = take('clip-expert');
          if (j === 0) clipExpertSlot = xs;
          const cx = files.writeStored('clip-expert', xs, c.expert!);
          clipC[j] = dot(cx, cb);
        }
        if (j === Math.floor(clips.length / 2) && process.env.MOLECULE_CRASH_AT === 'records') {
          files.flush(); // the records so far reach the file: the crash leaves a partly written batch
          crashPoint('records');
        }
      });
      return { b, baseSlot, expertSlot, c: expert ? dot(expert, base) : 1, clipSlot, clipExpertSlot, clipC, spans, n: clips.length, frames: frames.length, clipFactor: withExperts };
    });
    crashPoint('before-sync');
    files.sync();
    crashPoint('after-sync');
    const ids: number[] = [];
    for (const pl of planned) {
      ids.push(
        this.tx(() => {
          const { b } = pl;
          const it = b.item;
          const now = Date.now();
          let id = this.itemByHash(it.hash)?.id;
          if (id === undefined) {
            const r = this.p(
              `INSERT INTO items(hash, modality, size, format, width, height, exif_date, date, duration, sample_rate, channels, added_at, thumbnail, peaks, video)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            ).run(
              it.hash, it.modality, it.size, it.format, it.width, it.height, it.exifDate, it.date, it.durationSec,
              it.sampleRate, it.channels, now, it.thumbnail, it.peaks ? f32ToBlob(it.peaks) : null, b.video ? JSON.stringify(b.video) : null,
            );
            id = Number(r.lastInsertRowid);
          } else if (b.video) {
            // the same content indexed again (another pack): its description follows the newest reading
            this.p('UPDATE items SET video = ? WHERE id = ?').run(JSON.stringify(b.video), id);
          }
          this.p(
            `INSERT INTO files(path, item_id, size, mtime_ms, seen_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(path) DO UPDATE SET item_id = excluded.item_id, size = excluded.size, mtime_ms = excluded.mtime_ms, seen_at = excluded.seen_at`,
          ).run(b.path, id, it.size, b.mtimeMs, now);
          this.p(
            `INSERT OR REPLACE INTO vectors(item_id, pack_id, dim, base, expert, c, factor, clip_spans, clips,
               base_slot, expert_slot, clip_slot, clip_count, clip_expert_slot, clip_c, clip_span_blob, frame_count)
             VALUES (?, ?, ?, X'', NULL, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            // a video has no item expert but its sound moments do: the factor names theirs
            id, packId, dim, pl.c, b.comps.expert || pl.clipFactor ? b.comps.factor : null, pl.baseSlot, pl.expertSlot, pl.clipSlot, pl.n,
            pl.clipExpertSlot, pl.n ? f32ToBlob(pl.clipC) : null, pl.n ? f32ToBlob(pl.spans) : null, pl.frames,
          );
          this.p('DELETE FROM raw_vectors WHERE item_id = ? AND pack_id = ?').run(id, packId);
          for (const [enc, v] of Object.entries(b.comps.raw ?? {})) {
            this.p('INSERT INTO raw_vectors(item_id, pack_id, encoder, vec) VALUES (?, ?, ?, ?)').run(id, packId, enc, f32ToBlob(v));
          }
          if (it.meta) this.putMeta(id, it.meta);
          this.p('DELETE FROM failures WHERE path = ?').run(b.path);
          crashPoint('in-transaction');
          return id;
        }),
      );
      crashPoint('after-commit');
    }
    return ids;
  }

  /**
   * Rows written before schema v5 keep their vectors in BLOBs: write them to segment files and point the
   * rows at them (same order as any write: reserve, write, sync, commit). Returns how many rows moved.
   */
  moveBlobVectors(): number {
    let moved = 0;
    for (;;) {
      const rows = this.p(
        `SELECT item_id, pack_id, dim, base, expert, c, factor, clip_spans, clips FROM vectors WHERE base_slot IS NULL LIMIT 500`,
      ).all() as { item_id: number; pack_id: string; dim: number; base: unknown; expert: unknown; c: number; factor: string | null; clip_spans: string | null; clips: unknown }[];
      if (rows.length === 0) return moved;
      for (const r of rows) {
        const files = this.vectorFiles(r.pack_id, r.dim);
        const base = blobToF32(r.base);
        const expert = r.expert ? blobToF32(r.expert) : null;
        const spans: [number, number][] = r.clip_spans ? JSON.parse(r.clip_spans) : [];
        const clipVecs = spans.length && r.clips ? blobToF32(r.clips) : null;
        const n = clipVecs ? spans.length : 0;
        const s = this.reserveSlots(r.pack_id, { base: 1, expert: expert ? 1 : 0, 'clip-base': n });
        files.write('base', s.base!, base);
        if (expert) files.write('expert', s.expert!, expert);
        const clipC = new Float32Array(n).fill(1);
        const spanBlob = new Float32Array(n * 2);
        for (let j = 0; j < n; j++) {
          files.write('clip-base', s['clip-base']! + j, clipVecs!.subarray(j * r.dim, (j + 1) * r.dim));
          spanBlob[2 * j] = spans[j]![0];
          spanBlob[2 * j + 1] = spans[j]![1];
        }
        files.sync();
        const rb = asStored(base);
        const c = expert ? dot(asStored(expert), rb) : 1;
        this.p(
          `UPDATE vectors SET base = X'', expert = NULL, clips = NULL, clip_spans = NULL, c = ?, base_slot = ?, expert_slot = ?,
             clip_slot = ?, clip_count = ?, clip_expert_slot = NULL, clip_c = ?, clip_span_blob = ? WHERE item_id = ? AND pack_id = ?`,
        ).run(c, s.base!, expert ? s.expert! : null, n ? s['clip-base']! : null, n, n ? f32ToBlob(clipC) : null, n ? f32ToBlob(spanBlob) : null, r.item_id, r.pack_id);
        moved++;
      }
    }
  }

  /** Forget the vectors of items (their records were found missing or torn); the files re-index. */
  dropVectors(itemIds: number[], packId: string): string[] {
    return this.tx(() => {
      const paths: string[] = [];
      for (const id of itemIds) {
        this.p('DELETE FROM vectors WHERE item_id = ? AND pack_id = ?').run(id, packId);
        paths.push(...this.pathsOf(id));
      }
      return paths;
    });
  }

  private putMeta(itemId: number, meta: MediaMetadata): void {
    this.p(
      `INSERT INTO item_meta(item_id, json, captured_at, lat, lon, read_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(item_id) DO UPDATE SET json = excluded.json, captured_at = excluded.captured_at, lat = excluded.lat, lon = excluded.lon, read_at = excluded.read_at`,
    ).run(itemId, JSON.stringify(meta), meta.capturedAt ?? null, meta.gps?.lat ?? null, meta.gps?.lon ?? null, Date.now());
  }

  /** Store (or replace) an item's embedded metadata: the backfill path for items indexed before schema v8. */
  writeMeta(itemId: number, meta: MediaMetadata): void {
    this.db.transaction(() => this.putMeta(itemId, meta))();
  }

  hasMeta(itemId: number): boolean {
    return this.p('SELECT 1 AS x FROM item_meta WHERE item_id = ?').get(itemId) !== undefined;
  }

  meta(itemId: number): MediaMetadata | null {
    const r = row<{ json: string }>(this.p('SELECT json FROM item_meta WHERE item_id = ?').get(itemId));
    if (!r) return null;
    try {
      return JSON.parse(r.json) as MediaMetadata;
    } catch {
      return null;
    }
  }

  recordFailure(path: string, reason: string, size: number | null, mtimeMs: number | null): void {
    this.tx(() => {
      this.p('INSERT OR REPLACE INTO failures(path, reason, size, mtime_ms, at) VALUES (?, ?, ?, ?, ?)').run(path, reason, size, mtimeMs, Date.now());
      // A file that used to index and now fails no longer stands for its old content.
      this.p('DELETE FROM files WHERE path = ?').run(path);
    });
  }

  removeFile(path: string): void {
    this.tx(() => {
      this.p('DELETE FROM files WHERE path = ?').run(path);
      this.p('DELETE FROM failures WHERE path = ?').run(path);
    });
  }

  /** Delete items no path points at any more (with vectors, via cascade); returns their ids and thumbnails. */
  collectOrphans(): { id: number; thumbnail: string | null }[] {
    return this.tx(() => {
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
    });
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

  /** The stored clip vectors of an audio item: spans, base vectors (n × dim), experts and c when stored. */
  clips(itemId: number, packId: string): StoredClips | null {
    const r = row<SlotRow>(this.p(`SELECT ${SLOT_COLS} FROM vectors v JOIN items i ON i.id = v.item_id WHERE v.item_id = ? AND v.pack_id = ?`).get(itemId, packId));
    if (!r || !r.clip_count) return null;
    const m = slotMeta(r);
    const files = this.vectorFiles(packId, r.dim);
    const vectors = new Float32Array(m.clipCount * r.dim);
    const withExp = m.clipCount - m.frameCount;
    const experts = m.clipExpertSlot !== null && withExp > 0 ? new Float32Array(withExp * r.dim) : null;
    // an item's clip records are consecutive slots: one read per kind, each record still checked
    let ok = true;
    const into = (out: Float32Array, first: number) => (slot: number) => ({ out, offset: (slot - first) * r.dim });
    const check = (_slot: number, good: boolean) => (ok &&= good);
    files.readRange('clip-base', m.clipSlot!, m.clipCount, into(vectors, m.clipSlot!), check);
    if (ok && experts) files.readRange('clip-expert', m.clipExpertSlot!, withExp, into(experts, m.clipExpertSlot!), check);
    if (!ok) return null;
    const spans: [number, number][] = [];
    for (let j = 0; j < m.clipCount; j++) spans.push([m.clipSpans![2 * j]!, m.clipSpans![2 * j + 1]!]);
    return { spans, vectors, experts, c: m.clipC!, factor: experts ? m.factor ?? 'audio' : null, frameCount: m.frameCount };
  }

  /** How many vectors (item base + expert, clip base + expert) the pack has stored. */
  vectorCount(packId: string): { items: number; moments: number; vectors: number } {
    const r = row<{ items: number; moments: number; vectors: number }>(
      this.p(
        `SELECT COUNT(*) AS items, COALESCE(SUM(clip_count), 0) AS moments,
           COUNT(*) + COUNT(expert_slot) + COALESCE(SUM(clip_count), 0) + COALESCE(SUM(CASE WHEN clip_expert_slot IS NULL THEN 0 ELSE clip_count END), 0) AS vectors
         FROM vectors WHERE pack_id = ?`,
      ).get(packId),
    )!;
    return { items: Number(r.items), moments: Number(r.moments), vectors: Number(r.vectors) };
  }

  /**
   * What the pack's vector rows are, in one aggregate over them (no row reaches JavaScript): counts, sums and
   * maxima of item ids and slots, and the item fields search filters read. Slots are handed out once and
   * never reused, so any write, removal or re-encoding changes it; approximate mode's snapshot names it.
   */
  vectorFingerprint(packId: string, dim: number): string {
    const r = this.p(
      `SELECT count(*), total(v.item_id), total(v.base_slot), max(v.base_slot), total(coalesce(v.expert_slot, -1)),
         max(coalesce(v.expert_slot, -1)), total(coalesce(v.clip_slot, -1)), max(coalesce(v.clip_slot, -1)),
         total(coalesce(v.clip_expert_slot, -1)), total(v.clip_count), total(v.frame_count), total(v.c), total(i.date),
         total(coalesce(i.duration, -1)), total((v.item_id * 40503 + v.base_slot * 7 + length(i.modality) * 131 + length(coalesce(v.factor, '')) * 17) % 1000003)
       FROM vectors v JOIN items i ON i.id = v.item_id WHERE v.pack_id = ? AND v.dim = ? AND v.base_slot IS NOT NULL`,
    ).raw().get(packId, dim) as unknown[];
    return `${packId}|${dim}|${r.map((x) => String(x ?? '')).join(',')}`;
  }

  /** Every item with vectors for the pack: where its records are, not the vectors (for the bulk loader). */
  *allVectorMeta(packId: string): Generator<VectorMeta> {
    const it = (this.db as unknown as { prepare(s: string): Stmt })
      .prepare(`SELECT ${SLOT_COLS} FROM vectors v JOIN items i ON i.id = v.item_id WHERE v.pack_id = ? AND v.base_slot IS NOT NULL ORDER BY v.base_slot`)
      .iterate(packId) as Iterable<SlotRow>;
    for (const r of it) yield slotMeta(r);
  }

  /** Every item with vectors for the pack, vectors read from the segment files (small libraries, tests). */
  *allVectors(packId: string): Generator<StoredVectors> {
    for (const m of this.allVectorMeta(packId)) {
      const v = this.readVectors(packId, m);
      if (v) yield v;
    }
  }

  private readVectors(packId: string, m: VectorMeta): StoredVectors | null {
    const files = this.vectorFiles(packId, m.dim);
    const base = new Float32Array(m.dim);
    if (!files.read('base', m.baseSlot, base)) return null;
    let expert: Float32Array | null = null;
    if (m.expertSlot !== null) {
      expert = new Float32Array(m.dim);
      if (!files.read('expert', m.expertSlot, expert)) return null;
    }
    return { itemId: m.itemId, modality: m.modality, base, expert, c: m.c, factor: m.factor, date: m.date, durationSec: m.durationSec };
  }

  vectorMetaOf(itemId: number, packId: string): VectorMeta | null {
    const r = row<SlotRow>(this.p(`SELECT ${SLOT_COLS} FROM vectors v JOIN items i ON i.id = v.item_id WHERE v.item_id = ? AND v.pack_id = ? AND v.base_slot IS NOT NULL`).get(itemId, packId));
    return r ? slotMeta(r) : null;
  }

  vectorsOf(itemId: number, packId: string): StoredVectors | null {
    const r = row<SlotRow>(this.p(`SELECT ${SLOT_COLS} FROM vectors v JOIN items i ON i.id = v.item_id WHERE v.item_id = ? AND v.pack_id = ? AND v.base_slot IS NOT NULL`).get(itemId, packId));
    return r ? this.readVectors(packId, slotMeta(r)) : null;
  }
}

export interface StoredClips {
  spans: [number, number][];
  /** n × dim base vectors. */
  vectors: Float32Array;
  /** n × dim expert vectors, or null when the clips have none. */
  experts: Float32Array | null;
  /** expert·base per clip (1 without experts). */
  c: Float32Array;
  factor: 'text' | 'audio' | null;
  /** A video: the last frameCount clips are frame moments (pictures; `experts` covers only the sound clips before them). */
  frameCount: number;
}

export interface VectorMeta {
  itemId: number;
  modality: ItemModality;
  date: number;
  durationSec: number | null;
  dim: number;
  c: number;
  factor: 'text' | 'audio' | null;
  baseSlot: number;
  expertSlot: number | null;
  clipSlot: number | null;
  clipCount: number;
  clipExpertSlot: number | null;
  clipC: Float32Array | null;
  /** [start0, end0, start1, end1, …] seconds. */
  clipSpans: Float32Array | null;
  /** A video: how many of the clips (the last ones) are frame moments; 0 otherwise. */
  frameCount: number;
}

interface SlotRow {
  id: number; modality: ItemModality; date: number; duration: number | null; dim: number; c: number; factor: 'text' | 'audio' | null;
  base_slot: number; expert_slot: number | null; clip_slot: number | null; clip_count: number; clip_expert_slot: number | null;
  clip_c: unknown; clip_span_blob: unknown; frame_count: number | null;
}

const SLOT_COLS = `i.id, i.modality, i.date, i.duration, v.dim, v.c, v.factor, v.base_slot, v.expert_slot, v.clip_slot, v.clip_count,
  v.clip_expert_slot, v.clip_c, v.clip_span_blob, v.frame_count`;

function slotMeta(r: SlotRow): VectorMeta {
  const n = Number(r.clip_count ?? 0);
  return {
    itemId: Number(r.id), modality: r.modality, date: r.date, durationSec: r.duration, dim: Number(r.dim), c: r.c, factor: r.factor,
    baseSlot: Number(r.base_slot), expertSlot: r.expert_slot === null ? null : Number(r.expert_slot),
    clipSlot: r.clip_slot === null ? null : Number(r.clip_slot), clipCount: n,
    clipExpertSlot: r.clip_expert_slot === null ? null : Number(r.clip_expert_slot),
    clipC: n && r.clip_c ? blobToF32(r.clip_c) : null, clipSpans: n && r.clip_span_blob ? blobToF32(r.clip_span_blob) : null,
    frameCount: Number(r.frame_count ?? 0),
  };
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

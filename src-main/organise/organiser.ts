import { Worker } from 'node:worker_threads';
import { blobToF32, f32ToBlob, row, type Db } from '../library/db';
import type { Library } from '../library/library';
import { workerPath } from '../runtime/worker-path';
import { MOD_AUDIO, MOD_IMAGE, MOD_VIDEO, modalityName } from '../search/vector-store';
import type { Factors } from '../domain/types';
import { Collections } from './collections';
import { exactDuplicateGroups, groupNearDuplicates, DEFAULT_GROUPING } from './near-duplicates';
import { similarityTopK } from './similarity-topk-onnx';
import { fusedItemRows, suggestTags, type LabelVectors, type TagOptions } from './tags';
import { builtinVocabularies, parseLabelList, promptFor, type Label, type Vocabulary } from './vocabulary';
import type { MapLayout } from './projection';
import type { DuplicatesReport, GroupingOptions, ItemTagsView, MapPoint, VocabularyInfo, VocabularyTarget } from './types';

/**
 * The organise features on top of an open Library: zero-shot tags (with the user's confirmed / removed tags
 * kept apart), exact and near duplicates, collections, and the 2-D map. Plain Node; the Electron layer and the
 * bridge call it through the IPC handlers.
 */
export interface UserVocabularyInput {
  id: string;
  name: string;
  target: VocabularyTarget;
  promptTemplate?: string;
  /** One label per line; `parent > label` for hierarchy. */
  labels: string;
}

export interface TagsRequest {
  vocab: string;
  top?: number;
  threshold?: number;
  factors?: Factors;
  /** Only these items (e.g. the visible page); default: every item the vocabulary applies to. */
  itemIds?: number[];
}

export type Trasher = (path: string) => Promise<void>;

const EMBED_BATCH = 32;

export class Organiser {
  readonly collections: Collections;

  constructor(
    private readonly library: Library,
    private readonly trasher: Trasher = defaultTrasher,
  ) {
    this.collections = new Collections(library.database, library);
  }

  private get db(): Db {
    return this.library.database;
  }

  // ---- vocabularies -------------------------------------------------------------------------------------

  private builtins: Vocabulary[] | undefined;

  vocabularies(): Vocabulary[] {
    this.builtins ??= builtinVocabularies();
    const user = (this.db.prepare('SELECT id, name, target, prompt_template, labels FROM user_vocabularies ORDER BY name').all() as {
      id: string; name: string; target: VocabularyTarget; prompt_template: string; labels: string;
    }[]).map((r) => ({
      id: r.id,
      name: r.name,
      target: r.target,
      promptTemplate: r.prompt_template,
      labels: JSON.parse(r.labels) as Label[],
      builtin: false,
    }));
    return [...this.builtins, ...user];
  }

  vocabularyInfos(): VocabularyInfo[] {
    return this.vocabularies().map((v) => ({
      id: v.id, name: v.name, target: v.target, promptTemplate: v.promptTemplate, labelCount: v.labels.length, builtin: v.builtin, licence: v.licence,
    }));
  }

  vocabulary(id: string): Vocabulary {
    const v = this.vocabularies().find((x) => x.id === id);
    if (!v) throw new Error(`no vocabulary "${id}" (have: ${this.vocabularies().map((x) => x.id).join(', ')})`);
    return v;
  }

  saveUserVocabulary(input: UserVocabularyInput): VocabularyInfo {
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(input.id)) throw new Error('vocabulary id: 1–64 lower-case letters, digits, - or _');
    if (builtinVocabularies().some((b) => b.id === input.id)) throw new Error(`"${input.id}" is a built-in vocabulary and cannot be edited`);
    const labels = parseLabelList(input.labels);
    if (labels.length === 0) throw new Error('a vocabulary needs at least one label');
    if (labels.length > 5000) throw new Error('a vocabulary may have at most 5000 labels');
    const template = input.promptTemplate ?? (input.target === 'image' ? 'a photo of {label}' : 'a sound of {label}');
    if (!template.includes('{label}')) throw new Error('the prompt template must contain {label}');
    this.db
      .prepare('INSERT OR REPLACE INTO user_vocabularies (id, name, target, prompt_template, labels, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(input.id, input.name.trim() || input.id, input.target, template, JSON.stringify(labels), Date.now());
    return this.vocabularyInfos().find((v) => v.id === input.id)!;
  }

  deleteUserVocabulary(id: string): void {
    this.db.prepare('DELETE FROM user_vocabularies WHERE id = ?').run(id);
  }

  /** Prompt vectors for a vocabulary, embedded once per pack (cached in label_vectors). */
  async labelVectors(vocab: Vocabulary): Promise<LabelVectors> {
    const space = this.library.engineSpace;
    const d = space.dim;
    const packId = space.packId;
    const get = this.db.prepare('SELECT a, u FROM label_vectors WHERE pack_id = ? AND vocab_id = ? AND label_id = ? AND prompt = ?');
    const a = new Float32Array(vocab.labels.length * d);
    let u: Float32Array | null = null;
    const missing: number[] = [];
    vocab.labels.forEach((l, i) => {
      const r = row<{ a: unknown; u: unknown }>(get.get(packId, vocab.id, l.id, promptFor(vocab, l)));
      if (!r) return missing.push(i);
      a.set(blobToF32(r.a), i * d);
      if (r.u) (u ??= new Float32Array(vocab.labels.length * d)).set(blobToF32(r.u), i * d);
    });
    if (missing.length > 0) {
      const put = this.db.prepare('INSERT OR REPLACE INTO label_vectors (pack_id, vocab_id, label_id, prompt, a, u) VALUES (?, ?, ?, ?, ?, ?)');
      for (let s = 0; s < missing.length; s += EMBED_BATCH) {
        const part = missing.slice(s, s + EMBED_BATCH);
        const comps = await space.embedTexts(part.map((i) => promptFor(vocab, vocab.labels[i]!)));
        this.db.transaction(() => {
          part.forEach((i, k) => {
            const c = comps[k]!;
            a.set(c.base, i * d);
            if (c.expert) (u ??= new Float32Array(vocab.labels.length * d)).set(c.expert, i * d);
            const l = vocab.labels[i]!;
            put.run(packId, vocab.id, l.id, promptFor(vocab, l), f32ToBlob(c.base), c.expert ? f32ToBlob(c.expert) : null);
          });
        })();
      }
    }
    return { vocabId: vocab.id, labels: vocab.labels, dim: d, a, u };
  }

  // ---- tags -----------------------------------------------------------------------------------------------

  async tags(req: TagsRequest): Promise<ItemTagsView[]> {
    const vocab = this.vocabulary(req.vocab);
    const lv = await this.labelVectors(vocab);
    const factors = req.factors ?? (await this.library.getFactors());
    const opts: TagOptions = { top: clampInt(req.top ?? 5, 1, 100), threshold: req.threshold ?? -1 };
    const only = req.itemIds ? new Set(req.itemIds) : undefined;
    const user = this.userTags(vocab.id, req.itemIds);
    // Ask for extra candidates so that labels the user removed can be dropped without leaving the list short.
    const maxRemoved = Math.max(0, ...[...user.values()].map((u) => u.removed.length));
    await this.library.vectorsReady();
    const suggested = await suggestTags(this.library.vectorStore, lv, vocab.target, factors, { ...opts, top: opts.top + maxRemoved }, only);
    return suggested.map((t) => {
      const u = user.get(t.itemId) ?? { confirmed: [], removed: [] };
      const removed = new Set(u.removed);
      const labels = t.labels.filter((l) => !removed.has(l.labelId)).slice(0, opts.top);
      return { ...t, labels, categories: t.categories.filter((c) => labels.some((l) => l.labelId === c.via)), confirmed: u.confirmed, removed: u.removed };
    });
  }

  private userTags(vocabId: string, itemIds?: number[]): Map<number, { confirmed: { labelId: string; name: string }[]; removed: string[] }> {
    const rows = this.db
      .prepare('SELECT item_id, label_id, name, state FROM user_tags WHERE vocab_id = ? ORDER BY at')
      .all(vocabId) as { item_id: number; label_id: string; name: string; state: 'confirmed' | 'removed' }[];
    const only = itemIds ? new Set(itemIds) : null;
    const out = new Map<number, { confirmed: { labelId: string; name: string }[]; removed: string[] }>();
    for (const r of rows) {
      const id = Number(r.item_id);
      if (only && !only.has(id)) continue;
      const e = out.get(id) ?? { confirmed: [], removed: [] };
      if (r.state === 'confirmed') e.confirmed.push({ labelId: r.label_id, name: r.name });
      else e.removed.push(r.label_id);
      out.set(id, e);
    }
    return out;
  }

  /** The user confirms a label on an item (suggested or not); it then always shows and is never overwritten. */
  setUserTag(itemId: number, vocabId: string, labelId: string, state: 'confirmed' | 'removed'): void {
    const vocab = this.vocabulary(vocabId);
    const label = vocab.labels.find((l) => l.id === labelId);
    if (!label) throw new Error(`vocabulary "${vocabId}" has no label "${labelId}"`);
    if (!row(this.db.prepare('SELECT 1 FROM items WHERE id = ?').get(itemId))) throw new Error(`no library item ${itemId}`);
    this.db
      .prepare('INSERT OR REPLACE INTO user_tags (item_id, vocab_id, label_id, name, state, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(itemId, vocabId, labelId, label.name, state, Date.now());
  }

  clearUserTag(itemId: number, vocabId: string, labelId: string): void {
    this.db.prepare('DELETE FROM user_tags WHERE item_id = ? AND vocab_id = ? AND label_id = ?').run(itemId, vocabId, labelId);
  }

  /** Items carrying a label: confirmed by the user, or suggested (in the top N, above the threshold) and not removed. */
  async itemsWithTag(vocabId: string, labelId: string, opts: { top?: number; threshold?: number; factors?: Factors } = {}): Promise<{ itemId: number; score: number | null; confirmed: boolean }[]> {
    const all = await this.tags({ vocab: vocabId, top: opts.top, threshold: opts.threshold, factors: opts.factors });
    const out: { itemId: number; score: number | null; confirmed: boolean }[] = [];
    for (const t of all) {
      const confirmed = t.confirmed.some((c) => c.labelId === labelId);
      const hit = t.labels.find((l) => l.labelId === labelId) ?? t.categories.find((c) => c.labelId === labelId);
      if (confirmed || hit) out.push({ itemId: t.itemId, score: hit?.score ?? null, confirmed });
    }
    return out.sort((a, b) => Number(b.confirmed) - Number(a.confirmed) || (b.score ?? 0) - (a.score ?? 0));
  }

  /** Labels whose name contains the text (case-insensitive), for tag search boxes. */
  findLabels(vocabId: string, text: string, limit = 50): Label[] {
    const q = text.trim().toLowerCase();
    return this.vocabulary(vocabId).labels.filter((l) => l.name.toLowerCase().includes(q)).slice(0, limit);
  }

  // ---- duplicates -----------------------------------------------------------------------------------------

  async duplicates(opts: Partial<GroupingOptions> = {}): Promise<DuplicatesReport> {
    const options = { ...DEFAULT_GROUPING, ...opts };
    const multi = this.db
      .prepare('SELECT item_id, path FROM files WHERE item_id IN (SELECT item_id FROM files GROUP BY item_id HAVING COUNT(*) > 1) ORDER BY item_id, path')
      .all() as { item_id: number; path: string }[];
    const exact = exactDuplicateGroups(multi, (r) => String(r.item_id)).map((g) => ({ itemId: Number(g[0]!.item_id), paths: g.map((r) => r.path) }));

    await this.library.vectorsReady();
    const store = this.library.vectorStore;
    const near: DuplicatesReport['near'] = [];
    for (const [modality, code] of [['image', MOD_IMAGE], ['audio', MOD_AUDIO], ['video', MOD_VIDEO]] as const) {
      const rows: number[] = [];
      for (let r = 0; r < store.size; r++) if (store.modality[r] === code) rows.push(r);
      if (rows.length < 2) continue;
      // Near-duplicates are judged in the base space: it is what every modality has, and it does not move
      // with the presets (a duplicate stays a duplicate whatever the factors).
      const d = store.dim;
      const vecs = new Float32Array(rows.length * d);
      rows.forEach((r, i) => vecs.set(store.baseRow(r), i * d));
      const k = Math.min(16, rows.length - 1);
      const top = await similarityTopK(vecs, rows.length, vecs, rows.length, d, k + 1);
      const indices = new Int32Array(rows.length * k).fill(-1);
      const scores = new Float32Array(rows.length * k).fill(-1);
      for (let i = 0; i < rows.length; i++) {
        let w = 0;
        for (let t = 0; t <= k && w < k; t++) {
          const j = top.indices[i * (k + 1) + t]!;
          if (j === i) continue;
          indices[i * k + w] = j;
          scores[i * k + w] = top.values[i * (k + 1) + t]!;
          w++;
        }
      }
      const sim = (a: number, b: number) => {
        let s = 0;
        for (let t = 0; t < d; t++) s += vecs[a * d + t]! * vecs[b * d + t]!;
        return s;
      };
      for (const g of groupNearDuplicates(rows.length, { indices, scores, k }, sim, options)) {
        near.push({
          modality,
          cohesion: g.cohesion,
          separation: g.separation,
          items: g.members.map((m) => {
            const r = rows[m]!;
            return { itemId: store.ids[r]!, path: store.paths[r]?.[0] ?? '', modality };
          }),
        });
      }
    }
    return { exact, near, options };
  }

  /**
   * Moves files to the system trash (never a silent delete). Only paths that are in the library can be
   * trashed; the index forgets them right away.
   */
  async trash(paths: string[]): Promise<{ trashed: string[]; failed: { path: string; reason: string }[] }> {
    const known = this.db.prepare('SELECT 1 FROM files WHERE path = ?');
    const trashed: string[] = [];
    const failed: { path: string; reason: string }[] = [];
    for (const p of paths) {
      if (!row(known.get(p))) {
        failed.push({ path: p, reason: 'not a library file' });
        continue;
      }
      try {
        await this.trasher(p);
        trashed.push(p);
      } catch (e) {
        failed.push({ path: p, reason: e instanceof Error ? e.message : String(e) });
      }
    }
    if (trashed.length) await this.library.forgetPaths(trashed);
    return { trashed, failed };
  }

  // ---- map ------------------------------------------------------------------------------------------------

  /**
   * The 2-D map for the given factors. Cached per pack and factors; when the library changed since, or for
   * new factors, the previous layout seeds the optimisation (new items start among their neighbours), so
   * points move instead of jumping.
   */
  async map(factors?: Factors, opts: { epochs?: number; onProgress?: (epoch: number, total: number) => void } = {}): Promise<MapPoint[]> {
    const f = factors ?? (await this.library.getFactors());
    await this.library.vectorsReady();
    const store = this.library.vectorStore;
    const packId = this.library.engineSpace.packId;
    const key = `${f.text.toFixed(4)}/${f.audio.toFixed(4)}`;
    const rows = Int32Array.from({ length: store.size }, (_, i) => i);
    const ids = Int32Array.from(rows, (r) => store.ids[r]!);
    const cached = row<{ item_ids: unknown; positions: unknown }>(
      this.db.prepare('SELECT item_ids, positions FROM map_cache WHERE pack_id = ? AND factors_key = ?').get(packId, key),
    );
    let positions: Float32Array | null = null;
    if (cached) {
      const cIds = new Int32Array(toArrayBuffer(cached.item_ids));
      if (cIds.length === ids.length && cIds.every((v, i) => v === ids[i])) positions = blobToF32(cached.positions);
    }
    if (!positions) {
      const init = this.previousLayout(packId, ids);
      const vectors = fusedItemRows(store, rows, f);
      const layout = await runMapWorker(vectors, ids.length, store.dim, { init: init ?? undefined, epochs: opts.epochs }, opts.onProgress);
      positions = layout.positions;
      this.db
        .prepare('INSERT OR REPLACE INTO map_cache (pack_id, factors_key, item_ids, positions, computed_at) VALUES (?, ?, ?, ?, ?)')
        .run(packId, key, Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength), f32ToBlob(positions), Date.now());
    }
    return Array.from(ids, (id, i) => ({
      itemId: id,
      modality: modalityName(store.modality[i]!),
      x: positions![i * 2]!,
      y: positions![i * 2 + 1]!,
    }));
  }

  /** The most recent cached layout of this pack, re-indexed to `ids` (NaN for items it did not have). */
  private previousLayout(packId: string, ids: Int32Array): Float32Array | null {
    const r = row<{ item_ids: unknown; positions: unknown }>(
      this.db.prepare('SELECT item_ids, positions FROM map_cache WHERE pack_id = ? ORDER BY computed_at DESC LIMIT 1').get(packId),
    );
    if (!r) return null;
    const prevIds = new Int32Array(toArrayBuffer(r.item_ids));
    const prevPos = blobToF32(r.positions);
    const where = new Map<number, number>();
    prevIds.forEach((id, i) => where.set(id, i));
    const init = new Float32Array(ids.length * 2).fill(NaN);
    let known = 0;
    ids.forEach((id, i) => {
      const j = where.get(id);
      if (j === undefined) return;
      init[i * 2] = prevPos[j * 2]!;
      init[i * 2 + 1] = prevPos[j * 2 + 1]!;
      known++;
    });
    return known > 0 ? init : null;
  }
}

function toArrayBuffer(b: unknown): ArrayBuffer {
  if (b instanceof ArrayBuffer) return b.slice(0);
  const u = b as Uint8Array;
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
}

function clampInt(v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v)) return lo;
  return Math.max(lo, Math.min(hi, Math.round(v)));
}

async function defaultTrasher(path: string): Promise<void> {
  const { default: trash } = await import('trash');
  await trash([path], { glob: false });
}

/** UMAP runs in a worker thread (it is seconds of CPU for 10k items); progress comes back as messages. */
function runMapWorker(
  vectors: Float32Array,
  n: number,
  d: number,
  opts: { init?: Float32Array; epochs?: number },
  onProgress?: (epoch: number, total: number) => void,
): Promise<MapLayout> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerPath('map'), { workerData: { vectors, n, d, init: opts.init ?? null, epochs: opts.epochs ?? null } });
    w.on('message', (m: { type: 'progress'; epoch: number; total: number } | { type: 'done'; layout: MapLayout } | { type: 'error'; message: string }) => {
      if (m.type === 'progress') onProgress?.(m.epoch, m.total);
      else if (m.type === 'done') {
        resolve(m.layout);
        void w.terminate();
      } else {
        reject(new Error(`map: ${m.message}`));
        void w.terminate();
      }
    });
    w.on('error', reject);
    w.on('exit', (code) => {
      if (code !== 0) reject(new Error(`map worker exited with code ${code}`));
    });
  });
}


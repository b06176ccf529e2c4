/**
 * Bulk load of a pack's vectors from the segment files into the in-memory stores: item rows (VectorStore)
 * and clip rows (MomentStore). Rows come in slot order, so each kind is read in a few large sequential
 * reads. A record that is missing or fails its checksum is never served: its item is reported as damaged.
 */
import { FACTOR_AUDIO, FACTOR_TEXT, type VectorStore } from '../search/vector-store';
import { TRACK_FRAMES, TRACK_SOUND, type MomentStore } from '../search/moment-store';
import type { Repo, VectorMeta } from './repo';
import type { VectorFiles, VectorKind } from './vector-files';

export interface LoadProgress {
  loaded: number;
  total: number;
}

export interface LoadResult {
  items: number;
  moments: number;
  vectors: number;
  /** Items whose records were missing or torn (not loaded). */
  damaged: number[];
  ms: number;
}

/** Rows to load, per kind: slot → (block, row). */
class SlotMap {
  private min = Infinity;
  private max = -1;
  private readonly slots: number[] = [];
  private readonly rows: number[] = [];
  private readonly items: number[] = [];
  add(slot: number, row: number, item: number): void {
    this.slots.push(slot);
    this.rows.push(row);
    this.items.push(item);
    if (slot < this.min) this.min = slot;
    if (slot > this.max) this.max = slot;
  }
  get size(): number {
    return this.slots.length;
  }
  /** Dense index of [min, max] → entry (−1 none). */
  dense(): { first: number; count: number; entry: Int32Array } {
    if (!this.slots.length) return { first: 0, count: 0, entry: new Int32Array(0) };
    const count = this.max - this.min + 1;
    const entry = new Int32Array(count).fill(-1);
    this.slots.forEach((s, i) => (entry[s - this.min] = i));
    return { first: this.min, count, entry };
  }
  row(i: number): number {
    return this.rows[i]!;
  }
  item(i: number): number {
    return this.items[i]!;
  }
}

const yieldNow = () => new Promise<void>((r) => setImmediate(r));

export async function loadVectors(
  repo: Repo,
  files: VectorFiles,
  packId: string,
  store: VectorStore,
  moments: MomentStore,
  paths: Map<number, string[]>,
  onProgress?: (p: LoadProgress) => void,
): Promise<LoadResult> {
  const t0 = performance.now();
  const metas: VectorMeta[] = [...repo.allVectorMeta(packId)].filter((m) => m.dim === store.dim);
  let nExp = 0, nClips = 0, nClipExp = 0;
  for (const m of metas) {
    if (m.expertSlot !== null) nExp++;
    nClips += m.clipCount;
    if (m.clipExpertSlot !== null) nClipExp += m.clipCount - m.frameCount;
  }
  store.reserve(store.size + metas.length, store.expertSize + nExp);
  moments.reserve(moments.size + nClips, moments.expertSize + nClipExp);
  const maps: Record<VectorKind, SlotMap> = { base: new SlotMap(), expert: new SlotMap(), 'clip-base': new SlotMap(), 'clip-expert': new SlotMap() };
  for (const m of metas) {
    const { row, expertRow } = store.addRow(
      { id: m.itemId, modality: m.modality, c: m.c, factor: m.factor, date: m.date, durationSec: m.durationSec, paths: paths.get(m.itemId) ?? [] },
      m.expertSlot !== null,
    );
    maps.base.add(m.baseSlot, row, m.itemId);
    if (expertRow >= 0) maps.expert.add(m.expertSlot!, expertRow, m.itemId);
    if (m.clipCount && m.clipSlot !== null && m.clipSpans) {
      const fk = m.factor === 'text' ? FACTOR_TEXT : FACTOR_AUDIO;
      const sound = m.clipCount - m.frameCount; // a video's frame moments come after its sound moments
      for (let j = 0; j < m.clipCount; j++) {
        const withExp = m.clipExpertSlot !== null && m.factor !== null && j < sound;
        const r = moments.addRow(m.itemId, j, m.clipSpans[2 * j]!, m.clipSpans[2 * j + 1]!, fk, m.clipC ? m.clipC[j]! : 1, withExp, j < sound ? TRACK_SOUND : TRACK_FRAMES);
        maps['clip-base'].add(m.clipSlot + j, r, m.itemId);
        if (withExp) maps['clip-expert'].add(m.clipExpertSlot! + j, moments.expertRow[r]!, m.itemId);
      }
    }
  }
  const total = maps.base.size + maps.expert.size + maps['clip-base'].size + maps['clip-expert'].size;
  const damaged = new Set<number>();
  let loaded = 0;
  let lastReport = 0;
  const blocks: Record<VectorKind, { at(r: number): { view: Float32Array; offset: number } }> = {
    base: store.baseBlock, expert: store.expertBlock, 'clip-base': moments.baseBlock, 'clip-expert': moments.expertBlock,
  };
  for (const kind of ['base', 'expert', 'clip-base', 'clip-expert'] as const) {
    const map = maps[kind];
    const { first, count, entry } = map.dense();
    const block = blocks[kind];
    // in blocks, yielding between them, so the process answers (listing, progress) while vectors load
    const STEP = 16384;
    for (let b0 = 0; b0 < count; b0 += STEP) {
    if (b0) await yieldNow();
    files.readRange(
      kind, first + b0, Math.min(STEP, count - b0),
      (slot) => {
        const e = entry[slot - first]!;
        if (e < 0) return null;
        const { view, offset } = block.at(map.row(e));
        return { out: view, offset };
      },
      (slot, ok) => {
        if (!ok) damaged.add(map.item(entry[slot - first]!));
        loaded++;
        if (onProgress && loaded - lastReport >= 65536) {
          lastReport = loaded;
          onProgress({ loaded, total });
        }
      },
    );
    }
  }
  for (const id of damaged) {
    store.remove(id);
    moments.remove(id);
  }
  onProgress?.({ loaded: total, total });
  return { items: store.size, moments: moments.size, vectors: total, damaged: [...damaged], ms: performance.now() - t0 };
}

/**
 * `npm run bench -- organise [--items N] [--labels M] [--map-items K] [--dim D] [--json]`
 * Zero-shot tagging of N synthetic items (half audio with base + expert, half images) against M label prompts
 * (default 632, the AudioSet ontology's size) under both presets, on the same code path as the app
 * (fused vectors → ONNX Runtime MatMul + TopK); and the 2-D map (kNN on ONNX Runtime + UMAP) of K items.
 * Vectors are random unit vectors (clustered for the map), so the figures are about speed, not meaning.
 */
import { VectorStore } from '../src-main/search/vector-store';
import { PRESETS } from '../src-main/domain/types';
import { suggestTags, type LabelVectors } from '../src-main/organise/tags';
import { computeMap } from '../src-main/organise/projection';
import { centred, xorshift32 } from '../test/helpers/random';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return Math.floor(v);
};
const json = args.includes('--json');
const items = opt('items', 100_000);
const labels = opt('labels', 632);
const mapItems = opt('map-items', 10_000);
const dim = opt('dim', 1024);

const r = centred(xorshift32(7));
const fillUnit = (v: Float32Array, o: number, d: number) => {
  let n = 0;
  for (let i = 0; i < d; i++) n += (v[o + i] = r()) ** 2;
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < d; i++) v[o + i]! *= inv;
};

const store = new VectorStore(dim, items, Math.ceil(items / 2));
const b = new Float32Array(dim);
const x = new Float32Array(dim);
for (let i = 0; i < items; i++) {
  const audio = i % 2 === 0;
  fillUnit(b, 0, dim);
  if (audio) fillUnit(x, 0, dim);
  let c = 0;
  if (audio) for (let k = 0; k < dim; k++) c += x[k]! * b[k]!;
  store.upsert({ id: i + 1, modality: audio ? 'audio' : 'image', base: b, expert: audio ? x : null, c: audio ? c : 1, factor: audio ? 'audio' : null, date: 0, durationSec: null, paths: [] });
}
const lv: LabelVectors = {
  vocabId: 'bench',
  labels: Array.from({ length: labels }, (_, i) => ({ id: String(i), name: `label ${i}`, parents: [] })),
  dim,
  a: new Float32Array(labels * dim),
  u: new Float32Array(labels * dim),
};
for (let i = 0; i < labels; i++) {
  fillUnit(lv.a, i * dim, dim);
  fillUnit(lv.u!, i * dim, dim);
}

const tagMs: Record<string, number> = {};
for (const [name, factors] of Object.entries(PRESETS)) {
  const t0 = performance.now();
  const out = await suggestTags(store, lv, 'all', factors, { top: 5, threshold: -1 });
  tagMs[name] = performance.now() - t0;
  if (out.length !== items) throw new Error('tagging lost items');
}

// Map: K items in 20 clusters.
const centres = new Float32Array(20 * dim);
for (let c = 0; c < 20; c++) fillUnit(centres, c * dim, dim);
const mv = new Float32Array(mapItems * dim);
for (let i = 0; i < mapItems; i++) {
  const c = i % 20;
  let n = 0;
  for (let k = 0; k < dim; k++) n += (mv[i * dim + k] = centres[c * dim + k]! + 0.6 * r() / Math.sqrt(dim) * 4) ** 2;
  const inv = 1 / Math.sqrt(n);
  for (let k = 0; k < dim; k++) mv[i * dim + k]! *= inv;
}
const m0 = performance.now();
const layout = await computeMap(mv, mapItems, dim, {});
const mapMs = performance.now() - m0;
const w0 = performance.now();
await computeMap(mv, mapItems, dim, { init: layout.positions, seed: 43 });
const warmMs = performance.now() - w0;

const result = {
  items, labels, dim,
  tag_ms: tagMs,
  tag_items_per_s: Math.round(items / (tagMs.versatile! / 1000)),
  map_items: mapItems,
  map_ms: Math.round(mapMs),
  map_epochs: layout.epochs,
  map_warm_start_ms: Math.round(warmMs),
};
if (json) console.log(JSON.stringify(result));
else {
  console.log(`zero-shot tags: ${items} items × ${labels} labels × ${dim}-d, top 5`);
  for (const [k, v] of Object.entries(tagMs)) console.log(`  ${k.padEnd(13)} ${(v / 1000).toFixed(2)} s  (${Math.round(items / (v / 1000))} items/s)`);
  console.log(`map: ${mapItems} items, ${layout.epochs} epochs: ${(mapMs / 1000).toFixed(1)} s cold, ${(warmMs / 1000).toFixed(1)} s warm start (preset change)`);
}

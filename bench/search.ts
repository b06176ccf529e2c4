/**
 * `npm run bench -- search [--items N] [--dim D] [--audio-fraction F] [--runs R] [--json]`
 * A live-factor text query over synthetic unit vectors: audio items store base + expert (factor audio),
 * image items base only. Times the whole search (scan of every stored vector against the query's a and u,
 * live-factor combination, filters, top-k) and a factor move (rerank: no scan, no model). Also compiles
 * bench/native/scan.c (cc -O3 -march=native) and runs the same workload in C as the memory-bandwidth floor.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SearchEngine } from '../src-main/search/engine';
import { VectorStore } from '../src-main/search/vector-store';
import { PRESETS } from '../src-main/domain/types';
import { centred, xorshift32 } from '../test/helpers/random';
import { numOpt } from './args';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => numOpt(name, def, { positive: true });
const json = args.includes('--json');
const items = Math.floor(opt('items', 100_000));
const dim = Math.floor(opt('dim', 1024));
const audioFraction = Math.min(1, opt('audio-fraction', 0.5));
const runs = Math.floor(opt('runs', 30));

const r = centred(xorshift32(42));
const unit = (v: Float32Array) => {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
};
const randUnit = () => unit(Float32Array.from({ length: dim }, r));

const nAudio = Math.round(items * audioFraction);
const store = new VectorStore(dim, items, Math.max(1, nAudio));
const b = new Float32Array(dim);
const x = new Float32Array(dim);
for (let i = 0; i < items; i++) {
  for (let k = 0; k < dim; k++) b[k] = r();
  unit(b);
  const audio = i < nAudio;
  let c = 1;
  if (audio) {
    for (let k = 0; k < dim; k++) x[k] = 0.5 * b[k]! + r() * 0.03;
    unit(x);
    c = 0;
    for (let k = 0; k < dim; k++) c += x[k]! * b[k]!;
  }
  store.upsert({ id: i + 1, modality: audio ? 'audio' : 'image', base: b, expert: audio ? x : null, c, factor: audio ? 'audio' : null, date: 0, durationSec: audio ? 10 : null, paths: [`/bench/${i}`] });
}
const a = randUnit();
const u = randUnit();
let ua = 0;
for (let k = 0; k < dim; k++) ua += a[k]! * u[k]!;
const engine = new SearchEngine(store, { encode: async () => ({ a, u, factor: 'text', ua }) });

const pct = (t: number[], p: number) => [...t].sort((m, n) => m - n)[Math.min(t.length - 1, Math.floor(t.length * p))]!;
const search: number[] = [];
const rerank: number[] = [];
for (let i = 0; i < runs + 3; i++) {
  const f = i % 2 ? PRESETS.versatile : PRESETS['at-expertise'];
  const t0 = performance.now();
  const res = await engine.search({ terms: [{ weight: 1, atom: { kind: 'text', text: 'bench' } }], k: 20, factors: f });
  const t1 = performance.now();
  engine.rerank(res.queryId, { text: 0.3 + 0.01 * (i % 10), audio: 0.6 });
  const t2 = performance.now();
  if (i >= 3) {
    search.push(t1 - t0);
    rerank.push(t2 - t1);
  }
}

let floor: { p50_ms: number; p95_ms: number; gbps: number } | null = null;
let floorError: string | undefined;
try {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const src = [resolve(here, '../../bench/native/scan.c'), resolve(here, 'native/scan.c')].find(existsSync);
  if (!src) throw new Error('bench/native/scan.c not found');
  const exe = join(mkdtempSync(join(tmpdir(), 'molecule-scan-')), 'scan');
  execFileSync('cc', ['-O3', '-march=native', '-o', exe, src], { stdio: 'pipe' });
  floor = JSON.parse(execFileSync(exe, [String(items), String(dim), String(nAudio), String(runs)], { encoding: 'utf8' }));
} catch (e) {
  floorError = e instanceof Error ? e.message.split('\n')[0] : String(e);
}

const out = {
  items, dim, p50_ms: +pct(search, 0.5).toFixed(3), p95_ms: +pct(search, 0.95).toFixed(3),
  audio_items_with_expert: nAudio, simd: store.baseBlock.simd,
  rerank_p50_ms: +pct(rerank, 0.5).toFixed(3), rerank_p95_ms: +pct(rerank, 0.95).toFixed(3),
  c_floor_p50_ms: floor?.p50_ms ?? null, c_floor_gbps: floor?.gbps ?? null,
  ratio_to_floor: floor ? +(pct(search, 0.5) / floor.p50_ms).toFixed(2) : null,
  js_gbps: +(((items + nAudio) * dim * 4) / (pct(search, 0.5) / 1e3) / 1e9).toFixed(2),
  ...(floorError ? { c_floor_error: floorError } : {}),
};
if (json) {
  console.log(JSON.stringify(out));
} else {
  console.log(`search over ${items} items × ${dim} (${nAudio} with expert vectors), ${runs} runs, WebAssembly SIMD: ${out.simd}`);
  console.log(`  full search (scan + live factors + top-20): p50 ${out.p50_ms} ms, p95 ${out.p95_ms} ms (${out.js_gbps} GB/s)`);
  console.log(`  factor move (rerank, no scan):             p50 ${out.rerank_p50_ms} ms, p95 ${out.rerank_p95_ms} ms`);
  if (floor) console.log(`  C floor (cc -O3 -march=native, same rows): p50 ${floor.p50_ms} ms (${floor.gbps} GB/s) → ratio ${out.ratio_to_floor}×`);
  else console.log(`  C floor unavailable: ${floorError}`);
}

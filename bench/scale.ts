/**
 * `npm run -s bench -- scale --items N --clips-per-audio K --dim D [--json] [--queries Q] [--recall-queries R]
 *   [--generator clustered|uniform] [--dir DIR] [--keep] [--ann-threshold V] [--ann-probe P] [--ann-candidates R]
 *   [--ann-threads 0|1]`
 *
 * Builds a synthetic library through the real storage path (Repo.writeItems: slots reserved in SQLite,
 * float16 records + binary codes written and fdatasync'd, rows committed; then one open, which trains and
 * assigns the inverted files when the library is past the approximate threshold): half images (base
 * vector), half audio items (base + expert, and K clips each with their own base + expert vector).
 * Then, in a FRESH process, opens it and measures: time to the first listing page, time to the first
 * search result, search p50/p95 (moments included, live factors alternating between the presets), peak
 * RSS; a third process computes the exact top-10 files of R queries by brute force over every stored
 * vector, for recall@10. Prints one JSON line with --json. `--reuse` with `--dir` measures a library an
 * earlier run kept without building it again (after one settling open, as a build ends with). Beside every wall time the line gives the CPU time the
 * measuring process used (`*_cpu_ms`) and `load_avg` (1-min load before and after measuring): on a shared,
 * loaded machine the wall times are inflated and the CPU times are the figures to compare.
 *
 * Generator "clustered" (default): 512 cluster centres on the unit sphere; expert centres correlated with
 * them; an image is its centre plus noise; an audio file has a file centre near a cluster centre, its
 * item and moment vectors scattered around it (moments more than the item); queries are a cluster centre
 * plus noise in both spaces. "uniform": every vector uniform on the sphere (the worst case).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Library } from '../src-main/library/library';
import { openDb } from '../src-main/library/db';
import { Repo, type NewItem } from '../src-main/library/repo';
import { exactTopFiles } from '../src-main/library/exact-truth';
import { fusedQuery } from '../src-main/search/engine';
import type { QueryTerm } from '../src-main/search/live-score';
import { PRESETS, type Factors } from '../src-main/domain/types';
import type { EmbeddingComponents, Space } from '../src-main/space/types';
import { numOpt as opt, strOpt as str } from './args';

const args = process.argv.slice(2);
const items = Math.floor(opt('items', 10_000));
const K = Math.floor(opt('clips-per-audio', 30));
const dim = Math.floor(opt('dim', 1024));
const nQueries = Math.floor(opt('queries', 30));
const nRecall = Math.floor(opt('recall-queries', 10));
const generator = str('generator') ?? 'clustered';
const annThreshold = opt('ann-threshold', 1_000_000);
const annProbe = args.includes('--ann-probe') ? opt('ann-probe', 24) : undefined;
const annCandidates = args.includes('--ann-candidates') ? opt('ann-candidates', 1000) : undefined;
const annThreads = args.includes('--ann-threads') ? opt('ann-threads', 1) !== 0 : undefined;
const json = args.includes('--json');
if (dim % 16 !== 0) throw new Error('--dim must be a multiple of 16');
if (generator !== 'clustered' && generator !== 'uniform') throw new Error('--generator is clustered or uniform');

/** A Space with no models: the library's storage and search need only its dimension and factor rules. */
function syntheticSpace(dir: string): Space {
  const no = async (): Promise<never> => {
    throw new Error('the synthetic bench space has no models');
  };
  return {
    packDir: dir, packId: `synthetic-${dim}`, packName: 'synthetic', isTestPack: true, spaceClass: 'IB_PP', dim,
    factorFor: (m) => (m === 'text' ? 'text' : m === 'audio' ? 'audio' : null),
    embedTexts: no, embedImages: no, embedAudios: no, prepareImage: no, prepareAudio: no, encodeImages: no, encodeAudios: no, prepareClips: no, encodeClips: no,
    providers: () => [], close: async () => undefined,
  };
}

// ---- generator ----------------------------------------------------------------------------------------
const GAUSS = 1 << 20;
let seed = 0x9e3779b9;
const rnd = () => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), (seed >>> 0) / 4294967296);
const gauss = new Float32Array(GAUSS);
for (let i = 0; i < GAUSS; i += 2) {
  const u = Math.max(1e-12, rnd()), v = rnd();
  const r = Math.sqrt(-2 * Math.log(u));
  gauss[i] = r * Math.cos(2 * Math.PI * v);
  gauss[i + 1] = r * Math.sin(2 * Math.PI * v);
}
const unit = (v: Float32Array) => {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
};
/** normalize(centre + scale·g), g ~ N(0, I/dim) (|g| ≈ 1), or a uniform unit vector. */
const around = (centre: Float32Array | null, scale: number) => {
  const v = new Float32Array(dim);
  const o = Math.floor(rnd() * GAUSS);
  const s = generator === 'uniform' || !centre ? 1 / Math.sqrt(dim) : scale / Math.sqrt(dim);
  for (let i = 0; i < dim; i++) v[i] = (generator === 'uniform' || !centre ? 0 : centre[i]!) + s * gauss[(o + i * 7) & (GAUSS - 1)]!;
  return unit(v);
};
const CLUSTERS = 512;
const baseCentres = Array.from({ length: CLUSTERS }, () => around(null, 1));
const expertCentres = baseCentres.map((c) => around(c, 1.0));
const dotv = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

function makeItem(i: number): { item: NewItem; comps: EmbeddingComponents } {
  const audio = i % 2 === 1;
  const k = Math.floor(rnd() * CLUSTERS);
  const item: NewItem = {
    hash: `synthetic-${i}`, modality: audio ? 'audio' : 'image', size: 1000 + i, format: audio ? 'wav' : 'jpeg',
    width: audio ? null : 4000, height: audio ? null : 3000, exifDate: null, date: 1_600_000_000_000 + i * 1000,
    durationSec: audio ? K * 2 : null, sampleRate: audio ? 48000 : null, channels: audio ? 2 : null, thumbnail: null, peaks: null,
  };
  if (!audio) return { item, comps: { modality: 'image', base: around(baseCentres[k]!, 0.8), expert: null, c: 1, factor: null, raw: {} } };
  const fb = around(baseCentres[k]!, 0.6), fx = around(expertCentres[k]!, 0.6);
  const base = around(fb, 0.3), expert = around(fx, 0.3);
  const clips = Array.from({ length: K }, (_, j) => ({ startSec: 2 * j, endSec: 2 * j + 2, vector: around(fb, 0.7), expert: around(fx, 0.7) }));
  return { item, comps: { modality: 'audio', base, expert, c: dotv(base, expert), factor: 'audio', raw: {}, clips } };
}

function makeQueries(n: number): { terms: QueryTerm[]; factors: Factors }[] {
  seed = 0x51ed270b;
  return Array.from({ length: n }, (_, i) => {
    const k = Math.floor(rnd() * CLUSTERS);
    const a = around(baseCentres[k]!, 0.7), u = around(expertCentres[k]!, 0.7);
    return { terms: [{ weight: 1, a, u, factor: 'text', ua: dotv(a, u) }], factors: i % 2 ? PRESETS.versatile : PRESETS['at-expertise'] };
  });
}

const here = fileURLToPath(import.meta.url);
const libOpts = (dir: string) => ({
  openSpace: async () => syntheticSpace(dir), prepWorkers: 0, annThreshold,
  ...(annProbe !== undefined ? { annProbe } : {}), ...(annCandidates !== undefined ? { annCandidates } : {}),
  ...(annThreads !== undefined ? { annThreads } : {}),
});

const dirSize = (p: string): number => {
  const st = statSync(p);
  return st.isDirectory() ? readdirSync(p).reduce((a, f) => a + dirSize(join(p, f)), 0) : st.size;
};

// ---- phases -------------------------------------------------------------------------------------------
async function build(dir: string): Promise<number> {
  const t0 = performance.now();
  const db = join(dir, 'library.db');
  const lib = new Library(libOpts(dir));
  await lib.open(db, dir);
  await lib.vectorsReady();
  const repo = new Repo(lib.database);
  const packId = lib.engineSpace.packId;
  const BATCH = 256;
  let batch: Parameters<Repo['writeItems']>[1] = [];
  let lastLog = performance.now();
  for (let i = 0; i < items; i++) {
    const { item, comps } = makeItem(i);
    batch.push({ path: join('/bench', `f${String(Math.floor(i / 1000)).padStart(4, '0')}`, `${i}.${item.format}`), mtimeMs: item.date, item, comps });
    if (batch.length === BATCH || i === items - 1) {
      repo.writeItems(packId, batch);
      batch = [];
    }
    if (!json && performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      console.error(`  built ${i + 1}/${items} items (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }
  await lib.close();
  await settle(dir);
  return (performance.now() - t0) / 1000;
}

/**
 * The first open after writing: in approximate mode it trains and assigns the inverted files, measures recall and
 * writes the index snapshot, all part of building. With --reuse it brings a kept library up to date the same way
 * (a no-op when its snapshot is current), so the measured open is a user's second open, not the first.
 */
async function settle(dir: string): Promise<void> {
  const lib = new Library(libOpts(dir));
  await lib.open(join(dir, 'library.db'), dir);
  await lib.vectorsReady();
  await lib.close();
}

/** CPU ms (user + system) this process used since `from`: beside wall times, which a loaded machine inflates. */
const cpuMs = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};
const load1 = () => +loadavg()[0]!.toFixed(1);

async function measure(dir: string): Promise<void> {
  const loadBefore = load1();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const lib = new Library(libOpts(dir));
  await lib.open(join(dir, 'library.db'), dir);
  const page = await lib.listItems({ sort: 'name', offset: 0, limit: 100 });
  const openListing = performance.now() - t0;
  const openListingCpu = cpuMs(c0);
  const queries = makeQueries(Math.max(nQueries, nRecall) + 1);
  const first = await lib.searchEncoded(queries[0]!.terms, { k: 10, factors: queries[0]!.factors });
  const openFirstSearch = performance.now() - t0;
  const openFirstSearchCpu = cpuMs(c0);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const tops: number[][] = [];
  let res = first;
  for (let i = 1; i < queries.length; i++) {
    const q = queries[i]!;
    const t = performance.now();
    const c = process.cpuUsage();
    res = await lib.searchEncoded(q.terms, { k: 10, factors: q.factors });
    times.push(performance.now() - t);
    cpuTimes.push(cpuMs(c));
    tops.push(res.results.map((h) => h.itemId));
  }
  const st = await lib.status();
  await lib.close();
  const pctOf = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
  const pct = (p: number) => pctOf(times, p);
  console.log(JSON.stringify({
    open_listing_ms: Math.round(openListing), listing_total: page.total, open_first_search_ms: Math.round(openFirstSearch),
    p50_ms: +pct(0.5).toFixed(1), p95_ms: +pct(0.95).toFixed(1), mode: res.mode ?? 'exact', tops,
    open_listing_cpu_ms: Math.round(openListingCpu), open_first_search_cpu_ms: Math.round(openFirstSearchCpu),
    p50_cpu_ms: +pctOf(cpuTimes, 0.5).toFixed(1), p95_cpu_ms: +pctOf(cpuTimes, 0.95).toFixed(1), load_avg: [loadBefore, load1()],
    moments: st.vectors.moments, vectors: st.vectors.vectors, items: st.vectors.items, vectors_load_ms: Math.round(st.vectors.loadMs ?? 0),
    rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }));
}

async function truth(dir: string): Promise<void> {
  // the exact reference reads the segment files directly; no vectors are loaded into memory for it
  const repo = new Repo(openDb(join(dir, 'library.db')));
  const packId = `synthetic-${dim}`;
  const files = repo.vectorFiles(packId, dim);
  const queries = makeQueries(Math.max(nQueries, nRecall) + 1).slice(1, 1 + nRecall);
  const top = await exactTopFiles(repo, files, packId, queries.map((q) => ({ Q: fusedQuery(q.terms, q.factors, dim), factors: q.factors })), 10);
  console.log(JSON.stringify({ truth: top }));
}

const phase = str('phase');
if (phase === 'measure') await measure(str('dir')!);
else if (phase === 'truth') await truth(str('dir')!);
else {
  const keep = args.includes('--keep');
  const dir = str('dir') ?? mkdtempSync(join(tmpdir(), 'molecule-bench-scale-'));
  mkdirSync(dir, { recursive: true });
  try {
    // --reuse: measure a library an earlier run built (kept with --dir), without building it again
    const reuse = args.includes('--reuse') && existsSync(join(dir, 'library.db'));
    const buildS = reuse ? NaN : await build(dir);
    if (reuse) await settle(dir);
    const child = (p: string) => {
      const r = spawnSync(process.execPath, [here, ...args.filter((a, i) => a !== '--dir' && args[i - 1] !== '--dir'), '--phase', p, '--dir', dir], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new Error(`${p} phase failed: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').pop()!);
    };
    const m = child('measure');
    const t = child('truth') as { truth: number[][] };
    let hit = 0;
    t.truth.forEach((ref, i) => (hit += ref.filter((id) => m.tops[i].includes(id)).length / Math.max(1, ref.length)));
    const recall = t.truth.length ? hit / t.truth.length : null;
    const out = {
      items, moments: m.moments, vectors: m.vectors, dim, build_s: Number.isNaN(buildS) ? null : +buildS.toFixed(1), open_listing_ms: m.open_listing_ms,
      open_first_search_ms: m.open_first_search_ms, p50_ms: m.p50_ms, p95_ms: m.p95_ms,
      ...(annProbe !== undefined ? { ann_probe: annProbe } : {}), ...(annCandidates !== undefined ? { ann_candidates: annCandidates } : {}), recall_at_10: recall === null ? null : +recall.toFixed(3),
      rss_mb: m.rss_mb, disk_mb: Math.round(dirSize(dir) / 2 ** 20), mode: m.mode,
      // CPU time of the measuring process beside its wall times, and the 1-min load average before and after it
      open_listing_cpu_ms: m.open_listing_cpu_ms, open_first_search_cpu_ms: m.open_first_search_cpu_ms, p50_cpu_ms: m.p50_cpu_ms, p95_cpu_ms: m.p95_cpu_ms,
      load_avg: m.load_avg, cores: availableParallelism(),
      generator, clips_per_audio: K, vectors_load_ms: m.vectors_load_ms, disk_bytes_per_vector: Math.round(dirSize(dir) / m.vectors),
    };
    if (json) console.log(JSON.stringify(out));
    else {
      console.log(`scale: ${items} items (${items / 2} audio × ${K} moments = ${m.moments} moments), ${m.vectors} vectors × ${dim}, ${generator}`);
      for (const [k, v] of Object.entries(out)) console.log(`  ${k}: ${v}`);
    }
  } finally {
    if (!keep && !str('dir')) rmSync(dir, { recursive: true, force: true });
  }
}

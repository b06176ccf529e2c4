/**
 * Builds a 100k-item library for the grid scrolling test: the six demo files are indexed for real with the
 * test pack, then each item's stored record (its real vectors, thumbnail, peaks) is written again under
 * 100 000 distinct paths and content hashes through the library's own Repo. The engine's search and
 * listing see a genuinely 100k-row index; no vector is invented.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Library } from '../../src-main/library/library';
import { Repo } from '../../src-main/library/repo';
import type { EmbeddingComponents } from '../../src-main/space/types';

export async function buildBigLibrary(dataDir: string, packDir: string, demoDir: string, count: number): Promise<{ dbPath: string; ms: number }> {
  const t0 = performance.now();
  mkdirSync(dataDir, { recursive: true });
  const dbPath = join(dataDir, 'library.db');
  const lib = new Library({ prepWorkers: 0 });
  await lib.open(dbPath, packDir);
  try {
    const demo = join(dataDir, 'demo-library');
    cpSync(demoDir, demo, { recursive: true });
    await lib.addRoot(demo);
    const { jobId } = await lib.startIndexing();
    const summary = await lib.waitForJob(jobId);
    if (summary.indexed !== 6) throw new Error(`expected 6 demo items indexed, got ${JSON.stringify(summary)}`);

    const big = join(dataDir, 'big-library');
    mkdirSync(big);
    await lib.addRoot(big);
    const repo = new Repo(lib.database);
    const packId = lib.engineSpace.packId;
    const { items } = await lib.listItems({ sort: 'name', offset: 0, limit: 10 });
    const templates = await Promise.all(
      items.map(async (s) => {
        const d = (await lib.item(s.id))!;
        const v = repo.vectorsOf(s.id, packId)!;
        const comps: EmbeddingComponents = { modality: d.modality, base: v.base, expert: v.expert, c: v.c, factor: v.factor, raw: {} };
        return { d, comps };
      }),
    );
    const now = Date.now();
    // Written the way the indexer writes: a batch of records, one fdatasync, then the rows.
    let batch: Parameters<Repo['writeItems']>[1] = [];
    for (let i = 0; i < count; i++) {
      const { d, comps } = templates[i % templates.length]!;
      const stem = d.name.replace(/\.[^.]+$/, '');
      const ext = d.name.slice(stem.length);
      const sub = join(big, `batch-${String(Math.floor(i / 1000)).padStart(3, '0')}`);
      batch.push({
        path: join(sub, `${stem}-${String(i).padStart(6, '0')}${ext}`),
        mtimeMs: now - i * 60_000,
        item: {
          hash: `big-${i}-${d.hash}`,
          modality: d.modality,
          size: d.sizeBytes,
          format: d.format,
          width: d.width,
          height: d.height,
          exifDate: null,
          date: now - i * 60_000,
          durationSec: d.durationSec,
          sampleRate: d.sampleRate,
          channels: d.channels,
          thumbnail: d.thumbnailPath,
          peaks: d.peaks ? Float32Array.from(d.peaks) : null,
        },
        comps,
      });
      if (batch.length === 1000 || i === count - 1) {
        repo.writeItems(packId, batch);
        batch = [];
      }
    }
  } finally {
    await lib.close();
  }
  return { dbPath, ms: performance.now() - t0 };
}

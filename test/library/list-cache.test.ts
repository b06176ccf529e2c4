import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Library } from '../../src-main/library/library';
import { makeImage } from './media';
import { openLibrary, tempDir } from './helpers';

/**
 * listItems reads the first pages with LIMIT/OFFSET and deeper ones from a cached ordered id list; either way,
 * and across the boundary between them, every library change must show up in the next listing.
 */
for (const shallow of [5000, 2]) describe(`library listing stays current (LIMIT/OFFSET below offset ${shallow}, cached ids past it)`, () => {
  const tmp = tempDir(`listcache-${shallow}`);
  const root = join(tmp.dir, 'pics');
  let lib: Library;

  const index = async () => lib.waitForJob((await lib.startIndexing()).jobId);
  /** Every name in order, one page at a time (pages of 2: both sides of the boundary when it is at 2). */
  const names = async () => {
    const out: string[] = [];
    for (let off = 0; ; off += 2) {
      const page = await lib.listItems({ sort: 'name', offset: off, limit: 2 });
      out.push(...page.items.map((i) => i.name));
      if (off + 2 >= page.total) return out;
    }
  };

  beforeAll(async () => {
    for (let i = 0; i < 4; i++) await makeImage(join(root, `p${i}.png`), i + 2);
    ({ lib } = await openLibrary(join(tmp.dir, 'lib.db'), { listShallowOffset: shallow }));
    await lib.addRoot(root);
    await index();
  });
  afterAll(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  it('pages through the cached order exactly like one long page', async () => {
    const all = await names();
    expect(all).toEqual(['p0.png', 'p1.png', 'p2.png', 'p3.png']);
    const paged: string[] = [];
    for (let off = 0; off < 4; off += 3) paged.push(...(await lib.listItems({ sort: 'name', offset: off, limit: 3 })).items.map((i) => i.name));
    expect(paged).toEqual(all);
    const desc = await lib.listItems({ sort: 'name', descending: true, offset: 1, limit: 2 });
    expect(desc.total).toBe(4);
    expect(desc.items.map((i) => i.name)).toEqual(['p2.png', 'p1.png']);
    expect((await lib.listItems({ sort: 'name', offset: 10, limit: 5 })).items).toEqual([]);
  });

  it('shows added, renamed and deleted files on the next listing', async () => {
    await names(); // warm the cache
    await makeImage(join(root, 'a-new.png'), 40);
    await index();
    expect(await names()).toEqual(['a-new.png', 'p0.png', 'p1.png', 'p2.png', 'p3.png']);
    renameSync(join(root, 'p3.png'), join(root, 'b-renamed.png'));
    await index();
    expect(await names()).toEqual(['a-new.png', 'b-renamed.png', 'p0.png', 'p1.png', 'p2.png']);
    unlinkSync(join(root, 'p0.png'));
    await index();
    expect(await names()).toEqual(['a-new.png', 'b-renamed.png', 'p1.png', 'p2.png']);
    const roots = await lib.listRoots();
    await lib.removeRoot(roots[0]!.id);
    expect((await lib.listItems({ sort: 'name', offset: 0, limit: 10 })).total).toBe(0);
  });
});

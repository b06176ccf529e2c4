/**
 * A library written before embedded metadata existed (schema v5: vectors in segment files; v6: videos; v7: the
 * index lock; none has item_meta or the full-text index) opens on v8 and, on its next scan, gets every item's metadata read and indexed without any
 * item going through the encoders again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'libsql';
import { MIGRATIONS } from '../../src-main/library/schema';
import { openLibrary, tempDir } from '../library/helpers';
import { writeMetadataLibrary } from './fixtures';

const t = tempDir('meta-migrate');
afterAll(() => t.cleanup());

/** The metadata step (v8): the one that creates item_meta. */
const META_STEP = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE item_meta'));

/**
 * Undo exactly what the metadata step created, leaving the database as the app before it wrote it; `to` 5 also
 * undoes v7 (the index lock table) and v6 (videos: two columns and the widened CHECK), as the scale-era app
 * (segment vectors) left it.
 */
function downgrade(path: string, to: number): void {
  const db = new Database(path);
  const step = MIGRATIONS[META_STEP]!;
  const triggers = [...step.matchAll(/CREATE TRIGGER (\w+)/g)].map((m) => m[1]!);
  db.transaction(() => {
    for (const tr of triggers) db.exec(`DROP TRIGGER ${tr}`);
    db.exec('DROP TABLE text_index; DROP TABLE text_dirty; DROP TABLE item_meta;');
    if (to === 5) {
      db.exec('DROP TABLE index_lock');
      db.exec('ALTER TABLE items DROP COLUMN video; ALTER TABLE vectors DROP COLUMN frame_count;');
      db.exec('PRAGMA writable_schema = ON');
      db.exec(`UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (modality IN (''image'', ''audio'', ''video''))', 'CHECK (modality IN (''image'', ''audio''))') WHERE type = 'table' AND name = 'items'`);
      db.exec('PRAGMA writable_schema = RESET');
    }
    db.exec(`PRAGMA user_version = ${to}`);
  })();
  if (to === 5) {
    const items = db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'items'").get() as { sql: string };
    expect(items.sql).not.toMatch(/video/);
  }
  const left = db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'text%' OR name LIKE 'item_meta%'").all();
  db.close();
  expect(left).toEqual([]);
}

describe('a library from before embedded metadata → v8 (metadata + full text)', () => {
  it.each([5, META_STEP])('from v%i: migrates, back-fills metadata on the next scan without re-encoding, finds it by words', async (from) => {
    const root = join(t.dir, `lib${from}`);
    const files = await writeMetadataLibrary(root);
    const dbPath = join(t.dir, `db${from}.sqlite`);
    {
      const { lib } = await openLibrary(dbPath);
      expect((await lib.indexFolders([root])).indexed).toBe(7);
      await lib.close();
    }
    expect(META_STEP + 1).toBe(8);
    expect(MIGRATIONS.length).toBe(9);
    downgrade(dbPath, from);

    const { lib, counts } = await openLibrary(dbPath);
    try {
      const { items } = await lib.listItems({ sort: 'name', offset: 0, limit: 100 });
      expect(items.length).toBe(7);
      const bwfId = items.find((i) => i.path === files.bwf)!.id;
      // opened on v8: no metadata yet, but names and folders are already in the full-text index
      expect((await lib.item(bwfId))!.meta ?? null).toBeNull();
      lib.textIndex.refresh();
      expect([...lib.textIndex.matchAll('name : "creak"')]).toEqual([bwfId]);
      expect([...lib.textIndex.matchAll('desc : "hinge"')]).toEqual([]);

      const s = await lib.indexFolders([root]);
      expect(s.failures).toEqual([]);
      expect(counts).toEqual({ images: 0, audios: 0, texts: 0 });
      expect((await lib.item(bwfId))!.meta?.bext?.description).toBe('Old barn door wood creak, slow hinge groan');
      lib.textIndex.refresh();
      expect([...lib.textIndex.matchAll('desc : "hinge"')]).toEqual([bwfId]);
      const r = await lib.search({ text: 'slow hinge groan', k: 5 });
      expect(r.results[0]!.itemId).toBe(bwfId);
      expect(r.results[0]!.why!.words!.field).toBe('desc');
    } finally {
      await lib.close();
    }
  }, 120_000);
});

import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'libsql';
import { migrate, openDb, userVersion } from '../../src-main/library/db';
import { MIGRATIONS } from '../../src-main/library/schema';
import { exifDateTime, exifDateToMs } from '../../src-main/library/exif';
import { tempDir } from './helpers';

const { dir, cleanup } = tempDir('db');
afterAll(cleanup);

describe('library database', () => {
  it('migrates a v2 database with rows to the latest schema (paths and name keys back-filled, triggers live)', () => {
    const path = join(dir, 'old.db');
    const db = new Database(path);
    db.transaction(() => {
      db.exec(MIGRATIONS[0]!);
      db.exec(MIGRATIONS[1]!);
      db.exec('PRAGMA user_version = 2');
    })();
    db.prepare("INSERT INTO items(id, hash, modality, size, date, added_at) VALUES (1, 'h1', 'image', 1, 0, 0)").run();
    db.prepare("INSERT INTO files(path, item_id, size, mtime_ms, seen_at) VALUES ('/m/B/Zebra.PNG', 1, 1, 0, 0), ('/m/a/x.png', 1, 1, 0, 0)").run();
    db.close();

    const up = openDb(path);
    expect(userVersion(up)).toBe(MIGRATIONS.length);
    const row = () => up.prepare('SELECT path, name_key FROM items WHERE id = 1').get() as { path: string; name_key: string };
    expect(row()).toMatchObject({ path: '/m/B/Zebra.PNG', name_key: 'zebra.png' });
    up.prepare("DELETE FROM files WHERE path = '/m/B/Zebra.PNG'").run();
    expect(row()).toMatchObject({ path: '/m/a/x.png', name_key: 'x.png' });
    up.prepare("UPDATE files SET path = '/m/a/y.png' WHERE path = '/m/a/x.png'").run();
    expect(row()).toMatchObject({ path: '/m/a/y.png', name_key: 'y.png' });
    up.prepare("DELETE FROM files").run();
    expect(row()).toMatchObject({ path: null, name_key: null });
    expect((up.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
    migrate(up); // idempotent
    expect(userVersion(up)).toBe(MIGRATIONS.length);
    up.close();
  });

  it('refuses a database from a newer app', () => {
    const path = join(dir, 'new.db');
    const db = new Database(path);
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 5}`);
    db.close();
    expect(() => openDb(path)).toThrow(/newer than this app/);
  });

  it('reads EXIF DateTimeOriginal, and never throws on junk', () => {
    expect(exifDateTime(null)).toBeNull();
    expect(exifDateTime(new Uint8Array(40))).toBeNull();
    expect(exifDateTime(Uint8Array.from({ length: 300 }, (_, i) => (i * 31) & 255))).toBeNull();
    expect(exifDateToMs('2001:02:03 04:05:06')).toBe(Date.UTC(2001, 1, 3, 4, 5, 6));
    expect(exifDateToMs('0000:00:00 00:00:00')).toBeNull();
  });
});

import Database from 'libsql';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ownFileError } from '../runtime/env-error';
import { MIGRATIONS } from './schema';

export type Db = InstanceType<typeof Database>;

/** libsql adds a `_metadata` key to rows from get(); strip it so rows are plain data. */
export function row<T>(r: unknown): T | undefined {
  if (r === undefined || r === null) return undefined;
  const o = r as Record<string, unknown>;
  if ('_metadata' in o) delete o._metadata;
  return o as T;
}

const paths = new WeakMap<object, string>();

/** The file a database was opened from (openDb), for the files kept beside it. */
export function dbPathOf(db: Db): string {
  const p = paths.get(db);
  if (!p) throw new Error('database was not opened with openDb');
  return p;
}

export function userVersion(db: Db): number {
  const r = db.prepare('PRAGMA user_version').get() as { user_version: number };
  return Number(r.user_version);
}

/** Open (creating if needed) a library database: WAL, foreign keys, schema migrated to the latest version. */
export function openDb(path: string): Db {
  // folders this creates, and a new database, are the user's alone (the index lists every file name; other local
  // users have no business reading it); SQLite gives the -wal/-shm files the database file's permissions
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const isNew = !existsSync(path);
  let db: Db;
  try {
    db = new Database(path);
  } catch (e) {
    throw new Error(`cannot open library database ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    if (isNew && process.platform !== 'win32') chmodSync(path, 0o600);
    db.prepare('PRAGMA journal_mode = WAL').get();
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    db.exec('PRAGMA busy_timeout = 5000');
    migrate(db);
  } catch (e) {
    db.close();
    throw ownFileError(e, path, 'Cannot open the library') ?? e;
  }
  paths.set(db, path);
  return db;
}

/**
 * Run `fn` in one transaction. IMMEDIATE by default: the write lock is taken at BEGIN, so a second process writing
 * the same library waits its turn (busy_timeout) instead of failing with "database is locked" when a read
 * transaction tries to upgrade. When SQLite has already rolled back by itself (disk full, I/O error), the original
 * error is rethrown — libsql's own wrapper issued a second ROLLBACK and reported "cannot rollback - no transaction
 * is active" instead.
 */
export function tx<T>(db: Db, fn: () => T, mode: 'IMMEDIATE' | 'DEFERRED' = 'IMMEDIATE'): T {
  db.exec(`BEGIN ${mode}`);
  try {
    const r = fn();
    db.exec('COMMIT');
    return r;
  } catch (e) {
    if (db.inTransaction) {
      try {
        db.exec('ROLLBACK');
      } catch {
        /* the original error is the one to report */
      }
    }
    throw e;
  }
}

export function migrate(db: Db): void {
  const current = userVersion(db);
  if (current > MIGRATIONS.length) {
    throw new Error(`library database schema v${current} is newer than this app (v${MIGRATIONS.length})`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    const step = MIGRATIONS[v]!;
    tx(db, () => {
      db.exec(step);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    });
  }
}

export function f32ToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Copy a BLOB (Buffer or ArrayBuffer, as libsql returns them) into a fresh, aligned Float32Array. */
export function blobToF32(b: unknown): Float32Array {
  if (b instanceof ArrayBuffer) return new Float32Array(b.slice(0));
  if (b instanceof Uint8Array) {
    const out = new Float32Array(b.byteLength / 4);
    new Uint8Array(out.buffer).set(b);
    return out;
  }
  throw new Error('vector BLOB missing or malformed');
}

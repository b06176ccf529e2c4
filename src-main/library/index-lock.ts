/**
 * One index run per library at a time, across processes (the app and the CLI, two CLI runs): the holder is a row of
 * `index_lock`, taken and checked inside one IMMEDIATE transaction so two contenders cannot both win. A holder is
 * stale when its process is gone (same host) or its heartbeat is older than STALE_MS (another host, a frozen
 * process); a stale row is taken over. The row names the holder, so the loser can say who it waits for.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { row, tx, type Db } from './db';

export const HEARTBEAT_MS = 5_000;
export const STALE_MS = 30_000;

export interface LockHolder {
  pid: number;
  host: string;
  what: string;
  startedAt: number;
  beatAt: number;
}

interface LockRow {
  token: string;
  pid: number;
  host: string;
  what: string;
  started_at: number;
  beat_at: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, belongs to someone else
  }
}

export function describeHolder(h: LockHolder): string {
  const since = new Date(h.startedAt).toTimeString().slice(0, 8);
  return `${h.what} (pid ${h.pid}${h.host === hostname() ? '' : ` on ${h.host}`}, since ${since})`;
}

export class IndexLock {
  private readonly token = randomUUID();
  private held = false;

  constructor(
    private readonly db: Db,
    private readonly what: string,
  ) {}

  /** Take the lock if it is free or stale: returns null when taken, else the live holder. */
  tryAcquire(now = Date.now()): LockHolder | null {
    return tx(this.db, () => {
      const r = row<LockRow>(this.db.prepare('SELECT token, pid, host, what, started_at, beat_at FROM index_lock WHERE id = 1').get());
      if (r && r.token !== this.token) {
        const stale = (r.host === hostname() && !alive(r.pid)) || now - r.beat_at > STALE_MS;
        if (!stale) return { pid: r.pid, host: r.host, what: r.what, startedAt: r.started_at, beatAt: r.beat_at };
      }
      this.db
        .prepare('INSERT OR REPLACE INTO index_lock(id, token, pid, host, what, started_at, beat_at) VALUES (1, ?, ?, ?, ?, ?, ?)')
        .run(this.token, process.pid, hostname(), this.what, now, now);
      this.held = true;
      return null;
    });
  }

  /** Keep the lock fresh while a run lasts. */
  beat(): void {
    if (this.held) this.db.prepare('UPDATE index_lock SET beat_at = ? WHERE id = 1 AND token = ?').run(Date.now(), this.token);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      this.db.prepare('DELETE FROM index_lock WHERE id = 1 AND token = ?').run(this.token);
    } catch {
      /* a closed or broken database: the row goes stale with this process */
    }
  }
}

/**
 * Called with the lock held: remove what killed runs left in the thumbnail cache — temporary files
 * (`<hash>.webp.<pid>-<thread>-<n>.tmp`) and thumbnails no item points at (written, then killed before the item
 * was committed). Returns how many files went.
 */
export function cleanThumbnailCache(db: Db, thumbDir: string): number {
  let names: string[];
  try {
    names = readdirSync(thumbDir);
  } catch {
    return 0;
  }
  // thumbnails are named by content hash; compare names, not paths (a library folder may have been moved)
  const used = new Set<string>();
  for (const r of db.prepare('SELECT hash FROM items').iterate() as Iterable<{ hash: string }>) used.add(r.hash);
  let removed = 0;
  for (const n of names) {
    const p = join(thumbDir, n);
    // <hash>.webp (a poster or thumbnail) and <hash>.strip.webp (a video's film strip)
    const hash = /^([0-9a-f]{64})(\.strip)?\.webp$/.exec(n)?.[1];
    if (n.endsWith('.tmp') || (hash && !used.has(hash))) {
      try {
        unlinkSync(p);
        removed++;
      } catch {
        /* gone already */
      }
    }
  }
  return removed;
}

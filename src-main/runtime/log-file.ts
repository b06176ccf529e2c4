/**
 * The run's log file: one file per run (`molecule-<start time>-<pid>.log` in the logs folder), the oldest
 * removed so `keep` runs stay, and a run that writes more than `maxBytes` rolls over to `<name>.1` (so one
 * long session cannot fill the disk). Lines are written synchronously: a crash loses nothing already logged.
 *   2026-12-03T17:55:01.123Z INFO  engine  pack: opened ib-pp-test (IB_PP) from /path
 */
import { closeSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { addLogSink, LOG_LEVELS, type LogLevel, type LogRecord } from '../domain/log';

export interface RunLog {
  /** The file being written. */
  readonly path: string;
  write(record: LogRecord): void;
  close(): void;
}

export interface RunLogOptions {
  dir: string;
  /** Which process writes it ('main', 'bridge'); records forwarded from elsewhere keep their own origin. */
  origin: string;
  /** Runs kept in the folder, this one included (default 10). */
  keep?: number;
  /** Bytes per file before it rolls over to `.1` (default 16 MiB). */
  maxBytes?: number;
  /** Lowest level written (default info; MOLECULE_LOG_LEVEL=debug for more). */
  level?: LogLevel;
}

const PREFIX = 'molecule-';

export function formatLogLine(r: LogRecord, origin: string): string {
  const message = r.message.replace(/\r?\n/g, '\n    ');
  return `${new Date(r.time).toISOString()} ${r.level.toUpperCase().padEnd(5)} ${(r.origin ?? origin).padEnd(7)} ${r.scope}: ${message}\n`;
}

export function levelFromEnv(value: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value ?? '') ? (value as LogLevel) : fallback;
}

/** Opens this run's file, removes the oldest runs, and registers it as a log sink of this process. */
export function openRunLog(opts: RunLogOptions): RunLog & { detach(): void } {
  const keep = Math.max(1, opts.keep ?? 10);
  const maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
  const min = LOG_LEVELS.indexOf(opts.level ?? levelFromEnv(process.env.MOLECULE_LOG_LEVEL));
  mkdirSync(opts.dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(opts.dir, `${PREFIX}${stamp}-${process.pid}.log`);
  pruneRuns(opts.dir, keep - 1);
  let fd = openSync(path, 'a');
  let size = 0;
  const write = (r: LogRecord) => {
    if (fd < 0 || LOG_LEVELS.indexOf(r.level) < min) return;
    const line = formatLogLine(r, opts.origin);
    const bytes = Buffer.byteLength(line);
    if (size + bytes > maxBytes && size > 0) {
      closeSync(fd);
      renameSync(path, `${path}.1`);
      fd = openSync(path, 'a');
      size = 0;
    }
    writeSync(fd, line);
    size += bytes;
  };
  const detach = addLogSink(write);
  return {
    path,
    write,
    detach,
    close() {
      detach();
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
  };
}

/** Deletes all but the `keep` newest run logs (names sort by start time). */
function pruneRuns(dir: string, keep: number): void {
  let runs: string[];
  try {
    runs = readdirSync(dir)
      .filter((f) => f.startsWith(PREFIX) && /\.log(\.1)?$/.test(f))
      .sort();
  } catch {
    return;
  }
  const bases = [...new Set(runs.map((f) => f.replace(/\.1$/, '')))];
  for (const base of bases.slice(0, Math.max(0, bases.length - keep))) {
    for (const f of [base, `${base}.1`]) {
      try {
        if (statSync(join(dir, f)).isFile()) rmSync(join(dir, f));
      } catch {
        /* already gone */
      }
    }
  }
}

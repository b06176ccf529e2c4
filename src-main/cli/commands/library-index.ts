import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Library } from '../../library/library';
import type { IndexProgress } from '../../library/service';
import { UsageError, parseArgs, str } from '../args';
import type { CliIO } from '../command';
import { PACK_OPTIONS, openFromArgs } from '../common';

function progressLine(p: IndexProgress): string {
  const eta = p.etaSec === null ? '' : `, eta ${Math.ceil(p.etaSec)} s`;
  return `[${p.phase}] ${p.done}/${p.total} (indexed ${p.indexed}, unchanged ${p.unchanged}, skipped ${p.skipped}, failed ${p.failed}) ${p.ratePerSec.toFixed(1)} files/s${eta}`;
}

/** `molecule index` (help texts in commands/index.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs(
    argv,
    { ...PACK_OPTIONS, db: { kind: 'string' }, workers: { kind: 'string' }, batch: { kind: 'string' }, quiet: { kind: 'boolean' }, 'no-wait': { kind: 'boolean' } },
    { positionals: true },
  );
  if (positionals.length === 0) throw new UsageError('give at least one FOLDER to index');
  const db = str(values.db);
  if (!db) throw new UsageError('--db FILE is required');
  const int = (name: string, def: number) => {
    const v = str(values[name]);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 64) throw new UsageError(`--${name} must be an integer in [0, 64], got "${v}"`);
    return n;
  };
  // Every folder is checked before the database is opened: a mistyped folder must not leave an empty database.
  for (const p of positionals) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' || code === 'ENOTDIR' ? `${resolve(p)}: no such folder` : `${resolve(p)}: cannot open (${code ?? String(e)})`);
    }
    if (!isDir) throw new Error(`${resolve(p)}: is a file, not a folder`);
  }
  const workers = int('workers', -1);
  const batch = int('batch', 8) || 1;
  const lib = new Library({
    openSpace: () => openFromArgs(values), ...(workers >= 0 ? { prepWorkers: workers } : {}), batchSize: batch,
    holder: 'molecule index', waitForLock: !values['no-wait'],
  });
  await lib.open(resolve(db), str(values.pack) ?? '');
  try {
    let last = 0;
    let waitingSaid = '';
    lib.on((e) => {
      if (e.type !== 'progress') return;
      // waiting for another index run is said once, even with --quiet (the command would otherwise just hang)
      if (e.progress.phase === 'waiting' && e.progress.waitingFor && e.progress.waitingFor !== waitingSaid) {
        waitingSaid = e.progress.waitingFor;
        io.err(`waiting: another index run holds this library: ${waitingSaid} (Ctrl-C stops waiting; --no-wait refuses at once)`);
        return;
      }
      if (values.quiet) return;
      const now = Date.now();
      const final = ['done', 'cancelled', 'error'].includes(e.progress.phase);
      if (now - last < 500 && !final) return;
      last = now;
      io.err(progressLine(e.progress));
    });
    const s = await lib.indexFolders(positionals.map((p) => resolve(p)));
    io.out(
      JSON.stringify({
        db: resolve(db), pack: lib.engineSpace.packId, testPack: lib.engineSpace.isTestPack, phase: s.phase,
        indexed: s.indexed, unchanged: s.unchanged, skipped: s.skipped, failed: s.failed, removed: s.removed,
        elapsedSec: +s.elapsedSec.toFixed(3), failures: s.failures.map((f) => ({ path: f.path, reason: f.reason })),
        ...(s.error ? { error: s.error } : {}),
      }),
    );
    if (s.error) io.err(`molecule index: ${s.error}`);
    return s.phase === 'done' ? 0 : 1;
  } finally {
    await lib.close();
  }
}

/**
 * `npm run fuzz -- --cases N --seed S [--jobs J] [--time-limit-ms T] [--max-rss-mb M] [--targets a,b] [--only K --save FILE] [--progress P]`
 * `npm run fuzz -- --check-samples` runs every unmutated sample (all must end with a result); `--list` names the targets.
 *
 * Mutation fuzzer over every decoder the engine owns or wraps (fuzz/targets.ts). Cases run in worker processes
 * (fuzz/child.ts), each case under a wall-clock limit, each worker under a resident-memory limit; a worker that
 * dies, is killed or overruns is replaced and the case counted. Prints one JSON line:
 *   {"cases","errors_named","crashes","timeouts","max_rss_mb", "results","memory_kills","seed","elapsed_sec","by_target"}
 * where crashes = unnamed errors (anything but the target's own error classes) + dead workers + memory kills.
 * Details of every crash/timeout go to stderr with the command that reproduces it. Exit 1 if any crash or timeout.
 * Long runs print a progress line to stderr every P cases (default 5000 when N ≥ 20 000; 0 turns it off).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseReply } from './child';
import { watch } from './guard';
import { targetOf } from './mutate';
import { TARGETS } from './targets';

interface Options {
  cases: number;
  seed: number;
  jobs: number;
  timeLimitMs: number;
  maxRssMb: number;
  targets: number[];
  only: number | null;
  save: string | null;
  recycle: number;
  checkSamples: boolean;
  progress: number | null;
}

function parse(argv: string[]): Options {
  const o: Options = { cases: 1000, seed: 1, jobs: Math.max(1, Math.min(2, availableParallelism())), timeLimitMs: 20_000, maxRssMb: 1024, targets: TARGETS.map((_, i) => i), only: null, save: null, recycle: 400, checkSamples: false, progress: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    const int = (x: string) => {
      const n = Number(x);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${a} needs a non-negative integer, got ${x}`);
      return n;
    };
    if (a === '--cases') o.cases = int(v());
    else if (a === '--seed') o.seed = int(v()) >>> 0;
    else if (a === '--jobs') o.jobs = Math.max(1, int(v()));
    else if (a === '--time-limit-ms') o.timeLimitMs = int(v());
    else if (a === '--max-rss-mb') o.maxRssMb = int(v());
    else if (a === '--recycle') o.recycle = Math.max(1, int(v()));
    else if (a === '--progress') o.progress = int(v());
    else if (a === '--only') o.only = int(v());
    else if (a === '--save') o.save = resolve(v());
    else if (a === '--check-samples') o.checkSamples = true;
    else if (a === '--targets') {
      const names = v().split(',');
      o.targets = names.map((n) => {
        const i = TARGETS.findIndex((t) => t.name === n);
        if (i < 0) throw new Error(`unknown target "${n}" (targets: ${TARGETS.map((t) => t.name).join(', ')})`);
        return i;
      });
    } else if (a === '--list') {
      process.stdout.write(TARGETS.map((t) => t.name).join('\n') + '\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

function repoRoot(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); d !== dirname(d); d = dirname(d)) if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'src-main'))) return d;
  throw new Error('cannot find the repository root');
}

interface Slot {
  child: ChildProcess | null;
  ready: Promise<void> | null;
  done: number;
  peak: () => number;
  stopWatch: () => void;
  killedFor: 'timeout' | 'memory' | null;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const root = repoRoot();
  const childJs = join(dirname(fileURLToPath(import.meta.url)), 'child.js');
  const t0 = performance.now();
  const stats = { cases: 0, errors_named: 0, crashes: 0, timeouts: 0, max_rss_mb: 0, results: 0, memory_kills: 0 };
  const byTarget: Record<string, { cases: number; results: number; named: number; crashes: number; timeouts: number }> = {};
  const tally = (target: string) => (byTarget[target] ??= { cases: 0, results: 0, named: 0, crashes: 0, timeouts: 0 });
  const report = (what: string, k: number, target: string, detail: string) =>
    process.stderr.write(`${what} case ${k} (${target}): ${detail}\n  reproduce: npm run fuzz -- --seed ${o.seed} --only ${k} --save case.bin${o.targets.length !== TARGETS.length ? ` --targets '${o.targets.map((i) => TARGETS[i]!.name).join(',')}'` : ''}\n`);

  const spawnSlot = (slot: Slot) => {
    const child = fork(childJs, [], {
      env: { ...process.env, MOLECULE_FUZZ_ROOT: root, MOLECULE_FUZZ_SEED: String(o.seed), MOLECULE_FUZZ_TARGETS: o.targets.join(',') },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: ['--max-old-space-size=768'],
    });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
    slot.child = child;
    slot.done = 0;
    slot.killedFor = null;
    const w = watch(child, { timeoutMs: 2 ** 31 - 1, maxRssMb: o.maxRssMb, pollMs: 5 }, (why) => (slot.killedFor = why));
    slot.peak = w.peak;
    slot.stopWatch = w.stop;
    slot.ready = new Promise<void>((ok, fail) => {
      const onMsg = (m: { ready?: boolean }) => {
        if (m.ready) {
          child.off('message', onMsg);
          ok();
        }
      };
      child.on('message', onMsg);
      child.once('exit', (code) => fail(new Error(`fuzz worker exited with ${code} before it was ready: ${err.trim()}`)));
    });
  };

  const retire = (slot: Slot) => {
    stats.max_rss_mb = Math.max(stats.max_rss_mb, slot.peak());
    slot.stopWatch();
    slot.child?.kill('SIGKILL');
    slot.child = null;
  };

  const every = o.progress ?? (o.cases >= 20_000 ? 5000 : 0);
  let completed = 0;
  const progress = () => {
    if (!every || ++completed % every !== 0) return;
    const sec = (performance.now() - t0) / 1000;
    const rate = completed / sec;
    process.stderr.write(
      `fuzz: ${completed}/${o.cases} cases, ${rate.toFixed(1)}/s, ETA ${Math.round((o.cases - completed) / rate)} s; crashes ${stats.crashes}, timeouts ${stats.timeouts} so far\n`,
    );
  };

  const runCase = (slot: Slot, k: number): Promise<void> =>
    new Promise<void>((done) => {
      const child = slot.child!;
      const target = TARGETS[targetOf(o.seed, k, o.targets)]!.name;
      const t = tally(target);
      stats.cases++;
      t.cases++;
      let settled = false;
      const finish = () => {
        settled = true;
        clearTimeout(timer);
        child.off('message', onMsg);
        child.off('exit', onExit);
        progress();
        done();
      };
      const onMsg = (m: CaseReply) => {
        if (m.k !== k || settled) return;
        if (m.outcome === 'result') (stats.results++, t.results++);
        else if (m.outcome === 'named') (stats.errors_named++, t.named++);
        else {
          stats.crashes++;
          t.crashes++;
          report('unnamed error in', k, target, m.detail);
        }
        if (o.only !== null) process.stderr.write(`case ${k} (${target}): ${m.outcome}: ${m.detail}\n`);
        slot.done++;
        finish();
      };
      const onExit = (code: number | null, signal: string | null) => {
        if (settled) return;
        stats.max_rss_mb = Math.max(stats.max_rss_mb, slot.peak());
        if (slot.killedFor === 'memory') {
          stats.crashes++;
          stats.memory_kills++;
          t.crashes++;
          report('memory limit', k, target, `worker above ${o.maxRssMb} MB resident, killed`);
        } else if (slot.killedFor === 'timeout') {
          stats.timeouts++;
          t.timeouts++;
          report('time limit', k, target, `no answer within ${o.timeLimitMs} ms, worker killed`);
        } else {
          stats.crashes++;
          t.crashes++;
          report('worker died on', k, target, `exit code ${code}, signal ${signal}`);
        }
        slot.stopWatch();
        slot.child = null;
        finish();
      };
      const timer = setTimeout(() => {
        slot.killedFor = 'timeout';
        child.kill('SIGKILL');
      }, o.timeLimitMs);
      child.on('message', onMsg);
      child.on('exit', onExit);
      child.send({ k, ...(o.save && o.only !== null ? { save: o.save } : {}) });
    });

  if (o.checkSamples) {
    const slot: Slot = { child: null, ready: null, done: 0, peak: () => 0, stopWatch: () => undefined, killedFor: null };
    spawnSlot(slot);
    await slot.ready;
    const reply = await new Promise<{ samples: unknown; bad: unknown[] }>((ok) => {
      slot.child!.on('message', (m: { bad?: unknown[] }) => m.bad && ok(m as { samples: unknown; bad: unknown[] }));
      slot.child!.send({ checkSamples: true });
    });
    retire(slot);
    process.stdout.write(JSON.stringify(reply) + '\n');
    process.exitCode = reply.bad.length ? 1 : 0;
    return;
  }
  const queue = o.only !== null ? [o.only] : Array.from({ length: o.cases }, (_, k) => k);
  let next = 0;
  const lane = async () => {
    const slot: Slot = { child: null, ready: null, done: 0, peak: () => 0, stopWatch: () => undefined, killedFor: null };
    while (next < queue.length) {
      // take the case before any await: another lane may take the last one while this one starts a worker
      const k = queue[next++]!;
      if (!slot.child || slot.done >= o.recycle) {
        if (slot.child) retire(slot);
        spawnSlot(slot);
        await slot.ready;
      }
      await runCase(slot, k);
    }
    if (slot.child) retire(slot);
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, queue.length) }, lane));
  stats.max_rss_mb = Math.round(stats.max_rss_mb);
  const summary = { ...stats, seed: o.seed, elapsed_sec: Math.round((performance.now() - t0) / 100) / 10, by_target: byTarget };
  process.stdout.write(JSON.stringify(summary) + '\n');
  process.exitCode = stats.crashes || stats.timeouts ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`molecule fuzz: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});

/**
 * Run a child process under a wall-clock limit and a resident-memory limit (Linux: /proc/<pid>/status polled
 * every few ms; RLIMIT_AS cannot be used because WebAssembly reserves tens of GB of address space). The child is
 * killed with SIGKILL when it crosses either; the peak RSS seen is reported either way.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface GuardLimits {
  timeoutMs: number;
  maxRssMb: number;
  /** Poll period (ms). */
  pollMs?: number;
}

export interface GuardedResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident set size seen (MiB): VmHWM when readable, else the largest VmRSS polled. */
  peakRssMb: number;
  /** Why the guard killed the child, if it did. */
  killed: 'timeout' | 'memory' | null;
  elapsedMs: number;
}

/** Resident and peak-resident memory of a live process in MiB, or null if it is gone. */
export function rssOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** Watch a running child: kill it on timeout or memory, report the peak. */
export function watch(child: ChildProcess, limits: GuardLimits, onKill?: (why: 'timeout' | 'memory') => void): { peak: () => number; stop: () => void } {
  let peak = 0;
  let killed = false;
  const kill = (why: 'timeout' | 'memory') => {
    if (killed) return;
    killed = true;
    onKill?.(why);
    child.kill('SIGKILL');
  };
  const timer = setInterval(() => {
    if (child.pid === undefined) return;
    const m = rssOf(child.pid);
    if (!m) return;
    peak = Math.max(peak, m.rss, m.hwm);
    if (m.rss > limits.maxRssMb) kill('memory');
  }, limits.pollMs ?? 10);
  const deadline = setTimeout(() => kill('timeout'), limits.timeoutMs);
  return {
    peak: () => peak,
    stop: () => {
      clearInterval(timer);
      clearTimeout(deadline);
    },
  };
}

/** spawn + watch, collecting stdout/stderr. */
export function runGuarded(cmd: string, args: string[], limits: GuardLimits, opts: SpawnOptions = {}): Promise<GuardedResult> {
  const t0 = performance.now();
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let killed: GuardedResult['killed'] = null;
  const w = watch(child, limits, (why) => (killed = why));
  return new Promise((resolve) => {
    child.on('close', (status, signal) => {
      w.stop();
      resolve({ status, signal, stdout, stderr, peakRssMb: Math.round(w.peak()), killed, elapsedMs: performance.now() - t0 });
    });
  });
}

/**
 * When to restart the engine utility process after it exits. A crash while indexing one bad file should
 * cost a short pause, but an engine that dies right at start (a native module that cannot load on this
 * machine, a broken pack) must not be respawned every half second forever: back off, then give up and
 * tell the user. Plain module (no electron import), unit-tested.
 */
export interface RestartPolicyOptions {
  /** Crashes counted within this window (ms). */
  windowMs?: number;
  /** Give up after this many crashes inside the window. */
  maxCrashes?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export type RestartDecision = { restart: true; delayMs: number } | { restart: false; reason: string };

export class RestartPolicy {
  private crashes: number[] = [];
  private readonly windowMs: number;
  private readonly maxCrashes: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(o: RestartPolicyOptions = {}) {
    this.windowMs = o.windowMs ?? 60_000;
    this.maxCrashes = o.maxCrashes ?? 5;
    this.baseDelayMs = o.baseDelayMs ?? 500;
    this.maxDelayMs = o.maxDelayMs ?? 8_000;
  }

  /** Call on every unexpected exit, with the current time. */
  onExit(code: number | null, now: number): RestartDecision {
    this.crashes = this.crashes.filter((t) => now - t < this.windowMs);
    this.crashes.push(now);
    const n = this.crashes.length;
    if (n > this.maxCrashes) {
      return {
        restart: false,
        reason: `the engine process exited ${n} times within ${Math.round(this.windowMs / 1000)} s (last exit code ${code ?? 'none'}); not restarting — see the log, then restart the app`,
      };
    }
    return { restart: true, delayMs: Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (n - 1)) };
  }

  /** Call once the engine reported ready and stayed up: earlier crashes stop counting. */
  reset(): void {
    this.crashes = [];
  }
}

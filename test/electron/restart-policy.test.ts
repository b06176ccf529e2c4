import { describe, expect, it } from 'vitest';
import { RestartPolicy } from '../../src-main/electron/restart-policy';

describe('engine restart policy', () => {
  it('backs off exponentially up to the cap, then gives up with a reason', () => {
    const p = new RestartPolicy({ windowMs: 60_000, maxCrashes: 5, baseDelayMs: 500, maxDelayMs: 4_000 });
    const delays = [0, 1, 2, 3, 4].map((i) => p.onExit(1, 1000 + i * 100));
    expect(delays).toEqual([
      { restart: true, delayMs: 500 },
      { restart: true, delayMs: 1000 },
      { restart: true, delayMs: 2000 },
      { restart: true, delayMs: 4000 },
      { restart: true, delayMs: 4000 },
    ]);
    const last = p.onExit(134, 2000);
    expect(last.restart).toBe(false);
    if (!last.restart) expect(last.reason).toMatch(/6 times within 60 s.*exit code 134/);
  });

  it('forgets crashes older than the window, and after reset()', () => {
    const p = new RestartPolicy({ windowMs: 10_000, maxCrashes: 2 });
    p.onExit(1, 0);
    p.onExit(1, 1);
    expect(p.onExit(1, 20_000)).toEqual({ restart: true, delayMs: 500 });
    p.onExit(1, 20_001);
    p.reset();
    expect(p.onExit(null, 20_002)).toEqual({ restart: true, delayMs: 500 });
  });
});

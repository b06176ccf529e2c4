/** Transfer rate over the last few seconds and the time left at that rate. */
export class RateMeter {
  private samples: { t: number; bytes: number }[] = [];
  constructor(
    private readonly windowMs = 8000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Records the running total of bytes received. */
  add(totalBytes: number): void {
    const t = this.now();
    this.samples.push({ t, bytes: totalBytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
  }

  /** Bytes per second, or null before half a second of data. */
  rate(): number | null {
    if (this.samples.length < 2) return null;
    const a = this.samples[0]!;
    const b = this.samples[this.samples.length - 1]!;
    const dt = (b.t - a.t) / 1000;
    if (dt < 0.5) return null;
    return Math.max(0, (b.bytes - a.bytes) / dt);
  }

  /** Seconds to fetch `remaining` bytes at the current rate (null when unknown). */
  eta(remaining: number | null): number | null {
    const r = this.rate();
    if (remaining === null || r === null || r <= 0) return null;
    return Math.max(0, remaining / r);
  }
}

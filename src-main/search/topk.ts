/** Top-k by score with a fixed-size min-heap (O(n log k)); ties broken by lower index first. */
export class TopK {
  private readonly scores: Float64Array;
  private readonly idx: Int32Array;
  private n = 0;
  constructor(readonly k: number) {
    this.scores = new Float64Array(Math.max(1, k));
    this.idx = new Int32Array(Math.max(1, k));
  }
  /** Smallest kept score (−Infinity until full): callers can skip candidates below it cheaply. */
  get threshold(): number {
    return this.n < this.k ? -Infinity : this.scores[0]!;
  }
  private less(i: number, j: number): boolean {
    const a = this.scores[i]!, b = this.scores[j]!;
    return a < b || (a === b && this.idx[i]! > this.idx[j]!);
  }
  private swap(i: number, j: number): void {
    const s = this.scores[i]!; this.scores[i] = this.scores[j]!; this.scores[j] = s;
    const t = this.idx[i]!; this.idx[i] = this.idx[j]!; this.idx[j] = t;
  }
  push(score: number, index: number): void {
    if (this.k <= 0) return;
    if (this.n < this.k) {
      let i = this.n++;
      this.scores[i] = score;
      this.idx[i] = index;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.less(i, p)) break;
        this.swap(i, p);
        i = p;
      }
      return;
    }
    if (score < this.scores[0]! || (score === this.scores[0]! && index > this.idx[0]!)) return;
    this.scores[0] = score;
    this.idx[0] = index;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < this.n && this.less(l, m)) m = l;
      if (r < this.n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
  /** Kept entries, best first. */
  sorted(): { index: number; score: number }[] {
    const out: { index: number; score: number }[] = [];
    for (let i = 0; i < this.n; i++) out.push({ index: this.idx[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.index - b.index);
  }
}

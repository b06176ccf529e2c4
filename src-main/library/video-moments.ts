/**
 * The vectors of one video's moments as its parts come back from the encoder: a base vector per frame moment
 * (the image pathway), base + expert per sound moment (the audio pathway). When the file is done they become the
 * video's EmbeddingComponents: `frames` and `clips` (sound), and an item-level vector — the normalised mean of the
 * frame vectors, what the video looks like overall — which organise features (map, tags, near-duplicates,
 * nearest items) use. Search scores a video by its moments.
 */
import type { ClipVector, EmbeddingComponents } from '../space/types';

export class VideoMoments {
  private readonly frames = new Map<number, { startSec: number; endSec: number; vector: Float32Array | null; sameAs?: number }>();
  private readonly sound = new Map<number, ClipVector>();
  private error: string | null = null;

  addFrames(
    frames: { moment: number; startSec: number; endSec: number; sameAs?: number }[],
    vectors: { moment: number; vector: Float32Array }[],
  ): void {
    const byMoment = new Map(vectors.map((v) => [v.moment, v.vector]));
    for (const f of frames) {
      this.frames.set(f.moment, { startSec: f.startSec, endSec: f.endSec, vector: byMoment.get(f.moment) ?? null, ...(f.sameAs !== undefined ? { sameAs: f.sameAs } : {}) });
    }
  }

  addSound(moments: number[], clips: ClipVector[]): void {
    if (clips.length !== moments.length) {
      this.fail(`the encoder returned ${clips.length} sound vectors for ${moments.length} moments`);
      return;
    }
    moments.forEach((m, i) => this.sound.set(m, clips[i]!));
  }

  fail(reason: string): void {
    this.error ??= reason;
  }

  /** The video's components, or the reason it cannot be written. */
  components(): EmbeddingComponents | Error {
    if (this.error) return new Error(this.error);
    const frames: ClipVector[] = [];
    for (const m of [...this.frames.keys()].sort((a, b) => a - b)) {
      const f = this.frames.get(m)!;
      // a moment showing the same picture as an earlier one shares its vector
      const v = f.vector ?? (f.sameAs !== undefined ? this.frames.get(f.sameAs)?.vector : null);
      if (!v) return new Error(`frame moment ${m} has no vector`);
      if (!v.every(Number.isFinite)) return new Error('encoder produced non-finite values');
      frames.push({ startSec: f.startSec, endSec: f.endSec, vector: v });
    }
    if (frames.length === 0) return new Error('the video has no frame moments');
    const clips = [...this.sound.keys()].sort((a, b) => a - b).map((k) => this.sound.get(k)!);
    for (const c of clips) if (!c.vector.every(Number.isFinite)) return new Error('encoder produced non-finite values');
    const dim = frames[0]!.vector.length;
    const mean = new Float64Array(dim);
    for (const f of frames) for (let i = 0; i < dim; i++) mean[i]! += f.vector[i]!;
    let n2 = 0;
    for (let i = 0; i < dim; i++) n2 += mean[i]! * mean[i]!;
    const inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
    const base = Float32Array.from(mean, (v) => v * inv);
    return { modality: 'image', base, expert: null, c: 1, factor: null, raw: {}, frames, ...(clips.length ? { clips } : {}) };
  }
}

/**
 * The mutation fuzzer in CI (issue 15): every target's samples are valid, then 2000 seeded cases over all 26 targets
 * (WAV, FLAC, MP3, Ogg Vorbis/Opus, M4A, JPEG, PNG, GIF, BMP, WebP, TIFF, AVIF, HEIC, camera RAW, videos in MP4, MOV,
 * WebM and MKV, pack.json, tokenizer.json, the query parser, the IPC validators) each end within the time limit, under 1 GB resident, with a
 * result or a named error. The same seed is the same cases, so a failure here reproduces with the printed command.
 * `npm run fuzz -- --cases 100000 --seed S` is the long run (figures in docs/SECURITY.md).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures';

const FUZZ = join(repoRoot, 'out', 'fuzz', 'fuzz.js');
const CASES = 2000;
const SEED = 20240515;

describe('mutation fuzzer', () => {
  it('every sample the mutants start from is valid (runs to a result)', { timeout: 120_000 }, () => {
    const r = spawnSync(process.execPath, [FUZZ, '--check-samples'], { encoding: 'utf8' });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout) as { samples: { target: string; count: number }[]; bad: unknown[] };
    expect(out.bad).toEqual([]);
    expect(out.samples.length).toBeGreaterThanOrEqual(26);
    for (const s of out.samples) expect(s.count, s.target).toBeGreaterThan(0);
  });

  it(`${CASES} cases (seed ${SEED}): no crash, no timeout, max RSS under 1 GB, every case a result or a named error`, { timeout: 600_000 }, () => {
    const r = spawnSync(process.execPath, [FUZZ, '--cases', String(CASES), '--seed', String(SEED)], { encoding: 'utf8' });
    const s = JSON.parse(r.stdout) as {
      cases: number; errors_named: number; crashes: number; timeouts: number; max_rss_mb: number; results: number;
      by_target: Record<string, { cases: number; results: number; named: number }>;
    };
    // the first lines of stderr name the failing cases and how to reproduce them
    expect(s.crashes, r.stderr.slice(0, 4000)).toBe(0);
    expect(s.timeouts, r.stderr.slice(0, 4000)).toBe(0);
    expect(r.status).toBe(0);
    expect(s.cases).toBe(CASES);
    expect(s.errors_named + s.results).toBe(CASES);
    expect(s.max_rss_mb).toBeLessThan(1024);
    expect(Object.keys(s.by_target).length).toBeGreaterThanOrEqual(26);
    // mutants reach past the first check: some of every binary format still decode
    for (const [t, v] of Object.entries(s.by_target)) if (!/pack\.json|tokenizer/.test(t)) expect(v.results, t).toBeGreaterThan(0);
    console.log(`[fuzz] ${JSON.stringify({ cases: s.cases, errors_named: s.errors_named, crashes: s.crashes, timeouts: s.timeouts, max_rss_mb: s.max_rss_mb })}`);
  });
});

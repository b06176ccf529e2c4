/**
 * Issue 15, item 1, end to end: WAVs whose headers lie about the sample rate go through `molecule index` and
 * `molecule search --audio` in bounded time and memory, each with a named reason. The CLI runs under a guard that
 * kills it past 1.5 GB resident or 3 minutes (the old code reached 6.9 GB in 12 s on the first file and never ended).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGuarded } from '../../fuzz/guard';
import { repoRoot } from '../helpers/fixtures';
import { reproWav, wav } from '../helpers/wav';
import { PACK, tempDir } from './helpers';
import { makeWav } from './media';

const CLI = join(repoRoot, 'out', 'cli', 'molecule.js');
const { dir, cleanup } = tempDir('hostile');
afterAll(cleanup);
const LIMITS = { timeoutMs: 180_000, maxRssMb: 1536 };

describe('hostile WAV headers through the CLI', () => {
  it('index: each lying header is a named failure, good files index, peak memory stays under 1 GB', { timeout: 200_000 }, async () => {
    const lib = join(dir, 'lib');
    mkdirSync(lib, { recursive: true });
    writeFileSync(join(lib, 'rate-ffffffff.wav'), reproWav());
    writeFileSync(join(lib, 'rate-7fffffff.wav'), wav(16000, (b) => b.writeUInt32LE(0x7fffffff, 24)));
    writeFileSync(join(lib, 'rate-1.wav'), wav(16000, (b) => b.writeUInt32LE(1, 24)));
    writeFileSync(join(lib, 'channels-ffff.wav'), wav(16000, (b) => b.writeUInt16LE(0xffff, 22)));
    makeWav(join(lib, 'good.wav'), 1, 1);
    makeWav(join(lib, 'coprime-767999.wav'), 2, 1, 767_999);
    const r = await runGuarded(process.execPath, [CLI, 'index', lib, '--db', join(dir, 'lib.db'), '--pack', PACK, '--quiet', '--no-checksums', '--workers', '1'], LIMITS);
    expect(r.killed, `killed for ${r.killed} at ${r.peakRssMb} MB after ${r.elapsedMs.toFixed(0)} ms`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { indexed: number; failed: number; failures: { path: string; reason: string }[] };
    const reason = (n: string) => s.failures.find((f) => f.path === join(lib, n))?.reason;
    expect(reason('rate-ffffffff.wav')).toMatch(/sample rate 4294967295 Hz \(accepted: 1000–768000 Hz\)/);
    expect(reason('rate-7fffffff.wav')).toMatch(/sample rate 2147483647 Hz/);
    expect(reason('rate-1.wav')).toMatch(/sample rate 1 Hz/);
    expect(reason('channels-ffff.wav')).toMatch(/65535 channels \(limit 64\)/);
    expect(s.failed).toBe(4);
    expect(s.indexed).toBe(2);
    expect(r.peakRssMb).toBeLessThan(1024);
  });

  it('search --audio with the repro WAV: exit 1 naming the sample rate, quickly', { timeout: 200_000 }, async () => {
    const q = join(dir, 'query.wav');
    writeFileSync(q, reproWav());
    const db = join(dir, 'q.db');
    const lib = join(dir, 'one');
    makeWav(join(lib, 'a.wav'), 3, 1);
    const idx = await runGuarded(process.execPath, [CLI, 'index', lib, '--db', db, '--pack', PACK, '--quiet', '--no-checksums', '--workers', '0'], LIMITS);
    expect(idx.status, idx.stderr).toBe(0);
    const r = await runGuarded(process.execPath, [CLI, 'search', '--db', db, '--audio', q, '--json'], LIMITS);
    expect(r.killed, `killed for ${r.killed} at ${r.peakRssMb} MB`).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/sample rate 4294967295 Hz/);
    expect(r.peakRssMb).toBeLessThan(1024);
  });
});

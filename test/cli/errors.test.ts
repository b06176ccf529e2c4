// Bad input to the engine commands: a clear single error line naming the thing, non-zero exit.
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKS, demo, molecule } from './helpers';

const work = mkdtempSync(join(tmpdir(), 'molecule-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const firstLine = (s: string) => s.trim().split('\n')[0];

describe('pack verify', () => {
  it('ok on a good pack, with the test-pack label', async () => {
    const r = await molecule(['pack', 'verify', PACKS.ft]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[TEST PACK — random weights, no semantic meaning\] ok: internvl-ib-ft-pp-test \(InternVL_IB_FT_PP, 768-d\) — 19 files sha256-verified, 13 ONNX signatures checked/);
  });

  it('exit 1 with the reason on a corrupt file', async () => {
    const d = join(work, 'corrupt');
    cpSync(PACKS.ibpp, d, { recursive: true });
    const f = join(d, 'clap_general_text.onnx');
    const b = readFileSync(f);
    b[b.length - 10] ^= 0xff;
    writeFileSync(f, b);
    const r = await molecule(['pack', 'verify', d]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^molecule pack verify: clap_general_text\.onnx: sha256 mismatch/);
    const j = await molecule(['pack', 'verify', d, '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, pack: { id: 'ib-pp-test', label: expect.stringMatching(/TEST PACK/) } });
    // embed refuses the corrupt pack too
    const e = await molecule(['embed', '--pack', d, '--text', 'x', '--json']);
    expect(e.code).toBe(1);
    expect(e.stdout).toBe('');
    expect(firstLine(e.stderr)).toMatch(/^molecule embed: clap_general_text\.onnx: sha256 mismatch/);
  });
});

describe('embed / matrix', () => {
  it('missing pack folder, missing pack.json', async () => {
    const a = await molecule(['embed', '--pack', join(work, 'nope'), '--text', 'x']);
    expect(a.code).toBe(1);
    expect(a.stderr.trim()).toBe(`molecule embed: ${join(work, 'nope')}: pack folder not found`);
    const b = await molecule(['embed', '--pack', work, '--text', 'x']);
    expect(b.code).toBe(1);
    expect(b.stderr.trim()).toBe(`molecule embed: ${join(work, 'pack.json')}: missing (not a model pack folder)`);
  });

  it('unreadable media is named; no partial JSON on stdout', async () => {
    const bad = join(work, 'broken.wav');
    writeFileSync(bad, 'RIFF....WAVEjunk');
    const r = await molecule(['embed', '--pack', PACKS.ibpp, '--image', demo('BBQ.jpeg'), '--audio', bad, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(bad);
  });

  it('bad factors, bad preset, unknown provider, missing inputs are usage errors (exit 2)', async () => {
    for (const [args, msg] of [
      [['--text-factor', '1.5'], /--text-factor must be a number in \[0, 1\], got "1.5"/],
      [['--audio-factor', 'abc'], /--audio-factor must be a number in \[0, 1\]/],
      [['--preset', 'fast'], /--preset must be versatile or at-expertise/],
    ] as const) {
      const r = await molecule(['embed', '--pack', PACKS.ibpp, '--text', 'x', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    const p = await molecule(['embed', '--pack', PACKS.ibpp, '--text', 'x', '--providers', 'cuda,gpu']);
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/unknown execution provider "gpu"/);
    const m = await molecule(['matrix', '--pack', PACKS.ibpp, '--images', demo('BBQ.jpeg')]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/matrix needs --images, --audios and --texts/);
  });

  it('--cpu skips the GPU providers; an unavailable provider falls back to cpu and says why', async () => {
    const cpu = JSON.parse((await molecule(['embed', '--pack', PACKS.ibpp, '--text', 'x', '--json', '--cpu'])).stdout);
    expect(cpu.providers.imagebind_text).toMatchObject({ provider: 'cpu', tried: [{ provider: 'cpu' }] });
    const dml = JSON.parse((await molecule(['embed', '--pack', PACKS.ibpp, '--text', 'x', '--json', '--providers', 'dml'])).stdout);
    expect(dml.providers.imagebind_text.provider).toBe('cpu');
    expect(dml.providers.imagebind_text.note).toMatch(/^cpu after dml failed: /);
    // same vector whatever provider path was taken
    expect(dml.items[0].vector).toEqual(cpu.items[0].vector);
  });
});

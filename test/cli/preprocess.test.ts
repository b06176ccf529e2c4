// `molecule preprocess` through the built CLI: every kind on the demo files, and fixture cases compared with the
// reference tensors at the tolerances of docs/REFERENCE.md §10.3.
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { casesOf, errorStats, inputPath, readTensor, type FixtureCase } from '../helpers/fixtures';
import { demo, molecule } from './helpers';

const out = mkdtempSync(join(tmpdir(), 'molecule-pre-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function pre(args: string[], file: string) {
  const r = await molecule(['preprocess', ...args, '--out', file]);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const buf = readFileSync(file);
  return { json: JSON.parse(lines[0]!), data: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)) };
}
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe('every kind on the demo assets', () => {
  it.each([
    ['imagebind_vision', demo('BBQ.jpeg'), [3, 224, 224]],
    ['imagebind_audio', demo('BBQ.wav'), [3, 1, 128, 204]],
    ['clap_fusion_mel', demo('toilet.wav'), [4, 1001, 64]],
    ['clap_nonfusion_waveform', demo('train.wav'), [480000]],
  ] as const)('%s', async (kind, file, shape) => {
    const { json, data } = await pre(['--kind', kind, '--file', file], join(out, `${kind}.f32`));
    expect(json.kind).toBe(kind);
    expect(json.shape).toEqual(shape);
    expect(data.length).toBe(size([...shape]));
    expect(data.every(Number.isFinite)).toBe(true);
    if (kind === 'clap_fusion_mel') expect(json.longer).toBe(false); // 10 s at 32 kHz → exactly 480000 samples at 48 kHz
  });

  it('imagebind_tokens', async () => {
    const { json, data } = await pre(['--kind', 'imagebind_tokens', '--text', 'an audio of train'], join(out, 'tok.f32'));
    expect(json.shape).toEqual([77]);
    expect(json.ids[0]).toBe(49406);
    expect(json.ids[json.eot_index]).toBe(49407);
    expect(Array.from(data)).toEqual(json.ids);
  });
});

describe('fixture cases (bytes vs reference within tolerance)', () => {
  const png = casesOf('image').find((c) => c.input.path!.endsWith('.png'))!;
  const jpeg = casesOf('image').find((c) => /\.jpe?g$/.test(c.input.path!))!;
  it.each([png, jpeg])('imagebind_vision $id: max abs ≤ 1e-6', async (c: FixtureCase) => {
    const { json, data } = await pre(['--kind', 'imagebind_vision', '--file', inputPath(c)], join(out, `${c.id}.f32`));
    expect(json.shape).toEqual(c.outputs.imagebind_vision.shape);
    expect(errorStats(data, readTensor(c.outputs.imagebind_vision)).max).toBeLessThanOrEqual(1e-6);
  });

  const aud = casesOf('audio')[0]!;
  it(`imagebind_audio ${aud.id}: max ≤ 0.05, p99.9 ≤ 0.02, mean ≤ 2e-4`, async () => {
    const { data } = await pre(['--kind', 'imagebind_audio', '--file', inputPath(aud)], join(out, `${aud.id}-ib.f32`));
    const e = errorStats(data, readTensor(aud.outputs.imagebind_audio));
    expect(e.max).toBeLessThanOrEqual(0.05);
    expect(e.p999).toBeLessThanOrEqual(0.02);
    expect(e.mean).toBeLessThanOrEqual(2e-4);
  });

  const a48 = casesOf('audio').find((c) => c.input.samplerate === 48000 && c.outputs.clap_nonfusion_waveform && c.outputs.clap_fusion_mel)!;
  it(`clap_nonfusion_waveform ${a48?.id}: exact for 48 kHz input`, async () => {
    const { data } = await pre(['--kind', 'clap_nonfusion_waveform', '--file', inputPath(a48)], join(out, `${a48.id}-w.f32`));
    expect(errorStats(data, readTensor(a48.outputs.clap_nonfusion_waveform)).max).toBe(0);
  });
  it(`clap_fusion_mel ${a48?.id}: longer flag, max ≤ 1 dB, p99.9 ≤ 0.2 dB, mean ≤ 0.02 dB`, async () => {
    const { json, data } = await pre(['--kind', 'clap_fusion_mel', '--file', inputPath(a48)], join(out, `${a48.id}-m.f32`));
    expect(json.longer).toBe(a48.meta.clap_fusion.longer);
    const e = errorStats(data, readTensor(a48.outputs.clap_fusion_mel));
    expect(e.max).toBeLessThanOrEqual(1.0);
    expect(e.p999).toBeLessThanOrEqual(0.2);
    expect(e.mean).toBeLessThanOrEqual(0.02);
  });

  const txt = casesOf('text').filter((c) => /^[\x20-\x7e]+$/.test(c.input.text ?? '')).slice(0, 3);
  it.each(txt)('imagebind_tokens $id: ids and eot_index exact', async (c: FixtureCase) => {
    const { json } = await pre(['--kind', 'imagebind_tokens', '--text', c.input.text!], join(out, `${c.id}.f32`));
    expect(json.ids).toEqual(c.outputs.imagebind_tokens);
    expect(json.eot_index).toBe(c.outputs.imagebind_eot_index);
  });
});

describe('bad input: one clear line, non-zero exit, nothing half-written', () => {
  it('unreadable media names the file and leaves no --out file', async () => {
    const target = join(out, 'never.f32');
    const r = await molecule(['preprocess', '--kind', 'imagebind_audio', '--file', demo('BBQ.jpeg'), '--out', target]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('BBQ.jpeg');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('missing file, unknown kind, text for a file kind', async () => {
    const a = await molecule(['preprocess', '--kind', 'imagebind_vision', '--file', '/nonexistent/x.png']);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/^molecule preprocess: .*\/nonexistent\/x\.png/);
    const b = await molecule(['preprocess', '--kind', 'mel', '--file', demo('BBQ.wav')]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/unknown --kind "mel"/);
    const c = await molecule(['preprocess', '--kind', 'clap_fusion_mel', '--text', 'hi']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/needs --file PATH/);
  });
});

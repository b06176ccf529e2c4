// `molecule embed` and `molecule matrix` end to end through the built CLI on the six demo assets.
import { describe, expect, it } from 'vitest';
import { AUDIOS, IMAGES, PACKS, TEXTS, molecule } from './helpers';

interface EmbedOut {
  pack: { id: string; name: string; test: boolean; space: string; dim: number; label?: string };
  providers: Record<string, { provider: string; note: string; tried: { provider: string; error?: string }[] }>;
  factors: { text: number; audio: number };
  items: { modality: string; input: string; vector: number[] }[];
}

const embedArgs = (pack: string, extra: string[] = []) => ['embed', '--pack', pack, '--image', ...IMAGES, '--audio', ...AUDIOS, '--text', ...TEXTS, '--json', ...extra];

async function embed(pack: string, extra: string[] = []): Promise<EmbedOut> {
  const r = await molecule(embedArgs(pack, extra));
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as EmbedOut;
}
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe.each([
  ['IB_PP', PACKS.ibpp, 1024],
  ['InternVL_IB_FT_PP', PACKS.ft, 768],
] as const)('embed with the %s test pack', (space, pack, dim) => {
  it('prints pack (with test label), providers and 9 unit-norm vectors; deterministic across runs', async () => {
    const [a, b] = [await embed(pack), await embed(pack)];
    expect(a.pack).toMatchObject({ test: true, space, dim, label: 'TEST PACK — random weights, no semantic meaning' });
    expect(a.pack.name).toMatch(/TEST PACK/);
    expect(a.items.map((i) => i.modality)).toEqual(['image', 'image', 'image', 'audio', 'audio', 'audio', 'text', 'text', 'text']);
    expect(a.items.map((i) => i.input)).toEqual([...IMAGES, ...AUDIOS, ...TEXTS]);
    for (const it of a.items) {
      expect(it.vector).toHaveLength(dim);
      expect(Math.abs(norm(it.vector) - 1)).toBeLessThan(1e-5);
    }
    expect(a.items).toEqual(b.items);
    // distinct inputs give distinct vectors
    for (let i = 0; i < 9; i += 3) expect(maxDiff(a.items[i]!.vector, a.items[i + 1]!.vector)).toBeGreaterThan(1e-3);
    expect(a.factors).toEqual({ text: 0.1, audio: 0.5 });
    // provider fallback is reported: CUDA is tried on Linux and fails here, CPU runs
    expect(Object.keys(a.providers)).toEqual(expect.arrayContaining(['imagebind_vision', 'imagebind_text', 'clap_general_audio']));
    for (const p of Object.values(a.providers)) {
      expect(p.provider).toBe('cpu');
      expect(p.tried[0]).toMatchObject({ provider: 'cuda', error: expect.stringMatching(/cuda/i) });
    }
  });

  it('presets change audio and text vectors but not image vectors (no factor governs images)', async () => {
    const v = await embed(pack, ['--preset', 'versatile']);
    const at = await embed(pack, ['--preset', 'at-expertise']);
    expect(at.factors).toEqual({ text: 0.5, audio: 0.8 });
    for (let i = 0; i < 3; i++) expect(at.items[i]!.vector).toEqual(v.items[i]!.vector);
    for (let i = 3; i < 9; i++) expect(maxDiff(at.items[i]!.vector, v.items[i]!.vector)).toBeGreaterThan(1e-3);
    // a custom text factor equal to the preset's gives the preset's text vectors; audio follows --audio-factor
    const custom = await embed(pack, ['--text-factor', '0.1', '--audio-factor', '0.8']);
    for (let i = 6; i < 9; i++) expect(custom.items[i]!.vector).toEqual(v.items[i]!.vector);
    for (let i = 3; i < 6; i++) expect(custom.items[i]!.vector).toEqual(at.items[i]!.vector);
  });
});

describe('matrix', () => {
  const args = (pack: string, extra: string[] = []) => ['matrix', '--pack', pack, '--images', ...IMAGES, '--audios', ...AUDIOS, '--texts', ...TEXTS, ...extra];

  it.each([PACKS.ibpp, PACKS.ft])('--json on %s: row-wise softmax(10·cos) of the embed vectors, deterministic', async (pack) => {
    const r1 = await molecule(args(pack, ['--json', '--preset', 'at-expertise']));
    const r2 = await molecule(args(pack, ['--json', '--preset', 'at-expertise']));
    expect(r1.code).toBe(0);
    expect(r1.stdout).toBe(r2.stdout);
    const m = JSON.parse(r1.stdout);
    expect(m.pack.label).toBe('TEST PACK — random weights, no semantic meaning');
    const e = await embed(pack, ['--preset', 'at-expertise']);
    const vec = (mod: string) => e.items.filter((i) => i.modality === mod).map((i) => i.vector);
    for (const [key, rows, cols] of [['audio_x_image', 'audio', 'image'], ['audio_x_text', 'audio', 'text'], ['image_x_text', 'image', 'text']] as const) {
      const { softmax, cosine } = m[key] as { softmax: number[][]; cosine: number[][] };
      expect(softmax).toHaveLength(3);
      vec(rows).forEach((a, i) => {
        expect(softmax[i]!.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
        const c = vec(cols).map((b) => cos(a, b));
        c.forEach((x, j) => expect(cosine[i]![j]).toBeCloseTo(x, 9));
        const ex = c.map((x) => Math.exp(10 * x));
        const s = ex.reduce((p, q) => p + q, 0);
        ex.forEach((x, j) => expect(softmax[i]![j]).toBeCloseTo(x / s, 9));
      });
    }
  });

  it('human embed output: every line carries the test-pack label', async () => {
    const r = await molecule(['embed', '--pack', PACKS.ft, '--image', IMAGES[0]!, '--text', 'x']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\[TEST PACK — random weights, no semantic meaning\] pack internvl-ib-ft-pp-test/);
    expect(lines.filter((l) => /^\[TEST PACK\] (image|text)\t/.test(l))).toHaveLength(2);
  });

  it('human table: test-pack header and the three matrices in README order', async () => {
    const r = await molecule(args(PACKS.ibpp));
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('[TEST PACK — random weights, no semantic meaning] pack ib-pp-test (IB_PP, 1024-d)');
    const titles = lines.filter((l) => /^(Audio|Image) x /.test(l));
    const tag = ' [TEST PACK — random weights, no semantic meaning]';
    expect(titles).toEqual([`Audio x Image:${tag}`, `Audio x Text:${tag}`, `Image x Text:${tag}`]);
    const row = lines[lines.indexOf(`Audio x Image:${tag}`) + 2]!;
    expect(row.startsWith('BBQ.wav')).toBe(true);
    const nums = row.split(/\s+/).slice(1).map(Number);
    expect(nums).toHaveLength(3);
    expect(nums.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 3);
  });
});

import { describe, expect, it } from 'vitest';
import { VectorStore } from '../../src-main/search/vector-store';
import { PRESETS, type Factors } from '../../src-main/domain/types';
import { suggestTags, type LabelVectors } from '../../src-main/organise/tags';
import { ancestorsOf, parseAudioSet, parseLabelList } from '../../src-main/organise/vocabulary';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures';
import { lcg } from '../helpers/random';

const unitRandom = (r: () => number, d: number) => {
  const v = Float32Array.from({ length: d }, () => r() - 0.5);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const mix = (f: number, x: Float32Array | null, b: Float32Array) => {
  if (!x || f === 0) return b;
  const v = b.map((bi, i) => f * x[i]! + (1 - f) * bi);
  const n = Math.hypot(...v);
  return v.map((t) => t / n);
};

describe('zero-shot tags', () => {
  const d = 48;
  const r = lcg(5);
  const store = new VectorStore(d, 4, 4);
  const items: { id: number; b: Float32Array; x: Float32Array | null; audio: boolean }[] = [];
  for (let i = 0; i < 60; i++) {
    const audio = i % 2 === 0;
    const b = unitRandom(r, d);
    const x = audio ? unitRandom(r, d) : null;
    items.push({ id: 100 + i, b, x, audio });
    store.upsert({ id: 100 + i, modality: audio ? 'audio' : 'image', base: b, expert: x, c: x ? dot(x, b) : 1, factor: audio ? 'audio' : null, date: 0, durationSec: audio ? 3 : null, paths: [`/f/${i}`] });
  }
  const labels = parseLabelList('animal > dog\nanimal > cat\nvehicle > car\nvehicle > train\nrain\nwind\nbell\nsiren');
  const lv: LabelVectors = {
    vocabId: 't',
    labels,
    dim: d,
    a: new Float32Array(labels.length * d),
    u: new Float32Array(labels.length * d),
  };
  labels.forEach((_, i) => {
    lv.a.set(unitRandom(r, d), i * d);
    lv.u!.set(unitRandom(r, d), i * d);
  });

  function bruteForce(target: 'audio' | 'image', factors: Factors, top: number) {
    return items
      .filter((it) => it.audio === (target === 'audio'))
      .map((it) => {
        const e = mix(it.audio ? factors.audio : 0, it.x, it.b);
        const scores = labels.map((l, j) => {
          const q = mix(factors.text, lv.u!.subarray(j * d, (j + 1) * d), lv.a.subarray(j * d, (j + 1) * d));
          return { labelId: l.id, score: dot(q, e) };
        });
        scores.sort((p, q) => q.score - p.score);
        return { itemId: it.id, labels: scores.slice(0, top) };
      });
  }

  for (const [preset, factors] of Object.entries(PRESETS)) {
    for (const target of ['audio', 'image'] as const) {
      it(`equal a brute-force top-k of fused label similarities (${preset}, ${target})`, async () => {
        const got = await suggestTags(store, lv, target, factors, { top: 4, threshold: -1 });
        const want = bruteForce(target, factors, 4);
        expect(got.map((g) => g.itemId)).toEqual(want.map((w) => w.itemId));
        got.forEach((g, i) => {
          expect(g.labels.map((l) => l.labelId)).toEqual(want[i]!.labels.map((l) => l.labelId));
          g.labels.forEach((l, j) => expect(l.score).toBeCloseTo(want[i]!.labels[j]!.score, 5));
        });
      });
    }
  }

  it('changes with the preset for audio items but not for images', async () => {
    const v = await suggestTags(store, lv, 'all', PRESETS.versatile, { top: 3, threshold: -1 });
    const a = await suggestTags(store, lv, 'all', PRESETS['at-expertise'], { top: 3, threshold: -1 });
    const differs = (pred: (id: number) => boolean) =>
      v.some((t, i) => pred(t.itemId) && t.labels.some((l, j) => Math.abs(l.score - a[i]!.labels[j]!.score) > 1e-4));
    expect(differs((id) => (id - 100) % 2 === 0)).toBe(true);
    // image scores still move (the label side mixes with the text factor), but images have no expert of their own
    const fixedText = await suggestTags(store, lv, 'image', { text: 0.1, audio: 0.9 }, { top: 3, threshold: -1 });
    const fixedText2 = await suggestTags(store, lv, 'image', { text: 0.1, audio: 0.2 }, { top: 3, threshold: -1 });
    expect(fixedText).toEqual(fixedText2);
  });

  it('applies the threshold and rolls labels up to their parents', async () => {
    const got = await suggestTags(store, lv, 'audio', PRESETS.versatile, { top: 8, threshold: 0 });
    for (const t of got) {
      for (const l of t.labels) expect(l.score).toBeGreaterThanOrEqual(0);
      for (const c of t.categories) {
        const children = t.labels.filter((l) => labels.find((x) => x.id === l.labelId)!.parents.includes(c.labelId));
        expect(children.length).toBeGreaterThan(0);
        expect(c.score).toBeCloseTo(Math.max(...children.map((x) => x.score)), 6);
      }
    }
    expect(got.some((t) => t.categories.length > 0)).toBe(true);
  });
});

describe('AudioSet hierarchy', () => {
  it('has 632 classes and resolves transitive ancestors', () => {
    const labels = parseAudioSet(readFileSync(join(repoRoot, 'resources/vocabularies/audioset-ontology.json'), 'utf8'));
    expect(labels.length).toBe(632);
    const anc = ancestorsOf(labels);
    const byName = new Map(labels.map((l) => [l.name, l.id]));
    const names = (id: string) => anc.get(id)!.map((a) => labels.find((l) => l.id === a)!.name);
    // "Bark" sits under "Dog" → "Domestic animals, pets" → "Animal"
    const bark = byName.get('Bark')!;
    expect(names(bark)).toEqual(expect.arrayContaining(['Dog', 'Domestic animals, pets', 'Animal']));
    const roots = labels.filter((l) => l.parents.length === 0).map((l) => l.name);
    expect(roots).toHaveLength(7);
  });
});

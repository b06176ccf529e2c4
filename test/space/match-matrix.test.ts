// The match explorer's matrices (space/match-matrix.ts) on a real test pack: one encoder run for all presets,
// blocks equal to the fused vectors' cosines and row-wise softmax(10·cos), and empty sides handled.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures';
import { openSpace } from '../../src-main/space/open-space';
import { fuse } from '../../src-main/space/components';
import { dot } from '../../src-main/space/fusion';
import { matchMatrix } from '../../src-main/space/match-matrix';
import { PRESETS } from '../../src-main/domain/types';
import type { Space } from '../../src-main/space/types';

const demo = (f: string) => ({ name: f, path: join(repoRoot, 'resources/demo', f) });
let space: Space;
beforeAll(async () => {
  space = await openSpace(join(repoRoot, 'models/test-packs/ib-pp-test'));
});
afterAll(() => space?.close());

describe('matchMatrix', () => {
  it('two presets from one encoding: cosines of the fused vectors, softmax rows sum to 1, presets differ', async () => {
    const images = [demo('train.jpeg'), demo('BBQ.jpeg')];
    const audios = [demo('train.wav'), demo('toilet.wav')];
    const texts = ['a train passing', 'a toilet flushing', 'a barbecue'];
    const presets = [
      { label: 'Versatile', factors: PRESETS.versatile },
      { label: 'AT', factors: PRESETS['at-expertise'] },
    ];
    const r = await matchMatrix(space, { images, audios, texts }, presets);
    expect(r.results).toHaveLength(2);
    expect(r.encodeMs).toBeGreaterThan(0);
    const [ic, ac, tc] = await Promise.all([space.embedImages(images.map((x) => x.path)), space.embedAudios(audios.map((x) => x.path)), space.embedTexts(texts)]);
    for (const res of r.results) {
      const f = res.preset.factors;
      expect(res.audioImage.rows).toEqual(['train.wav', 'toilet.wav']);
      expect(res.audioImage.cols).toEqual(['train.jpeg', 'BBQ.jpeg']);
      expect(res.audioText.cols).toEqual(texts);
      for (let a = 0; a < 2; a++) {
        for (let t = 0; t < 3; t++) expect(res.audioText.cosine[a]![t]!).toBeCloseTo(dot(fuse(ac[a]!, f), fuse(tc[t]!, f)), 5);
        for (let i = 0; i < 2; i++) expect(res.audioImage.cosine[a]![i]!).toBeCloseTo(dot(fuse(ac[a]!, f), fuse(ic[i]!, f)), 5);
        const row = res.audioText.softmax[a]!;
        expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
        const ex = res.audioText.cosine[a]!.map((c) => Math.exp(10 * c));
        const z = ex.reduce((s, v) => s + v, 0);
        row.forEach((v, t) => expect(v).toBeCloseTo(ex[t]! / z, 6));
      }
    }
    // the audio–text factor differs between the presets, so the audio×text cosines must differ too
    expect(r.results[0]!.audioText.cosine).not.toEqual(r.results[1]!.audioText.cosine);
  });

  it('a side with nothing picked gives an empty block, not an error', async () => {
    const r = await matchMatrix(space, { images: [demo('train.jpeg')], audios: [], texts: ['a train'] }, [{ label: 'V', factors: PRESETS.versatile }]);
    const res = r.results[0]!;
    expect(res.audioImage).toEqual({ rows: [], cols: ['train.jpeg'], cosine: [], softmax: [] });
    expect(res.imageText.cosine).toHaveLength(1);
    expect(res.imageText.cosine[0]).toHaveLength(1);
  });
});

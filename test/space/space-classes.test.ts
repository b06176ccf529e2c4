// The four space classes without a committed test pack, built from copies of the test packs with pack.json
// rewritten (same ONNX files): checks each class's composition, inner factor and factor table (§7.3/§7.4).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures';
import { openSpace } from '../../src-main/space/open-space';
import { ensembleMean, mix } from '../../src-main/space/fusion';
import type { EmbeddingComponents, Space } from '../../src-main/space/types';
import type { SpaceClass } from '../../src-main/domain/types';

const work = mkdtempSync(join(tmpdir(), 'molecule-classes-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const demo = (f: string) => join(repoRoot, 'resources/demo', f);

function variant(src: string, space: SpaceClass, edit: (m: any) => void = () => undefined): string {
  const d = join(work, space);
  cpSync(join(repoRoot, 'models/test-packs', src), d, { recursive: true });
  const m = JSON.parse(readFileSync(join(d, 'pack.json'), 'utf8'));
  m.space = space;
  m.id = space.toLowerCase().replace(/_/g, '-');
  edit(m);
  writeFileSync(join(d, 'pack.json'), JSON.stringify(m));
  return d;
}
/** InternVL_IB(_PP) need a plain imagebind_audio: reuse the FT trunk file under that id. */
const addPlainAudio = (m: any) => {
  m.encoders.imagebind_audio = { ...m.encoders.imagebind_ft_audio };
  m.rawDims.imagebind_audio = 1024;
};
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 2e-6): void {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  expect(a.length).toBe(b.length);
  expect(d).toBeLessThanOrEqual(tol);
}
async function all(s: Space): Promise<{ img: EmbeddingComponents; aud: EmbeddingComponents; txt: EmbeddingComponents }> {
  const [img] = await s.embedImages([demo('train.jpeg')]);
  const [aud] = await s.embedAudios([demo('train.wav')]);
  const [txt] = await s.embedTexts(['an audio of train']);
  return { img: img!, aud: aud!, txt: txt! };
}

describe('space classes built from the test packs', () => {
  it('ImageBind: every modality is the plain ImageBind vector, no factors', async () => {
    const ib = await openSpace(variant('ib-pp-test', 'ImageBind'), { idleMs: 0 });
    const pp = await openSpace(join(repoRoot, 'models/test-packs/ib-pp-test'), { idleMs: 0 });
    const a = await all(ib);
    const b = await all(pp);
    expect([ib.factorFor('image'), ib.factorFor('text'), ib.factorFor('audio')]).toEqual([null, null, null]);
    for (const k of ['img', 'aud', 'txt'] as const) {
      expect(a[k].expert).toBeNull();
      close(a[k].base, b[k].base, 0);
    }
    await ib.close();
    await pp.close();
  });

  it('InternVL_IB (inner 0.2, audio = Drvt(IB audio)) and InternVL_IB_FT (inner 0.1, FT head)', async () => {
    const vl = await openSpace(variant('internvl-ib-ft-pp-test', 'InternVL_IB', addPlainAudio), { idleMs: 0 });
    const ft = await openSpace(variant('internvl-ib-ft-pp-test', 'InternVL_IB_FT'), { idleMs: 0 });
    const a = await all(vl);
    const b = await all(ft);
    const drvtImg = ensembleMean(await headsOfFamily(vl, a.img.raw.imagebind_vision!));
    close(a.img.base, mix(drvtImg, a.img.raw.internvl_vision!, 0.2));
    close(b.img.base, mix(drvtImg, b.img.raw.internvl_vision!, 0.1));
    // InternVL_IB audio: Drvt of the clip-averaged trunk; InternVL_IB_FT: the FT head of the same trunk
    close(a.aud.raw.imagebind_audio!, b.aud.raw.imagebind_ft_audio!, 0);
    close(a.aud.base, ensembleMean(await headsOfFamily(vl, a.aud.raw.imagebind_audio!)));
    expect(Math.max(...a.aud.base.map((v, i) => Math.abs(v - b.aud.base[i]!)))).toBeGreaterThan(1e-3);
    for (const x of [a, b]) for (const k of ['img', 'aud', 'txt'] as const) expect(x[k].expert).toBeNull();
    await vl.close();
    await ft.close();
  });

  it('InternVL_IB_PP: f_text / f_audio over the InternVL_IB text and audio', async () => {
    const pp = await openSpace(
      variant('internvl-ib-ft-pp-test', 'InternVL_IB_PP', (m) => {
        addPlainAudio(m);
        delete m.roles.ftAudioHead;
      }),
      { idleMs: 0 },
    );
    const vl = await openSpace(variant('internvl-ib-ft-pp-test', 'InternVL_IB', addPlainAudio), { idleMs: 0 });
    const a = await all(pp);
    const b = await all(vl);
    expect([pp.factorFor('image'), pp.factorFor('text'), pp.factorFor('audio')]).toEqual([null, 'text', 'audio']);
    close(a.img.base, b.img.base, 0);
    close(a.txt.base, b.txt.base, 0);
    close(a.aud.base, b.aud.base, 0);
    expect(a.txt.factor).toBe('text');
    expect(a.aud.factor).toBe('audio');
    expect(a.aud.expert).not.toBeNull();
    await pp.close();
    await vl.close();
  });
});

/** The pack's displacement family (InternVL_IB_Proj.onnx) run directly on x: its 7 heads. */
async function headsOfFamily(s: Space, x: Float32Array): Promise<Float32Array[]> {
  const ort = await import('onnxruntime-node');
  const sess = await ort.InferenceSession.create(join(s.packDir, 'InternVL_IB_Proj.onnx'));
  const y = (await sess.run({ x: new ort.Tensor('float32', x, [1, x.length]) })).heads!;
  await sess.release();
  const d = y.dims[2]!;
  return Array.from({ length: 7 }, (_, h) => (y.data as Float32Array).slice(h * d, (h + 1) * d));
}

// openSpace on the committed test packs: the §7.3 composition is recomputed here independently (direct ONNX
// Runtime sessions + the fusion functions) and compared with the Space's components.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures';
import { openSpace } from '../../src-main/space/open-space';
import { fuse } from '../../src-main/space/components';
import { dot, ensembleMean, headsOf, l2normalize, mix } from '../../src-main/space/fusion';
import { preprocess } from '../../src-main/preprocess/dispatch';
import { ClipTokenizer } from '../../src-main/preprocess/text/clip-tokenizer';
import { loadInternVLTokenizer, loadRobertaTokenizer } from '../../src-main/preprocess/text/hf-tokenizer';
import { imagebindAudioClips } from '../../src-main/preprocess/audio/imagebind-audio';
import { decodeAudio } from '../../src-main/preprocess/audio/decode';
import { PRESETS } from '../../src-main/domain/types';
import type { Space } from '../../src-main/space/types';

const demo = (f: string) => join(repoRoot, 'resources/demo', f);
const packDir = (p: string) => join(repoRoot, 'models/test-packs', p);

async function run(dir: string, file: string, feeds: Record<string, ort.Tensor>): Promise<ort.Tensor> {
  const s = await ort.InferenceSession.create(join(dir, file));
  const out = await s.run(feeds);
  await s.release();
  return out[s.outputNames[0]!]!;
}
const rows = (t: ort.Tensor): Float32Array[] => {
  const d = t.dims[t.dims.length - 1]!;
  const n = t.dims[0]!;
  return Array.from({ length: n }, (_, i) => l2normalize((t.data as Float32Array).subarray(i * d, (i + 1) * d)));
};
const i64 = (ids: number[]) => BigInt64Array.from(ids, (v) => BigInt(v));
async function family(dir: string, fam: string, x: Float32Array): Promise<Float32Array[]> {
  const t = await run(dir, `${fam}.onnx`, { x: new ort.Tensor('float32', x, [1, x.length]) });
  return headsOf(t.data as Float32Array, 0, 7, t.dims[2]!).map((h) => Float32Array.from(h));
}
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 2e-6): void {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  expect(m).toBeLessThanOrEqual(tol);
}
const norm = (v: ArrayLike<number>) => Math.sqrt(dot(v, v));

describe('IB_PP test pack', () => {
  const dir = packDir('ib-pp-test');
  let space: Space;
  beforeAll(async () => {
    space = await openSpace(dir, { idleMs: 0 });
  });
  afterAll(() => space.close());

  it('labels itself and reads the factor table of IB_PP', () => {
    expect(space.isTestPack).toBe(true);
    expect(space.packName).toMatch(/TEST PACK/);
    expect([space.spaceClass, space.dim]).toEqual(['IB_PP', 1024]);
    expect([space.factorFor('image'), space.factorFor('text'), space.factorFor('audio')]).toEqual([null, 'text', 'audio']);
  });

  it('audio = mix(E_audio[14 projectors on CLAP-G/M], normalize(mean of 3 normalised IB clips), f_audio)', async () => {
    const [c] = await space.embedAudios([demo('BBQ.wav')]);
    const ib = await preprocess('imagebind_audio', { file: demo('BBQ.wav') });
    const base = ensembleMean(rows(await run(dir, 'imagebind_audio.onnx', { clips: new ort.Tensor('float32', ib.data, [3, 1, 128, 204]) })));
    const mel = await preprocess('clap_fusion_mel', { file: demo('BBQ.wav') });
    const wav = await preprocess('clap_nonfusion_waveform', { file: demo('BBQ.wav') });
    const g = rows(await run(dir, 'clap_general_audio.onnx', {
      mel_fusion: new ort.Tensor('float32', mel.data, [1, 4, 1001, 64]),
      longer: new ort.Tensor('bool', Uint8Array.of(mel.meta.longer ? 1 : 0), [1]),
    }))[0]!;
    const m = rows(await run(dir, 'clap_music_audio.onnx', { waveform: new ort.Tensor('float32', wav.data, [1, 480000]) }))[0]!;
    const expert = ensembleMean([...(await family(dir, 'IB_PP_G_Proj', g)), ...(await family(dir, 'IB_PP_M_Proj', m))]);
    close(c!.base, base);
    close(c!.expert!, expert);
    expect(c!.factor).toBe('audio');
    expect(c!.c).toBeCloseTo(dot(expert, base), 6);
    close(c!.raw.clap_general_audio!, g);
    close(c!.raw.clap_music_audio!, m);
    expect(c!.raw.imagebind_audio!.length).toBe(1024);
    for (const f of [0, 0.5, 0.8, 1]) close(fuse(c!, { text: 0.3, audio: f }), mix(expert, base, f));
    expect(norm(fuse(c!, PRESETS['at-expertise']))).toBeCloseTo(1, 6);
  });

  it('text = mix(E_text[14 projectors on CLAP texts], IB text at argmax EOT, f_text)', async () => {
    const text = 'an audio of barbeque';
    const [c] = await space.embedTexts([text]);
    const ids = ClipTokenizer.load(join(dir, 'tokenizers/bpe_simple_vocab_16e6.txt.gz')).encode(text).ids;
    const base = rows(await run(dir, 'imagebind_text.onnx', { tokens: new ort.Tensor('int64', i64(ids), [1, 77]) }))[0]!;
    const rt = loadRobertaTokenizer(join(dir, 'tokenizers/roberta/tokenizer.json')).encode(text);
    const feeds = () => ({
      input_ids: new ort.Tensor('int64', i64(rt.inputIds), [1, 77]),
      attention_mask: new ort.Tensor('int64', i64(rt.attentionMask), [1, 77]),
    });
    const g = rows(await run(dir, 'clap_general_text.onnx', feeds()))[0]!;
    const m = rows(await run(dir, 'clap_music_text.onnx', feeds()))[0]!;
    const expert = ensembleMean([...(await family(dir, 'IB_PP_G_Proj', g)), ...(await family(dir, 'IB_PP_M_Proj', m))]);
    close(c!.base, base);
    close(c!.expert!, expert);
    expect(c!.factor).toBe('text');
  });

  it('images are the plain ImageBind vector (no factor); batching does not change results', async () => {
    const files = [demo('BBQ.jpeg'), demo('toilet.jpeg'), demo('train.jpeg')];
    const all = await space.embedImages(files);
    for (let i = 0; i < files.length; i++) {
      const [one] = await space.embedImages([files[i]!]);
      close(all[i]!.base, one!.base, 1e-5);
      expect(all[i]!.expert).toBeNull();
      expect(all[i]!.c).toBe(1);
      expect(fuse(all[i]!, PRESETS.versatile)).toBe(all[i]!.base);
    }
    const v = await preprocess('imagebind_vision', { file: files[1]! });
    close(all[1]!.base, rows(await run(dir, 'imagebind_vision.onnx', { image: new ort.Tensor('float32', v.data, [1, 3, 224, 224]) }))[0]!);
  });

  it('prepare/encode stages give the same components as embed*', async () => {
    const p = await space.prepareAudio(demo('train.wav'));
    expect(Object.keys(p.tensors).sort()).toEqual(['clap_fusion_mel', 'clap_nonfusion_waveform', 'imagebind_audio']);
    expect(p.durationSec).toBeCloseTo(10, 6);
    const [a] = await space.encodeAudios([p]);
    const [b] = await space.embedAudios([demo('train.wav')]);
    close(a!.base, b!.base, 0);
    close(a!.expert!, b!.expert!, 0);
  });

  it('per-2s clips: consecutive spans, unit vectors = normalised IB clip embeddings', async () => {
    const [c] = await space.embedAudios([demo('toilet.wav')], { clips: true });
    const clips = c!.clips!;
    expect(clips.map((x) => [x.startSec, x.endSec])).toEqual([[0, 2], [2, 4], [4, 6], [6, 8], [8, 10]]);
    const ref = imagebindAudioClips(await decodeAudio(demo('toilet.wav')), 2);
    const direct = rows(await run(dir, 'imagebind_audio.onnx', { clips: new ort.Tensor('float32', ref.tensor, [5, 1, 128, 204]) }));
    clips.forEach((x, k) => close(x.vector, direct[k]!));
  });

  it('unreadable media and too-short audio fail with the file named', async () => {
    const d = mkdtempSync(join(tmpdir(), 'molecule-space-'));
    const bad = join(d, 'not-an-image.jpg');
    writeFileSync(bad, 'hello');
    await expect(space.embedImages([bad])).rejects.toThrow(bad);
    const tiny = join(d, 'tiny.wav');
    const pcm = Buffer.alloc(44 + 2 * 100);
    pcm.write('RIFF', 0); pcm.writeUInt32LE(36 + 200, 4); pcm.write('WAVE', 8); pcm.write('fmt ', 12);
    pcm.writeUInt32LE(16, 16); pcm.writeUInt16LE(1, 20); pcm.writeUInt16LE(1, 22); pcm.writeUInt32LE(16000, 24);
    pcm.writeUInt32LE(32000, 28); pcm.writeUInt16LE(2, 32); pcm.writeUInt16LE(16, 34); pcm.write('data', 36); pcm.writeUInt32LE(200, 40);
    writeFileSync(tiny, pcm);
    await expect(space.embedAudios([tiny])).rejects.toThrow(/tiny\.wav.*too short/);
  });
});

describe('InternVL_IB_FT_PP test pack', () => {
  const dir = packDir('internvl-ib-ft-pp-test');
  let space: Space;
  beforeAll(async () => {
    space = await openSpace(dir, { idleMs: 0 });
  });
  afterAll(() => space.close());

  it('image = mix(Drvt(IB image), InternVL-C image, 0.1) with Drvt = InternVL_IB_Proj ensemble', async () => {
    const [c] = await space.embedImages([demo('BBQ.jpeg')]);
    const ibIn = await preprocess('imagebind_vision', { file: demo('BBQ.jpeg') });
    const vlIn = await preprocess('internvl_vision', { file: demo('BBQ.jpeg') });
    const ib = rows(await run(dir, 'imagebind_vision.onnx', { image: new ort.Tensor('float32', ibIn.data, [1, 3, 224, 224]) }))[0]!;
    const vl = rows(await run(dir, 'internvl_vision.onnx', { image: new ort.Tensor('float32', vlIn.data, [1, 3, 224, 224]) }))[0]!;
    const drvt = ensembleMean(await family(dir, 'InternVL_IB_Proj', ib));
    close(c!.base, mix(drvt, vl, 0.1));
    expect(c!.expert).toBeNull();
    expect(space.factorFor('image')).toBeNull();
  });

  it('text base = mix(Drvt(IB text), InternVL-C text, 0.1); expert = FTPP G/M ensemble on CLAP texts', async () => {
    const text = 'an audio of train';
    const [c] = await space.embedTexts([text]);
    const ids = ClipTokenizer.load(join(dir, 'tokenizers/bpe_simple_vocab_16e6.txt.gz')).encode(text).ids;
    const ib = rows(await run(dir, 'imagebind_text.onnx', { tokens: new ort.Tensor('int64', i64(ids), [1, 77]) }))[0]!;
    const vlIds = loadInternVLTokenizer(join(dir, 'tokenizers/internvl/tokenizer.json')).encode(text).inputIds;
    const vl = rows(await run(dir, 'internvl_text.onnx', { input_ids: new ort.Tensor('int64', i64(vlIds), [1, 80]) }))[0]!;
    close(c!.base, mix(ensembleMean(await family(dir, 'InternVL_IB_Proj', ib)), vl, 0.1));
    const rt = loadRobertaTokenizer(join(dir, 'tokenizers/roberta/tokenizer.json')).encode(text);
    const feeds = () => ({ input_ids: new ort.Tensor('int64', i64(rt.inputIds), [1, 77]), attention_mask: new ort.Tensor('int64', i64(rt.attentionMask), [1, 77]) });
    const g = rows(await run(dir, 'clap_general_text.onnx', feeds()))[0]!;
    const m = rows(await run(dir, 'clap_music_text.onnx', feeds()))[0]!;
    close(c!.expert!, ensembleMean([...(await family(dir, 'InternVL_IB_FTPP_G_Proj', g)), ...(await family(dir, 'InternVL_IB_FTPP_M_Proj', m))]));
  });

  it('audio base = FT head ensemble on the clip-averaged fine-tuned trunk (§7.4 item 4), clips through the same head', async () => {
    const [c] = await space.embedAudios([demo('train.wav')], { clips: true });
    const ib = await preprocess('imagebind_audio', { file: demo('train.wav') });
    const trunk = ensembleMean(rows(await run(dir, 'imagebind_ft_audio.onnx', { clips: new ort.Tensor('float32', ib.data, [3, 1, 128, 204]) })));
    close(c!.base, ensembleMean(await family(dir, 'InternVL_IB_FT_audio_head', trunk)));
    close(c!.raw.imagebind_ft_audio!, trunk);
    expect(c!.expert!.length).toBe(768);
    expect(c!.clips!.length).toBe(5);
    for (const k of c!.clips!) expect(norm(k.vector)).toBeCloseTo(1, 5);
    expect(c!.clips![0]!.vector.length).toBe(768);
  });

  it('records the execution provider of every session it used', () => {
    const p = space.providers();
    expect(p.map((x) => x.encoder)).toEqual(expect.arrayContaining(['imagebind_vision', 'internvl_vision', 'InternVL_IB_Proj', 'clap_general_text']));
    for (const x of p) expect(x.tried.at(-1)).toEqual({ provider: x.provider });
  });
});

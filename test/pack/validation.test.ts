import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures';
import { verifyPack, loadPack } from '../../src-main/pack/verify';
import { validateManifest, PackError } from '../../src-main/pack/manifest';
import { importPack, listPacks } from '../../src-main/pack/registry';
import { openSpace } from '../../src-main/space/open-space';

const IB_PP = join(repoRoot, 'models/test-packs/ib-pp-test');
const FT_PP = join(repoRoot, 'models/test-packs/internvl-ib-ft-pp-test');
const work = mkdtempSync(join(tmpdir(), 'molecule-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
function copyPack(src = IB_PP): string {
  const d = join(work, `pack-${n++}`);
  cpSync(src, d, { recursive: true });
  return d;
}
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const readJson = (d: string) => JSON.parse(readFileSync(join(d, 'pack.json'), 'utf8'));
const writeJson = (d: string, m: unknown) => writeFileSync(join(d, 'pack.json'), JSON.stringify(m, null, 1));

describe('good packs', () => {
  it.each([IB_PP, FT_PP])('%s verifies: every file sha256-checked, every ONNX signature matches', async (dir) => {
    const r = await verifyPack(dir);
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.files.length).toBeGreaterThan(10);
    expect(r.files.every((f) => f.ok && f.sha256?.length === 64)).toBe(true);
    const m = r.manifest!;
    expect(r.onnx.length).toBe(Object.keys(m.encoders).length + Object.keys(m.projectors).length);
    expect(m.test).toBe(true);
    expect(m.name).toMatch(/^TEST PACK — random weights, no semantic meaning/);
    expect(m.presets).toEqual({ versatile: { text: 0.1, audio: 0.5 }, 'at-expertise': { text: 0.5, audio: 0.8 } });
    expect(m.rawDims.clap_general_audio).toBe(512);
  });

  it('listPacks finds both test packs', () => {
    const r = listPacks([join(repoRoot, 'models/test-packs')]);
    expect(r.packs.map((p) => [p.id, p.space, p.dim, p.test]).sort()).toEqual([
      ['ib-pp-test', 'IB_PP', 1024, true],
      ['internvl-ib-ft-pp-test', 'InternVL_IB_FT_PP', 768, true],
    ]);
  });
});

describe('each defect is rejected with a message naming the field or file', () => {
  it('missing file', async () => {
    const d = copyPack();
    rmSync(join(d, 'clap_music_audio.onnx'));
    const r = await verifyPack(d);
    expect(r.ok).toBe(false);
    expect(r.errors).toContain('clap_music_audio.onnx: missing');
    await expect(openSpace(d)).rejects.toThrow('clap_music_audio.onnx: missing');
  });

  it('bad sha256 (one byte changed)', async () => {
    const d = copyPack();
    const f = join(d, 'tokenizers/roberta/tokenizer.json');
    writeFileSync(f, readFileSync(f, 'utf8').replace('"<s>"', '"<S>"'));
    const r = await verifyPack(d);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^tokenizers\/roberta\/tokenizer\.json: sha256 mismatch \(expected [0-9a-f]{64}, got [0-9a-f]{64}\)$/);
    await expect(loadPack(d)).rejects.toThrow(/tokenizer\.json: sha256 mismatch/);
  });

  it('missing field', async () => {
    const d = copyPack();
    const m = readJson(d);
    delete m.encoders.imagebind_vision.file;
    delete m.presets['at-expertise'].audio;
    writeJson(d, m);
    const r = await verifyPack(d);
    expect(r.errors).toEqual(expect.arrayContaining(['pack.json: encoders.imagebind_vision.file: missing', 'pack.json: presets.at-expertise.audio: missing']));
  });

  it('unknown space class', async () => {
    const d = copyPack();
    writeJson(d, { ...readJson(d), space: 'IB_PPP' });
    const r = await verifyPack(d);
    expect(r.errors[0]).toBe('pack.json: space: unknown space class "IB_PPP" (expected one of ImageBind, IB_PP, InternVL_IB, InternVL_IB_PP, InternVL_IB_FT, InternVL_IB_FT_PP)');
  });

  it('space class whose requirements are not met', () => {
    const m = readJson(IB_PP);
    let issues: string[] = [];
    try {
      validateManifest({ ...m, space: 'InternVL_IB_PP', dim: 768 });
    } catch (e) {
      issues = (e as PackError).issues;
    }
    expect(issues).toEqual(
      expect.arrayContaining([
        'pack.json: encoders.internvl_vision: missing (space InternVL_IB_PP needs it)',
        'pack.json: roles.displacement: missing (space InternVL_IB_PP needs it)',
        'pack.json: tokenizers.internvl: missing (space InternVL_IB_PP needs it)',
        'pack.json: roles.combination.general: family "IB_PP_G_Proj" outputs 1024-d, the space is 768-d',
      ]),
    );
  });

  it('wrong ONNX input name (a different model in place of imagebind_audio)', async () => {
    const d = copyPack();
    cpSync(join(d, 'clap_music_audio.onnx'), join(d, 'imagebind_audio.onnx'));
    const m = readJson(d);
    m.encoders.imagebind_audio.sha256 = sha(join(d, 'imagebind_audio.onnx'));
    writeJson(d, m);
    const r = await verifyPack(d);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^imagebind_audio\.onnx: input "clips" not found \(the model has inputs "waveform"\)/);
    // the same check runs when a space creates the session
    const s = await openSpace(d, { idleMs: 0 });
    await expect(s.embedAudios([join(repoRoot, 'resources/demo/BBQ.wav')])).rejects.toThrow(/imagebind_audio\.onnx: input "clips" not found/);
    await s.close();
  });

  it('wrong ONNX input shape', async () => {
    const d = copyPack();
    cpSync(join(repoRoot, 'models/test-packs/defects/vision_input_112.onnx'), join(d, 'imagebind_vision.onnx'));
    const m = readJson(d);
    m.encoders.imagebind_vision.sha256 = sha(join(d, 'imagebind_vision.onnx'));
    writeJson(d, m);
    const r = await verifyPack(d);
    expect(r.errors).toEqual(['imagebind_vision.onnx: input "image" has shape [B,3,112,112], expected [B,3,224,224]']);
  });

  it('wrong shape declared in pack.json', () => {
    const m = readJson(IB_PP);
    m.encoders.clap_music_audio.inputs[0].shape = ['B', 441000];
    expect(() => validateManifest(m)).toThrow('pack.json: encoders.clap_music_audio.inputs[0].shape: expected [B,480000], got [B,441000]');
  });

  it('exporter provenance: accepted when well-formed, each malformed field named', () => {
    const m = readJson(IB_PP);
    m.provenance = {
      exporter: 'molecule_export 0.2.0 (torch 1.13.0)',
      checkpoints: [
        { role: 'imagebind', url: 'https://dl.fbaipublicfiles.com/imagebind/imagebind_huge.pth', sha256: 'a'.repeat(64), size: 4_800_000_000 },
        { role: 'clap_general', repo: 'Viglong/FreeBind', commit: 'b'.repeat(40), path: 'laion_clap_fullset_fusion.pt', sha256: 'c'.repeat(64), size: 2 },
      ],
      readings: [{ id: 'clap_general_checkpoint', adopted: 'Viglong/FreeBind/laion_clap_fullset_fusion.pt', alternatives: ['lukewys/laion_clap/630k-fusion-best.pt'], why: '…', flag: '--clap-general-source lukewys', extra: null }],
    };
    expect(validateManifest(m).provenance!.readings[0]!.adopted).toBe('Viglong/FreeBind/laion_clap_fullset_fusion.pt');
    m.provenance.checkpoints[1].sha256 = 'XYZ';
    m.provenance.checkpoints[0].size = -1;
    m.provenance.readings[0].alternatives = 'lukewys';
    delete m.provenance.readings[0].adopted;
    try {
      validateManifest(m);
      throw new Error('accepted');
    } catch (e) {
      expect((e as PackError).issues).toEqual([
        'pack.json: provenance.checkpoints[0].size: expected a byte count',
        'pack.json: provenance.checkpoints[1].sha256: expected 64 lower-case hex digits',
        'pack.json: provenance.readings[0].adopted: missing',
        'pack.json: provenance.readings[0].alternatives: expected an array of strings',
      ]);
    }
    m.provenance = 'exported by hand';
    expect(() => validateManifest(m)).toThrow('pack.json: provenance: expected an object');
  });

  it('truncated ONNX (checksum updated, so the loader itself must notice)', async () => {
    const d = copyPack();
    const f = join(d, 'imagebind_text.onnx');
    truncateSync(f, 5000);
    const m = readJson(d);
    m.encoders.imagebind_text.sha256 = sha(f);
    writeJson(d, m);
    const r = await verifyPack(d);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^imagebind_text\.onnx: cannot be loaded by ONNX Runtime/);
  });

  it('truncated ONNX with the original checksum is caught by sha256', async () => {
    const d = copyPack();
    truncateSync(join(d, 'IB_PP_G_Proj.onnx'), 1000);
    const r = await verifyPack(d);
    expect(r.errors[0]).toMatch(/^IB_PP_G_Proj\.onnx: sha256 mismatch/);
  });

  it('pack.json that is not JSON, wrong format id, newer version, path escaping the pack', async () => {
    const d = copyPack();
    writeFileSync(join(d, 'pack.json'), '{"format": "molecule-pack",');
    expect((await verifyPack(d)).errors[0]).toMatch(/^pack\.json: not valid JSON/);
    const m = readJson(IB_PP);
    expect(() => validateManifest({ ...m, format: 'other' })).toThrow('pack.json: format: expected "molecule-pack", got "other"');
    expect(() => validateManifest({ ...m, formatVersion: 2 })).toThrow('pack.json: formatVersion: unsupported version 2');
    const esc = structuredClone(m);
    esc.encoders.imagebind_text.file = '../../etc/passwd';
    expect(() => validateManifest(esc)).toThrow('pack.json: encoders.imagebind_text.file: must be a relative path inside the pack');
    const badHeads = structuredClone(m);
    badHeads.projectors.IB_PP_G_Proj.heads = ['A', 'mix', 'T', 'V', 'AT', 'AV', 'TV'];
    expect(() => validateManifest(badHeads)).toThrow(/projectors\.IB_PP_G_Proj\.heads: expected/);
    const badRole = structuredClone(m);
    badRole.roles.combination.music = 'Nope';
    expect(() => validateManifest(badRole)).toThrow('pack.json: roles.combination.music: names projector family "Nope", which is not in projectors');
  });

  it('PackError lists every issue', () => {
    const m = readJson(IB_PP);
    try {
      validateManifest({ ...m, dim: 768, test: 'yes' });
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(PackError);
      expect((e as PackError).issues).toEqual(expect.arrayContaining(['pack.json: test: expected true or false', 'pack.json: dim: space IB_PP has dimension 1024, got 768']));
    }
  });
});

describe('importPack', () => {
  it('verifies, copies via a temporary folder and renames; the copy verifies', async () => {
    const dest = join(work, 'installed');
    const r = await importPack(IB_PP, dest);
    expect(r.installedDir).toBe(join(dest, 'ib-pp-test'));
    expect((await verifyPack(r.installedDir)).ok).toBe(true);
    expect(readdirSync(dest)).toEqual(['ib-pp-test']);
    await expect(importPack(IB_PP, dest)).rejects.toThrow(/already installed/);
    expect(listPacks([dest]).packs.map((p) => p.id)).toEqual(['ib-pp-test']);
  });

  it('a defective pack is refused and nothing is written', async () => {
    const d = copyPack();
    rmSync(join(d, 'imagebind_vision.onnx'));
    const dest = join(work, 'installed-2');
    await expect(importPack(d, dest)).rejects.toThrow('imagebind_vision.onnx: missing');
    expect(existsSync(join(dest, 'ib-pp-test'))).toBe(false);
    expect(existsSync(dest) ? readdirSync(dest) : []).toEqual([]);
  });
});

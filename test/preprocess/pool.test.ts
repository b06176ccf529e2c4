// PreprocessPool: worker threads produce the same tensors as the in-thread functions and the fixtures.
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { casesOf, inputPath, readTensor, errorStats } from '../helpers/fixtures';
import { PreprocessPool, PreprocessError } from '../../src-main/preprocess/pool/pool';
import { runPreprocess } from '../../src-main/preprocess/pool/run-preprocess';

const pool = new PreprocessPool(2);
const tmp = mkdtempSync(join(tmpdir(), 'molecule-pool-'));
afterAll(async () => {
  await pool.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('PreprocessPool', () => {
  it('images: imagebind_vision + internvl_vision from one decode, equal to in-thread and to the fixture', async () => {
    const c = casesOf('image')[0]!;
    const [viaPool, inThread] = await Promise.all([
      pool.run(['imagebind_vision', 'internvl_vision'], inputPath(c)),
      runPreprocess(['imagebind_vision', 'internvl_vision'], inputPath(c)),
    ]);
    expect(viaPool.tensors.imagebind_vision).toEqual(inThread.tensors.imagebind_vision);
    expect(viaPool.tensors.internvl_vision).toEqual(inThread.tensors.internvl_vision);
    expect(viaPool.tensors.internvl_vision!.length).toBe(3 * 224 * 224);
    expect(errorStats(viaPool.tensors.imagebind_vision!, readTensor(c.outputs.imagebind_vision)).max).toBeLessThanOrEqual(1e-6);
    expect(viaPool.meta.width).toBeGreaterThan(0);
  });

  it('audio: the three audio inputs in parallel on two workers, equal to in-thread results', async () => {
    const cs = casesOf('audio').slice(0, 2);
    const outs = await Promise.all(cs.map((c) => pool.run(['imagebind_audio', 'clap_fusion_mel', 'clap_nonfusion_waveform'], inputPath(c))));
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      const local = await runPreprocess(['imagebind_audio', 'clap_fusion_mel', 'clap_nonfusion_waveform'], inputPath(c));
      expect(outs[i]!.tensors.imagebind_audio).toEqual(local.tensors.imagebind_audio);
      expect(outs[i]!.tensors.clap_fusion_mel).toEqual(local.tensors.clap_fusion_mel);
      expect(outs[i]!.tensors.clap_nonfusion_waveform).toEqual(local.tensors.clap_nonfusion_waveform);
      expect(outs[i]!.tensors.imagebind_audio!.length).toBe(3 * 128 * 204);
      expect(outs[i]!.meta.longer).toBe(c.meta.clap_fusion.longer);
      expect(outs[i]!.meta.sampleRate).toBe(c.input.samplerate);
    }
  });

  it('bad input rejects with a PreprocessError naming the file; the pool keeps working', async () => {
    const bad = join(tmp, 'not-an-image.jpg');
    writeFileSync(bad, 'this is text');
    await expect(pool.run('imagebind_vision', bad)).rejects.toBeInstanceOf(PreprocessError);
    await expect(pool.run('imagebind_audio', bad)).rejects.toThrow(/not-an-image|decode/);
    await expect(pool.run(['imagebind_vision', 'imagebind_audio'], bad)).rejects.toThrow(/cannot be mixed/);
    await expect(pool.run('nope' as never, bad)).rejects.toThrow(/unknown kind/);
    const c = casesOf('image')[0]!;
    expect((await pool.run('imagebind_vision', inputPath(c))).tensors.imagebind_vision!.length).toBe(3 * 224 * 224);
  });
});

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures';
import { SessionPool, sharedSessionPool, resetProviderFailures, ModelLoadError, ort } from '../../src-main/runtime/sessions';
import { parseProviderList, platformProviders, providerOrder } from '../../src-main/runtime/providers';
import { signatureIssues } from '../../src-main/pack/onnx-signature';

const pack = join(repoRoot, 'models/test-packs/ib-pp-test');
const projector = join(pack, 'IB_PP_G_Proj.onnx');
const x = (n: number, seed = 1) => new ort.Tensor('float32', Float32Array.from({ length: n * 512 }, (_, i) => Math.sin(i * 0.37 + seed)), [n, 512]);

const pools: SessionPool[] = [];
const pool = (o: ConstructorParameters<typeof SessionPool>[0]) => {
  const p = new SessionPool(o);
  pools.push(p);
  return p;
};
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
  resetProviderFailures();
});

describe('provider order', () => {
  it('per platform: Linux CUDA then TensorRT, Windows DirectML, macOS CoreML, CPU last', () => {
    expect(platformProviders('linux')).toEqual(['cuda', 'tensorrt', 'cpu']);
    expect(platformProviders('win32')).toEqual(['dml', 'cpu']);
    expect(platformProviders('darwin')).toEqual(['coreml', 'cpu']);
    expect(platformProviders('freebsd')).toEqual(['cpu']);
  });
  it('force CPU by option or env; explicit lists get cpu appended; unknown names rejected', () => {
    expect(providerOrder({ forceCpu: true }, {})).toEqual(['cpu']);
    expect(providerOrder({}, { MOLECULE_FORCE_CPU: '1' })).toEqual(['cpu']);
    expect(providerOrder({}, { MOLECULE_PROVIDERS: 'cuda' })).toEqual(['cuda', 'cpu']);
    expect(providerOrder({}, { MOLECULE_PROVIDER: 'cpu' })).toEqual(['cpu']);
    expect(providerOrder({ providers: ['dml'] }, {})).toEqual(['dml', 'cpu']);
    expect(parseProviderList('DirectML, cuda')).toEqual(['dml', 'cuda']);
    expect(() => parseProviderList('cuda,gpu')).toThrow('unknown execution provider "gpu"');
  });
});

describe('provider fallback (CUDA is not installed on this machine)', () => {
  it('requesting cuda ends on cpu with the cuda error recorded', async () => {
    const p = pool({ providers: ['cuda'], idleMs: 0 });
    const { info } = await p.acquire(projector, 'IB_PP_G_Proj');
    expect(info.provider).toBe('cpu');
    expect(info.tried.map((t) => t.provider)).toEqual(['cuda', 'cpu']);
    expect(info.tried[0]!.error).toMatch(/cuda/i);
    expect(info.tried[1]!.error).toBeUndefined();
    expect(info.note).toMatch(/^cpu after cuda failed: /);
    // and the session really runs
    const { outputs } = await p.run(projector, 'IB_PP_G_Proj', { x: x(2) });
    expect(outputs.heads!.dims).toEqual([2, 7, 1024]);
  });

  it('dml/coreml (not built into this binary) also fall back; forced CPU tries nothing else', async () => {
    const a = await pool({ providers: ['dml', 'coreml'], idleMs: 0 }).acquire(projector, 'p');
    expect(a.info.tried.map((t) => [t.provider, Boolean(t.error)])).toEqual([['dml', true], ['coreml', true], ['cpu', false]]);
    const b = await pool({ forceCpu: true, idleMs: 0 }).acquire(projector, 'p');
    expect(b.info).toMatchObject({ provider: 'cpu', tried: [{ provider: 'cpu' }], note: 'cpu (first choice)' });
  });

  it('a corrupt model fails on cpu with the file named', async () => {
    const p = pool({ forceCpu: true, idleMs: 0 });
    await expect(p.acquire(join(pack, 'pack.json'), 'x')).rejects.toThrow(ModelLoadError);
    await expect(p.acquire(join(pack, 'pack.json'), 'x')).rejects.toThrow(/pack\.json: cannot be loaded by ONNX Runtime/);
  });
});

describe('session pool', () => {
  it('creates sessions lazily, shares one per file, batches, and checks signatures once', async () => {
    const p = pool({ forceCpu: true, idleMs: 0 });
    expect(p.size).toBe(0);
    let checks = 0;
    const validate = (s: ort.InferenceSession) => {
      checks++;
      return signatureIssues('IB_PP_G_Proj.onnx', s, [{ name: 'x', dtype: 'float32', shape: ['B', 512] }], [{ name: 'heads', dtype: 'float32', shape: ['B', 7, 1024] }]);
    };
    const [a, b] = await Promise.all([p.acquire(projector, 'g', validate), p.acquire(projector, 'g', validate)]);
    expect(a.session).toBe(b.session);
    expect(p.size).toBe(1);
    expect(checks).toBe(1);
    const batch = await p.run(projector, 'g', { x: x(3, 5) });
    const single = await p.run(projector, 'g', { x: x(1, 5) });
    const bd = batch.outputs.heads!.data as Float32Array;
    const sd = single.outputs.heads!.data as Float32Array;
    for (let i = 0; i < sd.length; i++) expect(Math.abs(bd[i]! - sd[i]!)).toBeLessThan(1e-5);
  });

  it('a signature mismatch is refused with the tensor named', async () => {
    const p = pool({ forceCpu: true, idleMs: 0 });
    const validate = (s: ort.InferenceSession) => signatureIssues('IB_PP_G_Proj.onnx', s, [{ name: 'x', dtype: 'float32', shape: ['B', 1024] }], [{ name: 'heads', dtype: 'float32', shape: ['B', 7, 1024] }]);
    await expect(p.acquire(projector, 'g', validate)).rejects.toThrow('IB_PP_G_Proj.onnx: input "x" has shape [B,512], expected [B,1024]');
    expect(p.size).toBe(0);
  });

  it('releases a session after the idle timeout and recreates it on the next use', async () => {
    const p = pool({ forceCpu: true, idleMs: 50 });
    const first = await p.acquire(projector, 'g');
    expect(p.size).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(p.size).toBe(0);
    const second = await p.acquire(projector, 'g');
    expect(second.session).not.toBe(first.session);
    expect(p.size).toBe(1);
  });

  it('the shared pool is one per provider configuration and closes when its last user releases it', async () => {
    const a = sharedSessionPool({ forceCpu: true, idleMs: 0 });
    expect(sharedSessionPool({ forceCpu: true, idleMs: 0 })).toBe(a);
    a.retain();
    a.retain();
    await a.acquire(projector, 'g');
    await a.release();
    expect(a.size).toBe(1);
    await a.release();
    expect(a.size).toBe(0);
  });
});

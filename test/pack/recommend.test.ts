/** "Which pack for which machine": the rules on machines shaped like real ones, and the GPU probe on this one. */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { fitWarnings, precisionOf, recommendPack } from '../../src-main/pack/recommend';
import type { MachineFacts } from '../../src-main/pack/types';
import { identityModel, probeGpuProviders } from '../../src-main/runtime/provider-probe';
import { machineInfo } from '../../src-main/runtime/machine';

const GiB = 2 ** 30;
const GB = 1e9;
const noGpu = [
  { provider: 'cuda', ok: false, detail: 'its libraries are not installed (libcudart.so.12: cannot open shared object file)' },
  { provider: 'tensorrt', ok: false, detail: 'its libraries are not installed' },
];
const machine = (o: Partial<MachineFacts>): MachineFacts => ({ totalMemBytes: 16 * GiB, freeMemBytes: 8 * GiB, freeDiskBytes: 500 * GB, platform: 'linux', arch: 'x64', gpu: noGpu, ...o });

describe('pack recommendation', () => {
  it('no GPU and 8 GB of memory → IB_PP fp16, and says why', () => {
    const r = recommendPack(machine({ totalMemBytes: 7.6 * GiB, freeMemBytes: 3 * GiB, freeDiskBytes: 200 * GB }));
    expect([r.space, r.precision]).toEqual(['IB_PP', 'fp16']);
    expect(r.summary).toBe('IB_PP, fp16 weights (≈ 2.8 GB download)');
    const text = r.reasons.join('\n');
    expect(text).toMatch(/8\.2 GB of memory \(3\.2 GB free now\): IB_PP needs about 6\.5 GB/);
    expect(text).toMatch(/InternVL classes need ≈ 60 GB of memory .*not on this machine/);
    expect(text).toMatch(/No GPU execution provider could be loaded \(CUDA: its libraries are not installed/);
    expect(text).toMatch(/^fp16 .*half the download and disk \(2\.8 GB instead of 5\.6 GB\)/m);
    expect(r.options.find((o) => o.space === 'InternVL_IB_FT_PP')).toMatchObject({ fits: false, why: 'needs ≈ 60 GB of memory' });
    expect(r.options.find((o) => o.space === 'IB_PP')).toMatchObject({ fits: true });
  });

  it('32 GB, plenty of disk, no GPU → IB_PP fp32', () => {
    const r = recommendPack(machine({ totalMemBytes: 32 * GiB, freeDiskBytes: 900 * GB }));
    expect([r.space, r.precision]).toEqual(['IB_PP', 'fp32']);
    expect(r.reasons.join('\n')).toMatch(/fp32: 900 GB free and 34 GB of memory/);
  });

  it('32 GB but a nearly full disk → fp16, and asks for room when even fp16 does not fit', () => {
    const r = recommendPack(machine({ totalMemBytes: 32 * GiB, freeDiskBytes: 9 * GB }));
    expect(r.precision).toBe('fp16');
    expect(r.reasons.join('\n')).toMatch(/fp16 \(9\.0 GB free on the disk of the packs folder\)/);
    const full = recommendPack(machine({ totalMemBytes: 32 * GiB, freeDiskBytes: 1 * GB }));
    expect(full.reasons.at(-1)).toMatch(/only 1\.0 GB free: make room/);
    expect(full.options.find((o) => o.space === 'IB_PP')).toMatchObject({ fits: false, why: 'needs 2.8 GB of disk (fp16)' });
  });

  it('a 128 GB workstation with CUDA → InternVL_IB_FT_PP; without a GPU → IB_PP (InternVL slow on the CPU)', () => {
    const cuda = [{ provider: 'cuda', ok: true, detail: 'loaded' }];
    const r = recommendPack(machine({ totalMemBytes: 128 * GiB, freeDiskBytes: 2000 * GB, gpu: cuda }));
    expect([r.space, r.precision]).toEqual(['InternVL_IB_FT_PP', 'fp32']);
    expect(r.reasons[0]).toMatch(/a working GPU provider \(CUDA\)/);
    const cpu = recommendPack(machine({ totalMemBytes: 128 * GiB, freeDiskBytes: 2000 * GB }));
    expect(cpu.space).toBe('IB_PP');
    expect(cpu.reasons.join('\n')).toMatch(/without a GPU provider InternVL takes ≈ 10–30 s per image/);
    expect(cpu.options.find((o) => o.space === 'InternVL_IB')).toMatchObject({ fits: true, why: 'fits, slow on the CPU' });
  });

  it('4 GB → ImageBind alone, with a warning below that', () => {
    const r = recommendPack(machine({ totalMemBytes: 4 * GiB }));
    expect([r.space, r.precision]).toEqual(['ImageBind', 'fp16']);
    expect(recommendPack(machine({ totalMemBytes: 3 * GiB })).reasons.join('\n')).toMatch(/swap/);
  });

  it('fit warnings for a pack about to be downloaded; precision from the exporter names', () => {
    expect(fitWarnings(machine({}), 'InternVL_IB_PP', 30 * GB)[0]).toMatch(/needs ≈ 60 GB of memory; this machine has 17 GB/);
    expect(fitWarnings(machine({ freeDiskBytes: 1 * GB }), 'IB_PP', 2.8 * GB)).toEqual(['The pack is 2.8 GB; the packs folder\'s disk has 1.0 GB free.']);
    expect(fitWarnings(machine({}), 'IB_PP', 2.8 * GB)).toEqual([]);
    expect(precisionOf({ id: 'ib-pp-fp16', name: 'IB_PP (1024-d, official weights, fp16 storage)' })).toBe('fp16');
    expect(precisionOf({ id: 'ib-pp', name: 'IB_PP (1024-d, official weights)' })).toBeNull();
  });
});

describe('GPU provider probe', () => {
  it('the probe model is a valid ONNX graph (runs on CPU: y = x)', async () => {
    const s = await ort.InferenceSession.create(identityModel(), { executionProviders: ['cpu'] });
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([0.625]), [1]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([0.625]);
    await s.release();
  });

  it('tries each GPU provider of this platform and says why one did not load', async () => {
    const probes = await probeGpuProviders();
    for (const p of probes) {
      expect(p.provider).not.toBe('cpu');
      expect(p.detail.length).toBeGreaterThan(0);
      if (!p.ok) expect(p.detail).not.toBe('loaded');
    }
    const m = await machineInfo('/nonexistent/packs/folder');
    expect(m.freeDiskBytes).toBeGreaterThan(0); // measured on the nearest existing ancestor
    expect(m.totalMemBytes).toBeGreaterThan(m.freeMemBytes);
    expect(m.gpu).toEqual(probes);
  });
});

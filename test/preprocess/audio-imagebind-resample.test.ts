import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resampledLength, resampleInputSpan, resampleSinc, resampleSincRange, sincResamplerPlan } from '../../src-main/preprocess/audio/resample-sinc';

// torchaudio.functional.resample is the reference (docs/REFERENCE.md §3.2). python3-torchaudio is a test
// dependency: without it these tests fail; MOLECULE_SKIP_REFERENCE=1 skips them explicitly.
import { describeWithPython, PYTHON, TORCHAUDIO } from '../helpers/reference-tools';

const SCRIPT = `
import sys, numpy as np, torch, torchaudio
d, orig, new, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
x = torch.from_numpy(np.fromfile(d + '/in.f32', dtype='<f4').reshape(2, n).copy())
torch.set_num_threads(1)
y = torchaudio.functional.resample(x, orig, new)
y.numpy().astype('<f4').tofile(d + '/out.f32')
print(torchaudio.__version__, y.shape[1])
`;

function signal(n: number, rate: number): Float32Array[] {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5);
  const left = new Float32Array(n);
  const right = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    // tones near the 8 kHz cut-off, a chirp, white noise and a DC offset
    left[i] = 0.3 * Math.sin(2 * Math.PI * 440 * t) + 0.2 * Math.sin(2 * Math.PI * 7900 * t) + 0.2 * rnd() + 0.05;
    right[i] = 0.4 * Math.sin(2 * Math.PI * (100 + 3000 * t) * t) + 0.3 * rnd();
  }
  return [left, right];
}

const dir = mkdtempSync(join(tmpdir(), 'resample-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeWithPython('sinc resampler vs torchaudio (python3-torchaudio)', TORCHAUDIO, () => {
  for (const [orig, target] of [[8000, 16000], [22050, 16000], [44100, 16000], [48000, 16000], [32000, 16000], [11025, 16000]] as const) {
    it(`${orig} → ${target} Hz, stereo, odd length`, () => {
      const n = Math.round(orig * 1.3) + 7;
      const x = signal(n, orig);
      const inter = new Float32Array(2 * n);
      inter.set(x[0]!, 0);
      inter.set(x[1]!, n);
      writeFileSync(join(dir, 'in.f32'), inter);
      let stdout: string;
      try {
        stdout = execFileSync(PYTHON, ['-c', SCRIPT, dir, String(orig), String(target), String(n)], { encoding: 'utf8' });
      } catch (e) {
        throw new Error(
          `running torchaudio via ${PYTHON} failed (install python3-torchaudio, or set MOLECULE_SKIP_REFERENCE=1 to skip): ${(e as Error).message}`,
        );
      }
      const buf = readFileSync(join(dir, 'out.f32'));
      const ref = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      const m = ref.length / 2;
      expect(Number(stdout.trim().split(' ')[1])).toBe(m);
      expect(resampledLength(n, orig, target)).toBe(m);
      let max = 0;
      let sum = 0;
      for (let c = 0; c < 2; c++) {
        const y = resampleSinc(x[c]!, orig, target);
        expect(y.length).toBe(m);
        for (let i = 0; i < m; i++) {
          const d = Math.abs(y[i]! - ref[c * m + i]!);
          max = Math.max(max, d);
          sum += d;
        }
      }
      const p = sincResamplerPlan(orig, target);
      console.log(`[resample] ${orig}→${target} (o=${p.o}, n=${p.n}, width=${p.width}): max ${max.toExponential(2)} mean ${(sum / (2 * m)).toExponential(2)}`);
      // float32 kernel reproduced; only the float32 vs float64 accumulation order differs
      expect(max).toBeLessThan(1e-6);
    });
  }
});

describe('sinc resampler plan (§3.2 examples)', () => {
  it('reduces rates by the gcd and sizes the kernel as torchaudio does', () => {
    const want: Record<number, [number, number, number]> = { 32000: [2, 1, 13], 44100: [441, 160, 17], 48000: [3, 1, 19], 8000: [1, 2, 7] };
    for (const [rate, [o, n, width]] of Object.entries(want)) {
      const p = sincResamplerPlan(Number(rate), 16000);
      expect([p.o, p.n, p.width]).toEqual([o, n, width]);
    }
  });

  it('keeps ceil(n·N/o) samples and passes 16 kHz through untouched', () => {
    expect(resampledLength(1099, 44100, 16000)).toBe(399);
    expect(resampledLength(7, 48000, 16000)).toBe(3);
    expect(resampleSinc(new Float32Array(5), 44100, 16000).length).toBe(2);
    const x = new Float32Array([1, 2, 3]);
    expect(resampleSinc(x, 16000, 16000)).toBe(x);
    expect(() => resampleSinc(x, 44100.5, 16000)).toThrow(/positive integer/);
  });

  it('computes any output range identically to the full resampling', () => {
    for (const orig of [8000, 44100, 48000, 16000]) {
      const x = signal(5003, orig)[0]!;
      const full = resampleSinc(x, orig, 16000);
      for (const [s, e] of [[0, 10], [3, 400], [full.length - 17, full.length], [1000, full.length + 50]] as const) {
        const part = resampleSincRange(x, orig, 16000, s, e);
        expect(Array.from(part)).toEqual(Array.from(full.subarray(s, e)));
      }
    }
    expect(() => resampleSincRange(new Float32Array(10), 48000, 16000, 5, 2)).toThrow(/bad output range/);
  });

  it('resampleInputSpan covers every input sample an output range reads', () => {
    for (const orig of [8000, 22050, 44100, 48000, 16000]) {
      const x = signal(9001, orig)[0]!;
      const total = resampledLength(x.length, orig, 16000);
      for (const [s, e] of [[0, 5], [100, 2000], [total - 300, total]] as const) {
        const [from, to] = resampleInputSpan(x.length, orig, 16000, s, e);
        expect(from).toBeGreaterThanOrEqual(0);
        expect(to).toBeLessThanOrEqual(x.length);
        const y = x.slice();
        y.fill(7, 0, from);
        y.fill(-7, to);
        expect(Array.from(resampleSincRange(y, orig, 16000, s, e))).toEqual(Array.from(resampleSincRange(x, orig, 16000, s, e)));
        // and it is a tight superset: about the input the outputs cover plus the kernel's reach
        const p = sincResamplerPlan(orig, 16000);
        if (orig !== 16000) expect(to - from).toBeLessThanOrEqual(((e - s) * p.o) / p.n + 2 * p.width + 2 * p.o);
      }
    }
  });
});

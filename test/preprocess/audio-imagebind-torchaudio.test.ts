import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { decodeAudio } from '../../src-main/preprocess/audio/decode';
import { imagebindAudio } from '../../src-main/preprocess/audio/imagebind-audio';
import { errorStats } from '../helpers/fixtures';

// Beyond the fixtures: WAV files of other rates, lengths and channel counts (the kinds the held-out set
// covers), run through ImageBind's own audio path re-stated on top of torchaudio 0.13
// (torchaudio.load → functional.resample → pytorchvideo clip times with Fraction → in-place
// `waveform -= waveform.mean()` on clip views → kaldi.fbank → pad/cut 204 → Normalize).
// python3-torchaudio is a test dependency; MOLECULE_SKIP_REFERENCE=1 skips explicitly.
import { describeWithPython, PYTHON, TORCHAUDIO } from '../helpers/reference-tools';
const TOL = { max: 0.05, p999: 0.02, mean: 2e-4 };

const SCRIPT = `
import sys, json, math, torch, torchaudio
from fractions import Fraction
from torchaudio.compliance import kaldi
torch.set_num_threads(1)
path, out = sys.argv[1], sys.argv[2]
waveform, sr = torchaudio.load(path)
if sr != 16000:
    waveform = torchaudio.functional.resample(waveform, orig_freq=sr, new_freq=16000)
duration = waveform.size(1) / 16000
max_start = Fraction(max(duration - 2, 0))
step = Fraction(max_start, 2)
clips, bounds, frames = [], [], []
for k in range(3):
    s = step * k
    a, b = int(s * 16000), int((s + 2) * 16000)
    bounds.append([a, b])
    w = waveform[:, a:b]
    w -= w.mean()
    fb = kaldi.fbank(w, htk_compat=True, sample_frequency=16000, use_energy=False, window_type="hanning",
                     num_mel_bins=128, dither=0.0, frame_length=25, frame_shift=10).transpose(0, 1)
    frames.append(fb.size(1))
    p = 204 - fb.size(1)
    fb = torch.nn.functional.pad(fb, (0, p)) if p > 0 else fb[:, :204]
    clips.append(fb.unsqueeze(0))
t = torch.stack(clips)
t = (t - torch.tensor(-4.268)) / torch.tensor(9.138)
t.numpy().astype('<f4').tofile(out)
print(json.dumps({"n16": waveform.size(1), "bounds": bounds, "frames": frames}))
`;

/**
 * WAV of tones, a chirp, noise and a DC offset (channel 1 differs, so the shared mean matters): PCM16,
 * or with `floatGain` a 32-bit float file scaled past ±1 (torchaudio.load clips those).
 */
function makeWav(rate: number, frames: number, channels: number, floatGain = 0): Buffer {
  let seed = rate + frames;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5);
  const width = floatGain ? 4 : 2;
  const data = Buffer.alloc(frames * channels * width);
  for (let i = 0; i < frames; i++) {
    const t = i / rate;
    for (let c = 0; c < channels; c++) {
      const v =
        c === 0
          ? 0.3 * Math.sin(2 * Math.PI * 523.25 * t) + 0.1 * Math.sin(2 * Math.PI * (200 + 900 * t) * t) + 0.02 * rnd() + 0.1
          : 0.25 * Math.sin(2 * Math.PI * 180 * t) + 0.05 * rnd() - 0.2;
      if (floatGain) data.writeFloatLE(v * floatGain, (i * channels + c) * 4);
      else data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32768))), (i * channels + c) * 2);
    }
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(floatGain ? 3 : 1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * width, 28);
  h.writeUInt16LE(channels * width, 32);
  h.writeUInt16LE(8 * width, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

const dir = mkdtempSync(join(tmpdir(), 'ib-torchaudio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: [rate: number, frames: number, channels: number, floatGain?: number][] = [
  [8000, 16000, 1], // exactly 2 s
  [22050, 7 * 22050, 2], // 7 s stereo
  [32000, 6 * 32000, 1], // 6 s
  [44100, 22050, 2], // 0.5 s stereo: frame padding, fully overlapping clips
  [48000, 25 * 48000, 1], // 25 s
  [16000, 33764, 2], // an arith.json length: clip starts 0 / 882 / 1764
  [11025, 4 * 11025 + 17, 1], // odd length, 4 s
  [44100, 1100, 1], // the shortest input accepted: 400 samples at 16 kHz
  [48000, 3 * 48000, 2, 3], // float WAV reaching ±1.65: clipped to ±1 by torchaudio.load
];

describeWithPython('imagebindAudio vs ImageBind path on torchaudio (other rates and lengths)', TORCHAUDIO, () => {
  for (const [rate, frames, channels, floatGain] of CASES) {
    it(`${rate} Hz, ${frames} frames, ${channels} ch${floatGain ? `, float ×${floatGain}` : ''}`, async () => {
      const wav = join(dir, `in-${rate}-${frames}-${channels}.wav`);
      const out = join(dir, 'out.f32');
      writeFileSync(wav, makeWav(rate, frames, channels, floatGain));
      let ref: { n16: number; bounds: [number, number][]; frames: number[] };
      try {
        ref = JSON.parse(execFileSync(PYTHON, ['-c', SCRIPT, wav, out], { encoding: 'utf8' }));
      } catch (e) {
        throw new Error(`torchaudio reference via ${PYTHON} failed (install python3-torchaudio or set MOLECULE_SKIP_REFERENCE=1): ${(e as Error).message}`);
      }
      const buf = readFileSync(out);
      const expected = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      const got = imagebindAudio(await decodeAudio(wav));
      expect(got.samples16k).toBe(ref.n16);
      expect(got.clipBounds16k).toEqual(ref.bounds);
      expect(got.fbankFrames).toEqual(ref.frames);
      const s = errorStats(got.tensor, expected);
      console.log(`[ib-vs-torchaudio] ${rate} Hz ${frames}×${channels}${floatGain ? ' float' : ''}: max ${s.max.toExponential(2)} p99.9 ${s.p999.toExponential(2)} mean ${s.mean.toExponential(2)}`);
      expect(s.max).toBeLessThanOrEqual(TOL.max);
      expect(s.p999).toBeLessThanOrEqual(TOL.p999);
      expect(s.mean).toBeLessThanOrEqual(TOL.mean);
    });
  }
});

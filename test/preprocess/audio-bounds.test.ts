/**
 * Header values are bounded before anything is allocated for them (issue 15, item 1), and the sinc resampler's
 * plan costs O(12·max(o, n)) whatever the ratio. Limits: src-main/domain/limits.ts (restated in docs/SECURITY.md).
 */
import { describe, expect, it } from 'vitest';
import { AudioDecodeError, decodeAudio } from '../../src-main/preprocess/audio/decode';
import { imagebindAudio } from '../../src-main/preprocess/audio/imagebind-audio';
import { resampleSinc, sincResamplerPlan } from '../../src-main/preprocess/audio/resample-sinc';
import { LIMITS } from '../../src-main/domain/limits';
import { reproWav, wav } from '../helpers/wav';

const rejects = async (bytes: Buffer, re: RegExp) => {
  const e = await decodeAudio(bytes, 'x.wav').then(() => null, (err: unknown) => err);
  expect(e, 'decodeAudio accepted it').toBeInstanceOf(AudioDecodeError);
  expect((e as Error).message).toMatch(re);
};

describe('WAV header values are bounded before allocation', () => {
  it('sample rate 0xFFFFFFFF (the issue repro), 2^31−1, 1 Hz, 0, just outside the accepted range', async () => {
    await rejects(reproWav(), /sample rate 4294967295 Hz \(accepted: 1000–768000 Hz\)/);
    await rejects(wav(16000, (b) => b.writeUInt32LE(0x7fffffff, 24)), /sample rate 2147483647 Hz/);
    await rejects(wav(16000, (b) => b.writeUInt32LE(1, 24)), /sample rate 1 Hz/);
    await rejects(wav(16000, (b) => b.writeUInt32LE(0, 24)), /sample rate 0 Hz/);
    await rejects(wav(16000, (b) => b.writeUInt32LE(999, 24)), /sample rate 999 Hz/);
    await rejects(wav(16000, (b) => b.writeUInt32LE(768001, 24)), /sample rate 768001 Hz/);
  });

  it('channels: 0, 65535, one above the limit; the limit itself decodes', async () => {
    await rejects(wav(100, (b) => b.writeUInt16LE(0, 22)), /0 channels/);
    await rejects(wav(100, (b) => b.writeUInt16LE(0xffff, 22)), /65535 channels \(limit 64\)/);
    await rejects(wav(100, () => undefined, LIMITS.audio.maxChannels + 1), /65 channels \(limit 64\)/);
    const ok = await decodeAudio(wav(100, () => undefined, LIMITS.audio.maxChannels), 'x.wav');
    expect(ok.channels).toHaveLength(64);
  });

  it('a data chunk size of 0xFFFFFFFF is cut to the bytes present; block align and bit depth that disagree are named', async () => {
    const a = await decodeAudio(wav(1000, (b) => b.writeUInt32LE(0xffffffff, 40)), 'x.wav');
    expect(a.channels[0]!.length).toBe(1000);
    await rejects(wav(1000, (b) => b.writeUInt16LE(0xffff, 32)), /block align 65535 does not match 1 × 16-bit/);
    await rejects(wav(1000, (b) => b.writeUInt32LE(0xffffffff, 16)), /fmt chunk is truncated|no data chunk/);
  });

  it('the decoded length is bounded: three hours and one second at 1 kHz is refused before its samples are allocated', async () => {
    const frames = LIMITS.audio.maxDurationSec * 1000 + 1000;
    await rejects(wav(frames, () => undefined, 1, 1000, 8), /recording too long: 3\.0 h or more \(limit 3\.0 h\)/);
    const ok = await decodeAudio(wav(2000, () => undefined, 1, 1000, 8), 'x.wav');
    expect(ok.sampleRate).toBe(1000);
  });

  it('a file that is not audio of an accepted format is refused by name, not tried', async () => {
    const mid = Buffer.concat([Buffer.from('MThd'), Buffer.alloc(64)]);
    await expect(decodeAudio(mid, 'x.mp3')).rejects.toThrow(/unknown audio format|unsupported audio format/);
  });
});

/** An ADPCM WAV (tag 2 = MS, 0x11 = IMA) with valid block headers and arbitrary 4-bit samples (any nibble is valid). */
function adpcmWav(tag: 2 | 0x11, nCh: number, ba: number, spb: number, blocks: number, cb = true): Buffer {
  const fmt = Buffer.alloc(cb ? 20 : 16);
  fmt.writeUInt16LE(tag, 0); fmt.writeUInt16LE(nCh, 2); fmt.writeUInt32LE(22050, 4);
  fmt.writeUInt32LE(Math.round((22050 * ba) / Math.max(1, spb)), 8); fmt.writeUInt16LE(ba, 12); fmt.writeUInt16LE(4, 14);
  if (cb) (fmt.writeUInt16LE(2, 16), fmt.writeUInt16LE(spb, 18));
  const data = Buffer.alloc(blocks * ba);
  for (let i = 0; i < data.length; i++) data[i] = (i * 73 + 11) & 255;
  // block headers where they fit (a hostile header's blocks may be smaller than one)
  for (let k = 0; k < blocks && ba >= (tag === 2 ? 7 : 4) * nCh; k++) {
    for (let c = 0; c < nCh; c++) {
      if (tag === 0x11) (data.writeInt16LE(0, k * ba + 4 * c), (data[k * ba + 4 * c + 2] = 20), (data[k * ba + 4 * c + 3] = 0));
      else (data[k * ba + c] = 0); // MS: predictor index 0 (of the 7 standard coefficient pairs)
    }
    if (tag === 2) for (let c = 0; c < nCh; c++) data.writeInt16LE(16, k * ba + nCh + 2 * c); // initial delta
  }
  const chunk = (id: string, body: Buffer) => Buffer.concat([Buffer.from(id), Buffer.from(Uint32Array.of(body.length).buffer), body]);
  const list = chunk('LIST', Buffer.from('INFOISFT\x0e\x00\x00\x00Lavf59.27.100\x00', 'binary'));
  const body = Buffer.concat([Buffer.from('WAVE'), chunk('fmt ', fmt), list, chunk('data', data)]);
  return Buffer.concat([Buffer.from('RIFF'), Buffer.from(Uint32Array.of(body.length).buffer), body]);
}

describe('ADPCM WAV (decoded by audio-decode): samples per block are checked before it allocates', () => {
  it('standard headers decode (MS: 500 per 256-byte mono block; IMA: 505 per 512-byte stereo block)', async () => {
    const ms = await decodeAudio(adpcmWav(2, 1, 256, 500, 4), 'x.wav');
    expect(ms.sampleRate).toBe(22050);
    expect(ms.channels[0]!.length).toBe(4 * 500);
    const ima = await decodeAudio(adpcmWav(0x11, 2, 512, 505, 3), 'x.wav');
    expect(ima.channels).toHaveLength(2);
    expect(ima.channels[1]!.length).toBe(3 * 505);
  });

  it('65 535 samples per 8-byte block (the fuzzer\'s find: a 32 KB file allocated 1 GB) and a fmt chunk without them are refused at once', async () => {
    const before = process.memoryUsage().rss;
    await rejects(adpcmWav(2, 1, 8, 65535, 4000), /MS ADPCM WAV declares 65535 samples per 8-byte block for 1 channel\(s\) \(at most 4 fit\)/);
    await rejects(adpcmWav(0x11, 2, 8, 65535, 4000), /IMA ADPCM WAV declares 65535 samples per 8-byte block for 2 channel\(s\) \(at most 1 fit\)/);
    // no cbSize: audio-decode would take samples per block from the LIST chunk's bytes ("ST" = 21 587)
    await rejects(adpcmWav(2, 2, 4, 0, 2000, false), /MS ADPCM WAV without samples per block \(fmt chunk of 16 bytes\)/);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 2 ** 20);
  });
});

describe('sinc resampler: plan cost independent of the ratio', () => {
  it('the pathological coprime 767 999 Hz → 16 kHz plans only the non-zero support and resamples', () => {
    const p = sincResamplerPlan(767_999, 16_000);
    expect(p.o).toBe(767_999);
    expect(p.n).toBe(16_000);
    const taps = p.taps.reduce((a, t) => a + t.length, 0);
    // ≈ 12·o/0.99 non-zero taps in total (the old plan looped over n × (2·width + o) ≈ 1.2e10 kernel positions)
    expect(taps).toBeLessThan(12.2 * p.o + p.n);
    const y = resampleSinc(new Float32Array(767_999).fill(0.25), 767_999, 16_000);
    expect(y.length).toBe(16_000);
    expect(Math.abs(y[8000]! - 0.25)).toBeLessThan(1e-3); // DC passes
  });

  it('rates beyond the limit are refused by the resampler itself (defence in depth)', () => {
    expect(() => sincResamplerPlan(0xffffffff, 16_000)).toThrow(/above the limit of 768000 Hz/);
  });

  it('ImageBind input at the accepted extremes: 1 kHz and 768 kHz', () => {
    for (const rate of [1000, 768_000]) {
      const x = Float32Array.from({ length: rate * 2 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / rate) * 0.3);
      const r = imagebindAudio({ sampleRate: rate, channels: [x] });
      expect(r.samples16k).toBe(32000);
      expect(r.tensor.every(Number.isFinite)).toBe(true);
    }
  });
});

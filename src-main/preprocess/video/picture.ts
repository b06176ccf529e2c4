/**
 * A decoded video picture → the 8-bit RGB image the image pathway takes, as a player would show it:
 * - colour conversion by swscale with the stream's matrix and range (HD video that does not say is BT.709, as
 *   players assume; SD is BT.601);
 * - HDR (PQ or HLG transfer, 10-bit BT.2020, as phones record by default) tone-mapped to SDR: the picture is
 *   linearised (PQ EOTF / HLG inverse OETF + OOTF), its luminance compressed with an extended Reinhard curve
 *   (reference white 203 cd/m² stays white, the peak maps to 1), converted from BT.2020 to BT.709 primaries and
 *   encoded with the sRGB curve — without this, PQ video reaches the encoders dark and grey;
 * - the display matrix's rotation applied (a portrait phone video is stored landscape and turned on display).
 */
import type { RgbImage } from '../image/types';
import { nodeAv, type AvLib } from './av';
import type { HdrTransfer } from './probe';

type Frame = InstanceType<AvLib['Frame']>;
type Sws = InstanceType<AvLib['SoftwareScaleContext']>;

/** Converts frames of one stream; keeps its swscale context between pictures. */
export class PictureConverter {
  private sws: Sws | null = null;
  private key = '';
  private out: Frame | null = null;

  constructor(
    private readonly rotation: 0 | 90 | 180 | 270,
    private readonly hdr: HdrTransfer,
  ) {}

  async toRgb(frame: Frame): Promise<RgbImage> {
    const { lib, c } = await nodeAv();
    const w = frame.width, h = frame.height;
    const hdr = this.hdr;
    const dstFmt = hdr ? c.AV_PIX_FMT_RGB48LE : c.AV_PIX_FMT_RGB24;
    if (frame.colorSpace === c.AVCOL_SPC_UNSPECIFIED || frame.colorSpace === c.AVCOL_SPC_RESERVED) {
      frame.colorSpace = hdr ? c.AVCOL_SPC_BT2020_NCL : h >= 720 ? c.AVCOL_SPC_BT709 : c.AVCOL_SPC_SMPTE170M;
    }
    if (frame.colorRange === c.AVCOL_RANGE_UNSPECIFIED) frame.colorRange = c.AVCOL_RANGE_MPEG;
    const key = `${w}x${h}:${frame.format}:${frame.colorSpace}:${frame.colorRange}`;
    if (key !== this.key) {
      this.free();
      this.sws = new lib.SoftwareScaleContext();
      this.sws.getContext(w, h, frame.format as never, w, h, dstFmt, (c.SWS_BICUBIC | c.SWS_ACCURATE_RND | c.SWS_FULL_CHR_H_INT) as typeof c.SWS_BICUBIC);
      this.out = new lib.Frame();
      this.out.alloc();
      this.out.width = w;
      this.out.height = h;
      this.out.format = dstFmt;
      if (this.out.allocBuffer() < 0) throw new Error(`cannot allocate a ${w}×${h} picture`);
      this.key = key;
    }
    const out = this.out!;
    if (out.makeWritable() < 0) throw new Error('cannot write the picture buffer');
    out.colorRange = c.AVCOL_RANGE_JPEG;
    const ret = this.sws!.scaleFrameSync(out, frame);
    if (ret < 0) throw new Error(`cannot convert the picture to RGB (${ret})`);
    const plane = out.data![0]!;
    const stride = out.linesize[0]!;
    const rgb = new Uint8Array(w * h * 3);
    if (!hdr) {
      for (let y = 0; y < h; y++) rgb.set(plane.subarray(y * stride, y * stride + w * 3), y * w * 3);
    } else {
      toneMapRgb48(plane, stride, w, h, hdr, rgb);
    }
    return rotateCw({ width: w, height: h, data: rgb }, this.rotation);
  }

  free(): void {
    this.sws?.freeContext();
    this.sws = null;
    this.out?.free();
    this.out = null;
    this.key = '';
  }
}

// ------------------------------------------------------------------------------------------------------ HDR → SDR

/** cd/m² of SDR reference white (ITU-R BT.2408): HDR content at this level is shown as plain white. */
const REF_WHITE = 203;
/** Assumed mastering peak when the stream does not say (HLG's nominal display, most phone PQ). */
const PEAK = 1000;

let pqLut: Float32Array | null = null;
let hlgLut: Float32Array | null = null;
let srgbLut: Uint8Array | null = null;

/** 16-bit PQ code value → linear light relative to reference white (SMPTE ST 2084 EOTF). */
function pqTable(): Float32Array {
  if (pqLut) return pqLut;
  const m1 = 2610 / 16384, m2 = (2523 / 4096) * 128, c1 = 3424 / 4096, c2 = (2413 / 4096) * 32, c3 = (2392 / 4096) * 32;
  const t = new Float32Array(65536);
  for (let i = 0; i < 65536; i++) {
    const e = Math.pow(i / 65535, 1 / m2);
    const nits = 10000 * Math.pow(Math.max(e - c1, 0) / (c2 - c3 * e), 1 / m1);
    t[i] = nits / REF_WHITE;
  }
  return (pqLut = t);
}

/** 16-bit HLG code value → scene-linear light in [0, 1] (ARIB STD-B67 inverse OETF). */
function hlgTable(): Float32Array {
  if (hlgLut) return hlgLut;
  const a = 0.17883277, b = 1 - 4 * a, cc = 0.5 - a * Math.log(4 * a);
  const t = new Float32Array(65536);
  for (let i = 0; i < 65536; i++) {
    const e = i / 65535;
    t[i] = e <= 0.5 ? (e * e) / 3 : (Math.exp((e - cc) / a) + b) / 12;
  }
  return (hlgLut = t);
}

/** Linear [0, 1] in 4096 steps → 8-bit sRGB. */
function srgbTable(): Uint8Array {
  if (srgbLut) return srgbLut;
  const t = new Uint8Array(4097);
  for (let i = 0; i <= 4096; i++) {
    const x = i / 4096;
    const v = x <= 0.0031308 ? 12.92 * x : 1.055 * Math.pow(x, 1 / 2.4) - 0.055;
    t[i] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  return (srgbLut = t);
}

/** BT.2020 → BT.709 primaries (linear light). */
const M2020_709 = [
  1.6605, -0.5876, -0.0728,
  -0.1246, 1.1329, -0.0083,
  -0.0182, -0.1006, 1.1187,
];

/** RGB48 (full range, BT.2020 primaries, PQ or HLG coded) → 8-bit sRGB / BT.709. */
export function toneMapRgb48(plane: Uint8Array, stride: number, w: number, h: number, hdr: 'pq' | 'hlg', out: Uint8Array): void {
  const lut = hdr === 'pq' ? pqTable() : hlgTable();
  const enc = srgbTable();
  const white = PEAK / REF_WHITE;
  const w2 = white * white;
  const u16 = new Uint16Array(plane.buffer, plane.byteOffset, plane.byteLength >> 1);
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = M2020_709 as [number, number, number, number, number, number, number, number, number];
  for (let y = 0; y < h; y++) {
    let s = (y * stride) >> 1;
    let d = y * w * 3;
    for (let x = 0; x < w; x++, s += 3, d += 3) {
      let r = lut[u16[s]!]!, g = lut[u16[s + 1]!]!, b = lut[u16[s + 2]!]!;
      let Y = 0.2627 * r + 0.678 * g + 0.0593 * b;
      if (hdr === 'hlg') {
        // OOTF for a 1000 cd/m² display (system gamma 1.2), then relative to reference white
        const k = (Y > 0 ? Math.pow(Y, 0.2) : 0) * white;
        r *= k; g *= k; b *= k; Y *= k;
      }
      const scale = Y > 0 ? (1 + Y / w2) / (1 + Y) : 0;
      r *= scale; g *= scale; b *= scale;
      const R = m0 * r + m1 * g + m2 * b, G = m3 * r + m4 * g + m5 * b, B = m6 * r + m7 * g + m8 * b;
      out[d] = enc[Math.round(Math.min(1, Math.max(0, R)) * 4096)]!;
      out[d + 1] = enc[Math.round(Math.min(1, Math.max(0, G)) * 4096)]!;
      out[d + 2] = enc[Math.round(Math.min(1, Math.max(0, B)) * 4096)]!;
    }
  }
}

// ------------------------------------------------------------------------------------------------------ rotation

/** Turn an RGB image clockwise by a quarter-turn multiple. */
export function rotateCw(img: RgbImage, deg: 0 | 90 | 180 | 270): RgbImage {
  if (deg === 0) return img;
  const { width: w, height: h, data } = img;
  const W = deg === 180 ? w : h, H = deg === 180 ? h : w;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let nx: number, ny: number;
      if (deg === 90) { nx = h - 1 - y; ny = x; }
      else if (deg === 180) { nx = w - 1 - x; ny = h - 1 - y; }
      else { nx = y; ny = w - 1 - x; }
      const s = (y * w + x) * 3, o = (ny * W + nx) * 3;
      out[o] = data[s]!;
      out[o + 1] = data[s + 1]!;
      out[o + 2] = data[s + 2]!;
    }
  }
  return { width: W, height: H, data: out };
}

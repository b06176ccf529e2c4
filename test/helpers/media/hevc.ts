/**
 * Test-media helper: encode RGB pictures as HEVC intra pictures with the x265 encoder that ships inside node-av,
 * returning the parameter sets and the length-prefixed slice data a HEIF file stores.
 */
import { Codec, CodecContext, Dictionary, Frame, Packet, Rational } from 'node-av/lib';
import { AV_PIX_FMT_YUV420P, FF_ENCODER_LIBX265 } from 'node-av/constants';

export interface HevcPicture {
  vps: Buffer;
  sps: Buffer;
  pps: Buffer;
  /** The picture's slice NAL units, each prefixed by its 4-byte big-endian length (hvcC lengthSizeMinusOne = 3). */
  data: Buffer;
}

/** BT.601 limited-range RGB24 → planar YUV 4:2:0 (what HEIF decoders assume without a colour box). */
export function rgbToYuv420(rgb: Uint8Array, w: number, h: number): Buffer {
  if (w % 2 || h % 2) throw new Error('even sizes only');
  const out = Buffer.alloc((w * h * 3) / 2);
  const u0 = w * h;
  const v0 = u0 + (w * h) / 4;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const r = rgb[i]!, g = rgb[i + 1]!, b = rgb[i + 2]!;
      out[y * w + x] = Math.round(16 + 0.257 * r + 0.504 * g + 0.098 * b);
      if (y % 2 === 0 && x % 2 === 0) {
        const c = (y / 2) * (w / 2) + x / 2;
        out[u0 + c] = Math.round(128 - 0.148 * r - 0.291 * g + 0.439 * b);
        out[v0 + c] = Math.round(128 + 0.439 * r - 0.368 * g - 0.071 * b);
      }
    }
  }
  return out;
}

function splitAnnexB(d: Buffer): Buffer[] {
  const starts: number[] = [];
  for (let i = 0; i + 3 < d.length; i++) {
    if (d[i] === 0 && d[i + 1] === 0 && d[i + 2] === 1) {
      starts.push(i + 3);
      i += 2;
    }
  }
  return starts.map((s, k) => {
    let e = k + 1 < starts.length ? starts[k + 1]! - 3 : d.length;
    while (e > s && d[e - 1] === 0) e--;
    return d.subarray(s, e);
  });
}

/** Encode each picture (RGB24, even sizes, all the same size) as one IDR picture. */
export async function encodeHevcPictures(pictures: Uint8Array[], w: number, h: number, quality = 24): Promise<HevcPicture[]> {
  const c = new CodecContext();
  c.allocContext3(Codec.findEncoderByName(FF_ENCODER_LIBX265));
  c.width = w;
  c.height = h;
  c.pixelFormat = AV_PIX_FMT_YUV420P;
  c.timeBase = new Rational(1, 25);
  c.gopSize = 1;
  const ret = await c.open2(null, Dictionary.fromObject({ preset: 'ultrafast', crf: String(quality), 'x265-params': 'log-level=error:keyint=1:bframes=0:repeat-headers=1' }));
  if (ret < 0) throw new Error(`libx265 open failed (${ret})`);
  const out: HevcPicture[] = [];
  const pkt = new Packet();
  pkt.alloc();
  const drain = async () => {
    while ((await c.receivePacket(pkt)) >= 0) {
      const nals = splitAnnexB(Buffer.from(pkt.data!));
      pkt.unref();
      const find = (t: number) => nals.find((n) => ((n[0]! >> 1) & 63) === t);
      const slices = nals.filter((n) => ((n[0]! >> 1) & 63) < 32);
      const data = Buffer.concat(slices.flatMap((n) => [Buffer.from([n.length >>> 24, (n.length >>> 16) & 255, (n.length >>> 8) & 255, n.length & 255]), n]));
      out.push({ vps: find(32)!, sps: find(33)!, pps: find(34)!, data });
    }
  };
  for (let k = 0; k < pictures.length; k++) {
    const f = Frame.fromVideoBuffer(rgbToYuv420(pictures[k]!, w, h), { width: w, height: h, format: AV_PIX_FMT_YUV420P, pts: BigInt(k) });
    await c.sendFrame(f);
    await drain();
  }
  await c.sendFrame(null);
  await drain();
  c.freeContext();
  if (out.length !== pictures.length) throw new Error(`x265 gave ${out.length} pictures for ${pictures.length}`);
  return out;
}

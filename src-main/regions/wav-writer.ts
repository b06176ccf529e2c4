/** A RIFF/WAVE file from its parts: fmt (as given), optional bext and iXML chunks, then the sample data. */
export interface WavParts {
  /** The fmt chunk payload (copied verbatim from a WAV source, or made by pcmFormat()). */
  fmt: Uint8Array;
  bext?: Uint8Array;
  ixml?: Uint8Array;
  data: Uint8Array;
}

/** Largest data chunk a plain RIFF file can hold (its sizes are 32-bit). */
export const MAX_RIFF_DATA = 0xffffffff - 4096;

function chunk(id: string, body: Uint8Array): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body, Buffer.alloc(body.length & 1)]);
}

export function buildWav(p: WavParts): Buffer {
  if (p.data.length > MAX_RIFF_DATA) throw new Error(`region too long for a WAV file (${p.data.length} bytes of samples)`);
  const parts = [chunk('fmt ', p.fmt)];
  if (p.bext) parts.push(chunk('bext', p.bext));
  if (p.ixml) parts.push(chunk('iXML', p.ixml));
  parts.push(chunk('data', p.data));
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...parts]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** A plain fmt chunk: integer PCM (format 1) or IEEE float (format 3). */
export function pcmFormat(o: { channels: number; sampleRate: number; bits: number; float: boolean }): Uint8Array {
  const b = Buffer.alloc(16);
  const block = o.channels * (o.bits / 8);
  b.writeUInt16LE(o.float ? 3 : 1, 0);
  b.writeUInt16LE(o.channels, 2);
  b.writeUInt32LE(o.sampleRate, 4);
  b.writeUInt32LE(o.sampleRate * block, 8);
  b.writeUInt16LE(block, 12);
  b.writeUInt16LE(o.bits, 14);
  return b;
}

/**
 * Interleave decoded channels. Integer depths: x · 2^(bits−1), rounded and clamped — exact for samples a decoder
 * produced from integers of that depth (they are int / 2^(bits−1)). 32-bit float: the decoder's values as they are.
 */
export function interleave(channels: Float32Array[], start: number, end: number, bits: 16 | 24 | 32, float: boolean): Buffer {
  const nc = channels.length;
  const n = Math.max(0, end - start);
  const w = bits / 8;
  const out = Buffer.alloc(n * nc * w);
  const scale = 2 ** (bits - 1);
  const max = scale - 1;
  let o = 0;
  for (let i = start; i < end; i++) {
    for (let c = 0; c < nc; c++) {
      const x = channels[c]![i]!;
      if (float) out.writeFloatLE(x, o);
      else {
        const v = Math.max(-scale, Math.min(max, Math.round(x * scale)));
        if (bits === 16) out.writeInt16LE(v, o);
        else if (bits === 24) out.writeIntLE(v, o, 3);
        else out.writeInt32LE(v, o);
      }
      o += w;
    }
  }
  return out;
}

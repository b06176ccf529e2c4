/**
 * BWF `bext` chunk (EBU Tech 3285): fixed 602-byte header then the coding history. Read and written here;
 * the tests read what we write back with music-metadata (an independent parser).
 */
import type { BextInfo } from './types';

export const BEXT_FIXED = 602;
const MAX_HISTORY = 64 * 1024;

const ascii = (b: Uint8Array, off: number, len: number) => {
  let s = '';
  for (let i = off; i < off + len && i < b.length; i++) {
    const c = b[i]!;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s.trim();
};

export function parseBext(b: Uint8Array): BextInfo | null {
  if (b.length < 348) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const lo = dv.getUint32(338, true);
  const hi = dv.getUint32(342, true);
  return {
    description: ascii(b, 0, 256),
    originator: ascii(b, 256, 32),
    originatorReference: ascii(b, 288, 32),
    originationDate: ascii(b, 320, 10),
    originationTime: ascii(b, 330, 8),
    timeReference: hi * 2 ** 32 + lo,
    version: b.length >= 348 + 2 ? dv.getUint16(346, true) : 0,
    codingHistory: b.length > BEXT_FIXED ? ascii(b, BEXT_FIXED, Math.min(b.length - BEXT_FIXED, MAX_HISTORY)) : '',
  };
}

/** Text → bytes in the chunk's ASCII fields: non-ASCII characters become '?', cut to the field width. */
function putAscii(out: Uint8Array, off: number, len: number, s: string): void {
  for (let i = 0; i < Math.min(len, s.length); i++) {
    const c = s.charCodeAt(i);
    out[off + i] = (c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d ? c : 0x3f;
  }
}

export function buildBext(f: Partial<BextInfo> & { timeReference: number }): Uint8Array {
  const history = f.codingHistory ?? '';
  let size = BEXT_FIXED + history.length;
  if (history.length) size += 2; // CR/LF terminated per the spec
  const out = new Uint8Array(size + (size & 1));
  putAscii(out, 0, 256, f.description ?? '');
  putAscii(out, 256, 32, f.originator ?? '');
  putAscii(out, 288, 32, f.originatorReference ?? '');
  putAscii(out, 320, 10, f.originationDate ?? '');
  putAscii(out, 330, 8, f.originationTime ?? '');
  const dv = new DataView(out.buffer);
  const tr = Math.max(0, Math.floor(f.timeReference));
  dv.setUint32(338, tr % 2 ** 32, true);
  dv.setUint32(342, Math.floor(tr / 2 ** 32), true);
  dv.setUint16(346, 1, true); // version 1 (UMID present, zeroed); loudness fields zero = not given
  if (history.length) putAscii(out, BEXT_FIXED, history.length + 2, history + '\r\n');
  return out.subarray(0, size);
}

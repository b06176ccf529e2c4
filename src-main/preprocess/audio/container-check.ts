/**
 * Header checks run before a file reaches audio-decode's demuxers, for the values those demuxers size arrays and
 * loops by without checking them. MP4/M4A: the sample tables' entry counts (stsz, stco, co64, stsc, trun) are read
 * as 32-bit integers and used as array lengths and loop bounds — a count of 0xFFFFFFFF in a 7 KB file hung the
 * decoder in a four-billion-step loop (found by `npm run fuzz`) — and a version-2 sound description's 32-bit channel
 * count sizes one Float32Array per channel. Every count must fit in the bytes its box (or the file) actually has.
 */
import { LIMITS } from '../../domain/limits';

export class ContainerError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ContainerError';
  }
}

const r32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const r16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const str4 = (b: Uint8Array, o: number) => String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);

/** Boxes the demuxer descends into (its CONTAINERS set, plus moof/traf for fragments and meta). */
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'udta', 'edts', 'sinf', 'wave', 'mvex', 'traf', 'moof']);
/** Nesting deeper than this is not a real file (the demuxer recurses once per level). */
const MAX_BOX_DEPTH = 32;

/** Throws ContainerError if an MP4's tables claim more entries than their bytes hold. */
export function checkMp4(b: Uint8Array): void {
  const fileBytes = b.length;
  const walk = (start: number, end: number, depth: number) => {
    if (depth > MAX_BOX_DEPTH) throw new ContainerError(`MP4 boxes nested deeper than ${MAX_BOX_DEPTH} levels`);
    for (let off = start; off < end - 8; ) {
      let size = r32(b, off);
      const type = str4(b, off + 4);
      let header = 8;
      if (size === 0) size = end - off;
      else if (size === 1) {
        if (off + 16 > end) return;
        size = r32(b, off + 8) * 2 ** 32 + r32(b, off + 12);
        header = 16;
        if (size < 16) return;
      } else if (size < 8) return;
      if (off + size > end) return; // an incomplete box: the demuxer does not read it either
      const boxEnd = off + size;
      const body = off + header;
      const bodyBytes = boxEnd - body;
      if (type === 'meta') walk(body + 4, boxEnd, depth + 1);
      else if (CONTAINERS.has(type)) walk(body, boxEnd, depth + 1);
      else if (type === 'stsd') checkStsd(body, boxEnd, depth);
      else if (bodyBytes >= 8) {
        const count = (at: number) => r32(b, body + at);
        const table = (n: number, head: number, entry: number) => {
          if (head + n * entry > bodyBytes) throw new ContainerError(`MP4 ${type} box claims ${n} entries but holds ${Math.max(0, Math.floor((bodyBytes - head) / entry))}`);
        };
        if (type === 'stsz' && bodyBytes >= 12) {
          const fixed = count(4);
          const n = count(8);
          if (fixed === 0) table(n, 12, 4);
          else if (n * fixed > fileBytes) throw new ContainerError(`MP4 stsz box claims ${n} samples of ${fixed} bytes in a ${fileBytes}-byte file`);
        } else if (type === 'stco') table(count(4), 8, 4);
        else if (type === 'co64') table(count(4), 8, 8);
        else if (type === 'stsc') table(count(4), 8, 12);
        else if (type === 'stts' || type === 'ctts') table(count(4), 8, 8);
        else if (type === 'trun') {
          const flags = (b[body + 1]! << 16) | (b[body + 2]! << 8) | b[body + 3]!;
          const n = count(4);
          const head = 8 + (flags & 1 ? 4 : 0) + (flags & 4 ? 4 : 0);
          const entry = (flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0) + (flags & 0x800 ? 4 : 0);
          if (entry) table(n, head, entry);
          else if (n > fileBytes) throw new ContainerError(`MP4 trun box claims ${n} samples in a ${fileBytes}-byte file`);
        }
      }
      off += size;
    }
  };
  const checkStsd = (body: number, end: number, depth: number) => {
    if (body + 8 > end) return;
    const n = r32(b, body + 4);
    let pos = body + 8;
    for (let i = 0; i < n && pos + 16 <= end; i++) {
      const size = r32(b, pos);
      if (size < 16) break;
      if (pos + 28 <= end) {
        const ver = r16(b, pos + 16);
        const channels = ver === 2 ? (pos + 52 <= end ? r32(b, pos + 48) : 0) : r16(b, pos + 24);
        if (channels > LIMITS.audio.maxChannels) throw new ContainerError(`MP4 sound description declares ${channels} channels (limit ${LIMITS.audio.maxChannels})`);
      }
      const head = r16(b, pos + 16) === 2 ? (pos + 40 <= end ? r32(b, pos + 36) || 72 : 72) : r16(b, pos + 16) === 1 ? 52 : 36;
      if (size > head) walk(pos + head, Math.min(end, pos + size), depth + 1);
      pos += size;
    }
  };
  walk(0, b.length, 0);
}

/**
 * RIFF/WAVE chunk walker. Reads chunk headers only (8 bytes each) through a file handle; every size read from
 * a header is checked against the file's real length before anything is allocated for it. Used to read the
 * metadata chunks (bext, iXML, LIST/INFO, id3) and by the region export to find the PCM data.
 */
import { open, type FileHandle } from 'node:fs/promises';

export interface RiffChunk {
  id: string;
  /** Offset of the chunk's payload (after its 8-byte header). */
  offset: number;
  /** Payload size as declared (checked: offset + size ≤ file length, except a data chunk cut short, see `truncated`). */
  size: number;
}

export interface WavFormat {
  /** 1 = PCM integer, 3 = IEEE float, 0xFFFE = extensible (subFormat resolves it). */
  formatTag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
  /** The full fmt payload, copied into exports unchanged. */
  raw: Uint8Array;
}

export interface WavLayout {
  fileSize: number;
  chunks: RiffChunk[];
  fmt: WavFormat | null;
  data: RiffChunk | null;
  /** The data chunk declared more bytes than the file holds (its size was cut to what is there). */
  truncated: boolean;
}

export class RiffError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'RiffError';
  }
}

const MAX_CHUNKS = 10_000;
const MAX_FMT = 1024;

async function readAt(fh: FileHandle, pos: number, n: number): Promise<Buffer> {
  const b = Buffer.alloc(n);
  const { bytesRead } = await fh.read(b, 0, n, pos);
  return b.subarray(0, bytesRead);
}

/** True when the first 12 bytes say RIFF…WAVE. */
export function isRiffWave(head: Uint8Array): boolean {
  return head.length >= 12 && String.fromCharCode(...head.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...head.subarray(8, 12)) === 'WAVE';
}

/** Walk the top-level chunks of a RIFF/WAVE file. Throws RiffError for a file that is not RIFF/WAVE. */
export async function readWavLayout(path: string): Promise<WavLayout> {
  const fh = await open(path, 'r');
  try {
    return await readWavLayoutFrom(fh);
  } finally {
    await fh.close();
  }
}

export async function readWavLayoutFrom(fh: FileHandle): Promise<WavLayout> {
  const fileSize = (await fh.stat()).size;
  const head = await readAt(fh, 0, 12);
  if (!isRiffWave(head)) throw new RiffError('not a RIFF/WAVE file');
  const chunks: RiffChunk[] = [];
  let fmt: WavFormat | null = null;
  let data: RiffChunk | null = null;
  let truncated = false;
  let pos = 12;
  while (pos + 8 <= fileSize && chunks.length < MAX_CHUNKS) {
    const h = await readAt(fh, pos, 8);
    if (h.length < 8) break;
    const id = h.toString('latin1', 0, 4);
    let size = h.readUInt32LE(4);
    const offset = pos + 8;
    if (!/^[\x20-\x7e]{4}$/.test(id)) break; // garbage after the last chunk
    if (offset + size > fileSize) {
      if (id !== 'data') break; // a lying metadata chunk header: stop, keep what was read
      size = fileSize - offset;
      truncated = true;
    }
    const c = { id, offset, size };
    chunks.push(c);
    if (id === 'fmt ' && !fmt) {
      if (size < 16 || size > MAX_FMT) throw new RiffError(`fmt chunk of ${size} bytes`);
      const raw = await readAt(fh, offset, size);
      let formatTag = raw.readUInt16LE(0);
      if (formatTag === 0xfffe && size >= 40) formatTag = raw.readUInt16LE(24); // WAVE_FORMAT_EXTENSIBLE sub-format GUID's first two bytes
      fmt = { formatTag, channels: raw.readUInt16LE(2), sampleRate: raw.readUInt32LE(4), blockAlign: raw.readUInt16LE(12), bitsPerSample: raw.readUInt16LE(14), raw: new Uint8Array(raw) };
    }
    if (id === 'data' && !data) data = c;
    pos = offset + size + (size & 1);
  }
  return { fileSize, chunks, fmt, data, truncated };
}

/** A chunk's payload, refused when larger than `max` bytes (nothing is allocated for it then). */
export async function readChunk(path: string, c: RiffChunk, max: number): Promise<Buffer | null> {
  if (c.size > max) return null;
  const fh = await open(path, 'r');
  try {
    return await readAt(fh, c.offset, c.size);
  } finally {
    await fh.close();
  }
}

/**
 * Files carrying each kind of embedded metadata, written by the tests: BWF WAVs (bext + iXML + LIST/INFO),
 * MP3s with an ID3v2.3 tag, FLAC and Ogg Vorbis with Vorbis comments, JPEGs with EXIF (camera, lens, GPS, date)
 * and XMP (title, description, keywords). The audio bodies are the repository's small real encodes
 * (test/data/audio-formats); only their tags are rewritten here.
 */
import sharp from 'sharp';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../helpers/fixtures';

export const AUDIO_DATA = join(repoRoot, 'test', 'data', 'audio-formats');

const pad = (b: Buffer) => (b.length & 1 ? Buffer.concat([b, Buffer.alloc(1)]) : b);
function riffChunk(id: string, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, pad(body)]);
}

export interface BextFields {
  description: string;
  originator: string;
  originatorReference?: string;
  originationDate: string;
  originationTime: string;
  timeReference: number;
}

export function bextBody(f: BextFields): Buffer {
  const b = Buffer.alloc(602);
  b.write(f.description, 0, 256, 'ascii');
  b.write(f.originator, 256, 32, 'ascii');
  b.write(f.originatorReference ?? '', 288, 32, 'ascii');
  b.write(f.originationDate, 320, 10, 'ascii');
  b.write(f.originationTime, 330, 8, 'ascii');
  b.writeUInt32LE(f.timeReference % 2 ** 32, 338);
  b.writeUInt32LE(Math.floor(f.timeReference / 2 ** 32), 342);
  b.writeUInt16LE(1, 346);
  return Buffer.concat([b, Buffer.from('A=PCM,F=48000,W=24,M=mono,T=test\r\n', 'ascii')]);
}

export function infoList(tags: Record<string, string>): Buffer {
  const parts = Object.entries(tags).map(([id, v]) => riffChunk(id, Buffer.from(v + '\0', 'utf8')));
  return Buffer.concat([Buffer.from('INFO', 'latin1'), ...parts]);
}

/** Deterministic integer PCM: a few tones, different per seed; `bits` 16 or 24. */
export function pcmFrames(frames: number, channels: number, bits: 16 | 24, sampleRate: number, seed: number): Buffer {
  const w = bits / 8;
  const b = Buffer.alloc(frames * channels * w);
  for (let i = 0; i < frames; i++) {
    const t = i / sampleRate;
    const v = 0.4 * Math.sin(2 * Math.PI * (180 + 40 * seed) * t) + 0.2 * Math.sin(2 * Math.PI * (1250 + 7 * seed) * t) * Math.sin(2 * Math.PI * 0.7 * t);
    for (let c = 0; c < channels; c++) {
      const x = Math.round(v * (c ? 0.7 : 1) * (2 ** (bits - 1) - 1)) + ((i * 31 + c * 7 + seed) % 5) - 2;
      const o = (i * channels + c) * w;
      if (bits === 16) b.writeInt16LE(Math.max(-32768, Math.min(32767, x)), o);
      else b.writeIntLE(Math.max(-8388608, Math.min(8388607, x)), o, 3);
    }
  }
  return b;
}

export function writeBwf(
  path: string,
  o: { sampleRate?: number; channels?: number; bits?: 16 | 24; seconds?: number; seed?: number; bext?: BextFields; ixml?: string; info?: Record<string, string> },
): Buffer {
  const sr = o.sampleRate ?? 48000, ch = o.channels ?? 1, bits = o.bits ?? 24;
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0); fmt.writeUInt16LE(ch, 2); fmt.writeUInt32LE(sr, 4);
  fmt.writeUInt32LE(sr * ch * (bits / 8), 8); fmt.writeUInt16LE(ch * (bits / 8), 12); fmt.writeUInt16LE(bits, 14);
  const pcm = pcmFrames(Math.round(sr * (o.seconds ?? 2)), ch, bits, sr, o.seed ?? 1);
  const chunks = [riffChunk('fmt ', fmt)];
  if (o.bext) chunks.push(riffChunk('bext', bextBody(o.bext)));
  if (o.ixml) chunks.push(riffChunk('iXML', Buffer.from(o.ixml, 'utf8')));
  if (o.info) chunks.push(riffChunk('LIST', infoList(o.info)));
  chunks.push(riffChunk('data', pcm));
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.concat([head, body]));
  return pcm;
}

export function ixmlDoc(f: { project: string; scene: string; take: string; note: string; user?: Record<string, string>; gps?: string }): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const user = f.user ? `<USER>${Object.entries(f.user).map(([k, v]) => `<${k}>${esc(v)}</${k}>`).join('')}</USER>` : '';
  const loc = f.gps ? `<LOCATION><LOCATION_NAME>Harbour wall</LOCATION_NAME><LOCATION_GPS>${f.gps}</LOCATION_GPS></LOCATION>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<BWFXML><IXML_VERSION>2.10</IXML_VERSION><PROJECT>${esc(f.project)}</PROJECT><SCENE>${esc(f.scene)}</SCENE><TAKE>${esc(f.take)}</TAKE><NOTE>${esc(f.note)}</NOTE><CIRCLED>TRUE</CIRCLED>${loc}<TRACK_LIST><TRACK_COUNT>1</TRACK_COUNT><TRACK><CHANNEL_INDEX>1</CHANNEL_INDEX><NAME>MKH416</NAME></TRACK></TRACK_LIST>${user}</BWFXML>`;
}

// ---- ID3v2.3 ----
function id3Frame(id: string, body: Buffer): Buffer {
  const h = Buffer.alloc(10);
  h.write(id, 0, 'latin1');
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
}
const latin1Text = (s: string) => Buffer.concat([Buffer.from([0]), Buffer.from(s, 'latin1')]);

export function id3v23(f: { title: string; artist: string; album: string; comment: string; genre: string; txxx: Record<string, string>; date?: string }): Buffer {
  const frames = [
    id3Frame('TIT2', latin1Text(f.title)),
    id3Frame('TPE1', latin1Text(f.artist)),
    id3Frame('TALB', latin1Text(f.album)),
    id3Frame('TCON', latin1Text(f.genre)),
    id3Frame('COMM', Buffer.concat([Buffer.from([0]), Buffer.from('eng', 'latin1'), Buffer.from([0]), Buffer.from(f.comment, 'latin1')])),
    ...Object.entries(f.txxx).map(([k, v]) => id3Frame('TXXX', Buffer.concat([Buffer.from([0]), Buffer.from(k, 'latin1'), Buffer.from([0]), Buffer.from(v, 'latin1')]))),
  ];
  const body = Buffer.concat(frames);
  const h = Buffer.alloc(10);
  h.write('ID3', 0, 'latin1');
  h[3] = 3;
  const n = body.length;
  h[6] = (n >> 21) & 0x7f; h[7] = (n >> 14) & 0x7f; h[8] = (n >> 7) & 0x7f; h[9] = n & 0x7f;
  return Buffer.concat([h, body]);
}

export function writeMp3WithId3(path: string, tags: Parameters<typeof id3v23>[0]): void {
  const mp3 = readFileSync(join(AUDIO_DATA, 'mp3-64k.mp3'));
  let start = 0;
  if (mp3.toString('latin1', 0, 3) === 'ID3') start = 10 + ((mp3[6]! << 21) | (mp3[7]! << 14) | (mp3[8]! << 7) | mp3[9]!);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.concat([id3v23(tags), mp3.subarray(start)]));
}

// ---- Vorbis comments ----
export function vorbisCommentBody(comments: Record<string, string>, framing: boolean): Buffer {
  const vendor = Buffer.from('molecule-space tests', 'utf8');
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  parts.push(u32(vendor.length), vendor, u32(Object.keys(comments).length));
  for (const [k, v] of Object.entries(comments)) {
    const c = Buffer.from(`${k}=${v}`, 'utf8');
    parts.push(u32(c.length), c);
  }
  if (framing) parts.push(Buffer.from([1]));
  return Buffer.concat(parts);
}

/** The repository's FLAC with its metadata blocks replaced by STREAMINFO + one VORBIS_COMMENT block. */
export function writeFlacWithComments(path: string, comments: Record<string, string>): void {
  const src = readFileSync(join(AUDIO_DATA, 'flac-s16.flac'));
  if (src.toString('latin1', 0, 4) !== 'fLaC') throw new Error('not FLAC');
  let p = 4;
  let streaminfo: Buffer | null = null;
  for (;;) {
    const last = (src[p]! & 0x80) !== 0;
    const type = src[p]! & 0x7f;
    const len = src.readUIntBE(p + 1, 3);
    if (type === 0) streaminfo = src.subarray(p + 4, p + 4 + len);
    p += 4 + len;
    if (last) break;
  }
  const block = (type: number, body: Buffer, last: boolean) => {
    const h = Buffer.alloc(4);
    h[0] = (last ? 0x80 : 0) | type;
    h.writeUIntBE(body.length, 1, 3);
    return Buffer.concat([h, body]);
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.concat([Buffer.from('fLaC', 'latin1'), block(0, streaminfo!, false), block(4, vorbisCommentBody(comments, false), true), src.subarray(p)]));
}

// ---- Ogg (re-paged with the comment packet replaced) ----
const OGG_CRC = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();
function oggCrc(b: Buffer): number {
  let c = 0;
  for (const x of b) c = ((c << 8) ^ OGG_CRC[((c >>> 24) & 0xff) ^ x]!) >>> 0;
  return c;
}

interface OggPage { flags: number; granule: Buffer; serial: number; seq: number; segs: number[]; body: Buffer }

function readPages(b: Buffer): OggPage[] {
  const pages: OggPage[] = [];
  let p = 0;
  while (p + 27 <= b.length && b.toString('latin1', p, p + 4) === 'OggS') {
    const nseg = b[p + 26]!;
    const segs = [...b.subarray(p + 27, p + 27 + nseg)];
    const len = segs.reduce((a, x) => a + x, 0);
    const body = b.subarray(p + 27 + nseg, p + 27 + nseg + len);
    pages.push({ flags: b[p + 5]!, granule: b.subarray(p + 6, p + 14), serial: b.readUInt32LE(p + 14), seq: b.readUInt32LE(p + 18), segs, body });
    p += 27 + nseg + len;
  }
  return pages;
}

function writePage(pg: OggPage): Buffer {
  const h = Buffer.alloc(27 + pg.segs.length);
  h.write('OggS', 0, 'latin1');
  h[4] = 0; h[5] = pg.flags;
  pg.granule.copy(h, 6);
  h.writeUInt32LE(pg.serial, 14); h.writeUInt32LE(pg.seq, 18); h.writeUInt32LE(0, 22);
  h[26] = pg.segs.length;
  Buffer.from(pg.segs).copy(h, 27);
  const all = Buffer.concat([h, pg.body]);
  all.writeUInt32LE(oggCrc(all), 22);
  return all;
}

/** The repository's Ogg Vorbis file with its comment header (packet 2) replaced. */
export function writeOggWithComments(path: string, comments: Record<string, string>): void {
  const src = readFileSync(join(AUDIO_DATA, 'vorbis-q2.ogg'));
  const pages = readPages(src);
  // Collect packets of the header pages until three packets (id, comment, setup) are complete.
  const packets: Buffer[] = [];
  let cur: Buffer[] = [];
  let hp = 0;
  for (; hp < pages.length && packets.length < 3; hp++) {
    let o = 0;
    for (const s of pages[hp]!.segs) {
      cur.push(pages[hp]!.body.subarray(o, o + s));
      o += s;
      if (s < 255) {
        packets.push(Buffer.concat(cur));
        cur = [];
      }
    }
  }
  const comment = Buffer.concat([Buffer.from([3]), Buffer.from('vorbis', 'latin1'), vorbisCommentBody(comments, true)]);
  const serial = pages[0]!.serial;
  const lace = (pkt: Buffer) => {
    const segs: number[] = [];
    let n = pkt.length;
    while (n >= 255) (segs.push(255), (n -= 255));
    segs.push(n);
    return segs;
  };
  const zero = Buffer.alloc(8);
  const out: Buffer[] = [writePage({ flags: 2, granule: zero, serial, seq: 0, segs: lace(packets[0]!), body: packets[0]! })];
  // comment + setup on one page (both small), then the audio pages renumbered.
  const body2 = Buffer.concat([comment, packets[2]!]);
  out.push(writePage({ flags: 0, granule: zero, serial, seq: 1, segs: [...lace(comment), ...lace(packets[2]!)], body: body2 }));
  let seq = 2;
  for (const pg of pages.slice(hp)) out.push(writePage({ ...pg, seq: seq++ }));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.concat(out));
}

// ---- JPEG with EXIF + GPS + XMP ----
export const xmpPacket = (title: string, description: string, keywords: string[]) =>
  `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt><rdf:li xml:lang="x-default">${title}</rdf:li></rdf:Alt></dc:title><dc:description><rdf:Alt><rdf:li xml:lang="x-default">${description}</rdf:li></rdf:Alt></dc:description><dc:subject><rdf:Bag>${keywords.map((k) => `<rdf:li>${k}</rdf:li>`).join('')}</rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

/** DMS rational string for sharp's withExif GPS tags. */
const dms = (v: number) => {
  const a = Math.abs(v);
  const d = Math.floor(a);
  const m = Math.floor((a - d) * 60);
  const s = Math.round(((a - d) * 60 - m) * 60 * 10000);
  return `${d}/1 ${m}/1 ${s}/10000`;
};

export async function writeJpegWithMeta(
  path: string,
  o: { seed: number; make: string; model: string; lens: string; date: string; lat: number; lon: number; title: string; description: string; keywords: string[]; width?: number; height?: number },
): Promise<void> {
  const w = o.width ?? 64, h = o.height ?? 48;
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * (7 + o.seed) + o.seed * 53) & 255;
  mkdirSync(dirname(path), { recursive: true });
  await sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .withExif({
      IFD0: { Make: o.make, Model: o.model },
      IFD2: { DateTimeOriginal: o.date, LensModel: o.lens },
      IFD3: { GPSLatitudeRef: o.lat >= 0 ? 'N' : 'S', GPSLatitude: dms(o.lat), GPSLongitudeRef: o.lon >= 0 ? 'E' : 'W', GPSLongitude: dms(o.lon) },
    })
    .withXmp(xmpPacket(o.title, o.description, o.keywords))
    .jpeg({ quality: 90 })
    .toFile(path);
}

/** A JPEG whose only text metadata is an IPTC-IIM block (APP13 "Photoshop 3.0", 8BIM resource 0x0404), no XMP. */
export async function writeJpegWithIptc(path: string, o: { title: string; caption: string; keywords: string[]; byline: string; copyright: string }): Promise<void> {
  const w = 40, h = 30;
  const px = Buffer.alloc(w * h * 3, 120);
  const jpeg = await sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  const ds = (n: number, v: string) => {
    const d = Buffer.from(v, 'latin1');
    const head = Buffer.alloc(5);
    head[0] = 0x1c;
    head[1] = 2; // application record
    head[2] = n;
    head.writeUInt16BE(d.length, 3);
    return Buffer.concat([head, d]);
  };
  let iptc = Buffer.concat([ds(5, o.title), ds(120, o.caption), ...o.keywords.map((k) => ds(25, k)), ds(80, o.byline), ds(116, o.copyright)]);
  if (iptc.length & 1) iptc = Buffer.concat([iptc, Buffer.alloc(1)]);
  const res = Buffer.alloc(12);
  res.write('8BIM', 0, 'latin1');
  res.writeUInt16BE(0x0404, 4);
  // empty Pascal name (length 0, padded to even), then the data size
  res.writeUInt32BE(iptc.length, 8);
  const payload = Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), res, iptc]);
  const seg = Buffer.alloc(4);
  seg[0] = 0xff;
  seg[1] = 0xed; // APP13
  seg.writeUInt16BE(payload.length + 2, 2);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.concat([jpeg.subarray(0, 2), seg, payload, jpeg.subarray(2)]));
}

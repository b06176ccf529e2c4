/**
 * Test-media helper: camera RAW containers written the way each maker lays them out, carrying a full-size JPEG
 * preview, a small thumbnail and a fake lossless-JPEG "sensor" strip (SOF3, which must never be taken as a preview).
 * The pixels are not a real sensor dump; the container structure (where the previews and metadata sit) is.
 */
import sharp from 'sharp';
import { exifEntries, tiffWithExif, writeTiff, type ExifFields } from './tiff';

export const RAW_KINDS = ['dng', 'cr2', 'cr3', 'nef', 'arw', 'raf', 'orf', 'rw2'] as const;
export type RawKind = (typeof RAW_KINDS)[number];

/** A JPEG of a left-red / right-blue picture with a green bar at the top (orientation is visible). */
export async function patternJpeg(w: number, h: number, exif?: ExifFields): Promise<Buffer> {
  const rgb = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      if (y < h / 8) rgb.set([30, 200, 40], i);
      else if (x < w / 2) rgb.set([210, 30, 30], i);
      else rgb.set([30, 40, 210], i);
    }
  }
  const jpg = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  return exif ? withApp1(jpg, tiffWithExif(exif)) : jpg;
}

/** Insert an APP1 Exif segment right after SOI. */
export function withApp1(jpg: Buffer, tiff: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const seg = Buffer.alloc(4);
  seg.writeUInt16BE(0xffe1, 0);
  seg.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpg.subarray(0, 2), seg, payload, jpg.subarray(2)]);
}

/** Bytes that start like a lossless JPEG (SOF3), as DNG/CR2 sensor data does. */
export const LOSSLESS_STRIP = Buffer.from([0xff, 0xd8, 0xff, 0xc3, 0x00, 0x0e, 0x0e, 0x10, 0x00, 0x40, 0x00, 0x40, 0x02, 0x01, 0x11, 0x00, 0x02, 0x11, 0x00, 0xff, 0xd9]);

export interface RawParts {
  preview: Buffer;
  thumb: Buffer;
  exif: ExifFields;
  /** Leave the full-size preview out (only the thumbnail remains). */
  noPreview?: boolean;
}

const u32be = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
const u16be = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(v); return b; };
function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32be(8 + body.length), Buffer.from(type, 'latin1'), body]);
}

export async function writeRaw(kind: RawKind, p: RawParts): Promise<Buffer> {
  const e = p.exif;
  const preview = p.noPreview ? null : p.preview;
  switch (kind) {
    case 'dng': {
      const subs = [
        ...(preview ? [{ entries: [[0x00fe, { long: [1] }], [0x0103, { short: [7] }], [0x0111, { blobOffset: preview }], [0x0117, { long: [preview.length] }]] as never }] : []),
        { entries: [[0x00fe, { long: [0] }], [0x0103, { short: [7] }], [0x0111, { blobOffset: LOSSLESS_STRIP }], [0x0117, { long: [LOSSLESS_STRIP.length] }]] as never },
      ];
      return writeTiff({ le: true, chain: [{ entries: [
        [0x00fe, { long: [1] }], [0x0103, { short: [7] }], [0x0111, { blobOffset: p.thumb }], [0x0117, { long: [p.thumb.length] }],
        [0xc612, { undef: Buffer.from([1, 4, 0, 0]) }], [0x014a, { ifds: subs }], ...exifEntries(e),
      ] }] });
    }
    case 'cr2': {
      const extra = Buffer.from([0x43, 0x52, 2, 0, 0, 0, 0, 0]);
      return writeTiff({ le: true, headerExtra: extra, chain: [
        { entries: [...exifEntries(e), ...(preview ? [[0x0103, { short: [6] }], [0x0111, { blobOffset: preview }], [0x0117, { long: [preview.length] }]] as never[] : [])] },
        { entries: [[0x0201, { blobOffset: p.thumb }], [0x0202, { long: [p.thumb.length] }]] },
        { entries: [[0x0103, { short: [6] }], [0x0111, { blobOffset: LOSSLESS_STRIP }], [0x0117, { long: [LOSSLESS_STRIP.length] }]] },
      ] });
    }
    case 'nef': {
      // Thumbnail in the Nikon maker note's PreviewIFD; full-size JPEG in a SubIFD.
      const inner = writeTiff({ chain: [{ entries: [[0x0011, { ifds: [{ entries: [[0x0201, { blobOffset: p.thumb }], [0x0202, { long: [p.thumb.length] }]] }] }]] }] });
      const note = Buffer.concat([Buffer.from('Nikon\0\x02\x10\0\0', 'latin1'), inner]);
      const base = exifEntries({ ...e, dateTimeOriginal: undefined });
      return writeTiff({ chain: [{ entries: [
        ...base,
        [0x014a, { ifds: [
          ...(preview ? [{ entries: [[0x00fe, { long: [1] }], [0x0201, { blobOffset: preview }], [0x0202, { long: [preview.length] }]] as never }] : []),
          { entries: [[0x00fe, { long: [0] }], [0x0103, { short: [34713] }], [0x0111, { blobOffset: LOSSLESS_STRIP }], [0x0117, { long: [LOSSLESS_STRIP.length] }]] as never },
        ] }],
        [0x8769, { ifds: [{ entries: [...(e.dateTimeOriginal ? [[0x9003, { ascii: e.dateTimeOriginal }]] as never[] : []), [0x927c, { undef: note }]] }] }],
      ] }] });
    }
    case 'arw':
      return writeTiff({ le: true, chain: [{ entries: [
        ...exifEntries(e),
        ...(preview ? [[0x0201, { blobOffset: preview }], [0x0202, { long: [preview.length] }]] as never[] : [[0x0201, { blobOffset: p.thumb }], [0x0202, { long: [p.thumb.length] }]] as never[]),
        [0x014a, { ifds: [{ entries: [[0x0103, { short: [32767] }], [0x0111, { blobOffset: LOSSLESS_STRIP }], [0x0117, { long: [LOSSLESS_STRIP.length] }]] }] }],
      ] }] });
    case 'orf': {
      // Maker note: "OLYMPUS\0" "II" 3 0, IFD at 12 with CameraSettings (0x2020, an IFD) holding PreviewImageStart/
      // Length (0x0101/0x0102), offsets from the note's start; the JPEG sits inside the note.
      const jpg = preview ?? p.thumb;
      const ifd1At = 12, ifd2At = ifd1At + 2 + 12 + 4, jpgAt = ifd2At + 2 + 24 + 4;
      const note = Buffer.alloc(jpgAt + jpg.length);
      note.write('OLYMPUS\0II', 0, 'latin1');
      note.writeUInt16LE(3, 10);
      note.writeUInt16LE(1, ifd1At);
      note.writeUInt16LE(0x2020, ifd1At + 2); note.writeUInt16LE(13, ifd1At + 4); note.writeUInt32LE(1, ifd1At + 6); note.writeUInt32LE(ifd2At, ifd1At + 10);
      note.writeUInt16LE(2, ifd2At);
      note.writeUInt16LE(0x0101, ifd2At + 2); note.writeUInt16LE(4, ifd2At + 4); note.writeUInt32LE(1, ifd2At + 6); note.writeUInt32LE(jpgAt, ifd2At + 10);
      note.writeUInt16LE(0x0102, ifd2At + 14); note.writeUInt16LE(4, ifd2At + 16); note.writeUInt32LE(1, ifd2At + 18); note.writeUInt32LE(jpg.length, ifd2At + 22);
      jpg.copy(note, jpgAt);
      return writeTiff({ le: true, magic: 0x4f52, chain: [{ entries: [
        ...exifEntries({ ...e, dateTimeOriginal: undefined }),
        [0x0201, { blobOffset: p.thumb }], [0x0202, { long: [p.thumb.length] }],
        [0x8769, { ifds: [{ entries: [...(e.dateTimeOriginal ? [[0x9003, { ascii: e.dateTimeOriginal }]] as never[] : []), [0x927c, { undef: note }]] }] }],
      ] }] });
    }
    case 'rw2': {
      // Panasonic: the date lives in the JpgFromRaw's own EXIF; orientation in IFD0.
      const jpg = withApp1(preview ?? p.thumb, tiffWithExif({ dateTimeOriginal: e.dateTimeOriginal }));
      return writeTiff({ le: true, magic: 0x55, chain: [{ entries: [...exifEntries({ ...e, dateTimeOriginal: undefined }), [0x002e, { undef: jpg }]] }] });
    }
    case 'raf': {
      const jpg = withApp1(preview ?? p.thumb, tiffWithExif(e));
      const head = Buffer.alloc(160);
      head.write('FUJIFILMCCD-RAW 0201FF383501', 0, 'latin1');
      head.write((e.model ?? 'X-T5').padEnd(32, '\0'), 28, 'latin1');
      head.writeUInt32BE(160, 84);
      head.writeUInt32BE(jpg.length, 88);
      return Buffer.concat([head, jpg, LOSSLESS_STRIP]);
    }
    case 'cr3': {
      const cmt1 = tiffWithExif({ orientation: e.orientation, make: e.make, model: e.model });
      const cmt2 = writeTiff({ chain: [{ entries: e.dateTimeOriginal ? [[0x9003, { ascii: e.dateTimeOriginal }]] : [] }] });
      const thmb = box('THMB', Buffer.from([0, 0, 0, 0]), u16be(160), u16be(120), u32be(p.thumb.length), u32be(0), p.thumb);
      const canon = box('uuid', Buffer.from('85c0b687820f11e08111f4ce462b6a48', 'hex'), box('CMT1', cmt1), box('CMT2', cmt2), thmb);
      const full = preview ?? p.thumb;
      const ftyp = box('ftyp', Buffer.from('crx ', 'latin1'), u32be(1), Buffer.from('crx isom', 'latin1'));
      const trakFor = (off: number) => box('trak', box('mdia', box('minf', box('stbl',
        box('stsz', u32be(0), u32be(0), u32be(1), u32be(full.length)),
        box('co64', u32be(0), u32be(1), u32be(0), u32be(off))))));
      const moovFor = (off: number) => box('moov', canon, trakFor(off));
      const prvw = box('uuid', Buffer.from('eaf42b5e1c984b88b9fbb7dc406e4d16', 'hex'), Buffer.alloc(8),
        box('PRVW', Buffer.from([0, 0, 0, 0, 0, 1]), u16be(320), u16be(213), Buffer.from([0, 1]), u32be(p.thumb.length), p.thumb));
      const mdatStart = ftyp.length + moovFor(0).length + prvw.length + 8;
      return Buffer.concat([ftyp, moovFor(mdatStart), prvw, box('mdat', full, LOSSLESS_STRIP)]);
    }
  }
}

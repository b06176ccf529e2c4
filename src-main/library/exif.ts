/**
 * Minimal EXIF reader: DateTimeOriginal (0x9003 in the Exif sub-IFD), falling back to DateTime (0x0132 in
 * IFD0). Input is sharp's `metadata().exif` buffer ("Exif\0\0" + TIFF) or a bare TIFF block.
 * Returns the raw "YYYY:MM:DD HH:MM:SS" string or null; never throws on malformed data.
 */
export function exifDateTime(buf: Uint8Array | undefined | null): string | null {
  if (!buf || buf.length < 14) return null;
  try {
    let off = 0;
    if (buf[0] === 0x45 && buf[1] === 0x78 && buf[2] === 0x69 && buf[3] === 0x66) off = 6;
    const dv = new DataView(buf.buffer, buf.byteOffset + off, buf.byteLength - off);
    const order = dv.getUint16(0);
    const le = order === 0x4949;
    if (!le && order !== 0x4d4d) return null;
    if (dv.getUint16(2, le) !== 42) return null;
    const u16 = (p: number) => dv.getUint16(p, le);
    const u32 = (p: number) => dv.getUint32(p, le);
    const readIfd = (p: number): Map<number, { type: number; count: number; valueOff: number }> => {
      const tags = new Map<number, { type: number; count: number; valueOff: number }>();
      if (p <= 0 || p + 2 > dv.byteLength) return tags;
      const n = u16(p);
      for (let i = 0; i < n; i++) {
        const e = p + 2 + i * 12;
        if (e + 12 > dv.byteLength) break;
        tags.set(u16(e), { type: u16(e + 2), count: u32(e + 4), valueOff: e + 8 });
      }
      return tags;
    };
    const ascii = (t: { type: number; count: number; valueOff: number } | undefined): string | null => {
      if (!t || t.type !== 2 || t.count < 19) return null;
      const start = t.count > 4 ? u32(t.valueOff) : t.valueOff;
      if (start + 19 > dv.byteLength) return null;
      let s = '';
      for (let i = 0; i < 19; i++) s += String.fromCharCode(dv.getUint8(start + i));
      return /^\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}$/.test(s) ? s : null;
    };
    const ifd0 = readIfd(u32(4));
    const exifPtr = ifd0.get(0x8769);
    if (exifPtr) {
      const sub = readIfd(u32(exifPtr.valueOff));
      const d = ascii(sub.get(0x9003)) ?? ascii(sub.get(0x9004));
      if (d) return d;
    }
    return ascii(ifd0.get(0x0132));
  } catch {
    return null;
  }
}

/** "YYYY:MM:DD HH:MM:SS" (local camera time, no zone) → ms since epoch, read as UTC; null if invalid. */
export function exifDateToMs(s: string | null): number | null {
  if (!s) return null;
  const m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (!m) return null;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isFinite(ms) && +m[1]! > 1800 ? ms : null;
}

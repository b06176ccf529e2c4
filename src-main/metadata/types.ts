/**
 * Embedded metadata of one media file, as read at indexing time (docs/METADATA.md). Plain JSON: stored in
 * item_meta.json, sent to the UI as is. Every string is trimmed and bounded (MAX_FIELD chars); lists are bounded.
 */
export interface BextInfo {
  description: string;
  originator: string;
  originatorReference: string;
  /** "YYYY-MM-DD" as written (may be empty). */
  originationDate: string;
  /** "HH:MM:SS" as written (may be empty). */
  originationTime: string;
  /** Sample count since midnight of the first sample (64-bit in the file; exact below 2^53). */
  timeReference: number;
  version: number;
  codingHistory: string;
}

export interface IxmlInfo {
  project?: string;
  scene?: string;
  take?: string;
  tape?: string;
  note?: string;
  circled?: boolean;
  /** LOCATION_NAME. */
  location?: string;
  /** Track names (TRACK_LIST/TRACK/NAME). */
  tracks?: string[];
  /** UCS / library fields found in the USER block (Soundminer style) or the ASWG block, upper-case keys. */
  ucs?: Record<string, string>;
}

export interface UcsInfo {
  catId: string;
  /** Category code as written in the CatID (e.g. "AMB" of "AMBUrbn"). */
  category: string;
  /** Sub-category code (e.g. "Urbn"), empty when the CatID has none. */
  subCategory: string;
  fxName?: string;
  creatorId?: string;
  sourceId?: string;
  userData?: string;
  /** Where the CatID came from. */
  from: 'filename' | 'ixml';
  /** Full names when the file carries them (iXML CATEGORY / SUBCATEGORY). */
  categoryFull?: string;
  subCategoryFull?: string;
}

export interface CameraInfo {
  make?: string;
  model?: string;
  lens?: string;
  focalLengthMm?: number;
  fNumber?: number;
  exposureSec?: number;
  iso?: number;
}

export interface GpsPosition {
  lat: number;
  lon: number;
  altM?: number;
}

export interface MediaMetadata {
  /** The most specific title found (ID3/Vorbis/MP4/INFO title, XMP/IPTC title, UCS FXName). */
  title?: string;
  /** The most specific description (bext, XMP/IPTC caption, ID3/Vorbis/INFO comment …). */
  description?: string;
  /** Other free text: comments and notes not used as the description. */
  comments?: string[];
  artist?: string;
  album?: string;
  genre?: string[];
  keywords?: string[];
  /** Creator, copyright, software … (display and people/source search fields). */
  creator?: string;
  copyright?: string;
  bext?: BextInfo;
  ixml?: IxmlInfo;
  /** RIFF LIST/INFO tags by chunk id (INAM, IART, ICMT, …). */
  info?: Record<string, string>;
  /** ID3v2 TXXX user frames, Vorbis comments and MP4 free-form tags not mapped above. */
  extra?: Record<string, string>;
  ucs?: UcsInfo;
  camera?: CameraInfo;
  gps?: GpsPosition;
  /** Capture time: wall-clock time as written in the file, read as UTC, ms since epoch. */
  capturedAt?: number;
  capturedFrom?: 'exif' | 'bext' | 'id3' | 'vorbis' | 'mp4' | 'ixml' | 'xmp';
  /** Encoding facts the export needs: PCM bits per sample (WAV/FLAC/AIFF), codec name. */
  bitsPerSample?: number;
  codec?: string;
  /** What could not be read (the file still indexes). */
  warnings?: string[];
}

export const MAX_FIELD = 4000;
export const MAX_LIST = 200;

/** Trimmed, NUL-free, bounded string or undefined. */
export function clean(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  let s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  if (s === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  s = s.replace(/\u0000+$/g, '').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, ' ').trim();
  if (!s) return undefined;
  return s.length > MAX_FIELD ? s.slice(0, MAX_FIELD) : s;
}

export function cleanList(v: unknown): string[] | undefined {
  const arr = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  const out: string[] = [];
  for (const x of arr) {
    const s = clean(typeof x === 'object' && x && 'value' in x ? (x as { value: unknown }).value : x);
    if (s && !out.includes(s)) out.push(s);
    if (out.length >= MAX_LIST) break;
  }
  return out.length ? out : undefined;
}

/** XML character references and the five predefined entities (exifr leaves them in XMP values). */
export function decodeXmlEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (m, e: string) => {
    const l = e.toLowerCase();
    if (l === 'amp') return '&';
    if (l === 'lt') return '<';
    if (l === 'gt') return '>';
    if (l === 'quot') return '"';
    if (l === 'apos') return "'";
    const cp = l.startsWith('#x') ? parseInt(l.slice(2), 16) : parseInt(l.slice(1), 10);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

/** "YYYY-MM-DD" / "YYYY:MM:DD" + "HH:MM:SS" (or "HH-MM-SS", "HH.MM.SS") → ms since epoch read as UTC. */
export function wallClockMs(date: string | undefined, time: string | undefined): number | undefined {
  if (!date) return undefined;
  const d = /^(\d{4})[-:/.](\d{2})[-:/.](\d{2})/.exec(date.trim());
  if (!d) return undefined;
  const t = /^(\d{2})[-:.](\d{2})[-:.](\d{2})/.exec((time ?? '').trim());
  const [y, mo, da] = [+d[1]!, +d[2]!, +d[3]!];
  const [h, mi, s] = t ? [+t[1]!, +t[2]!, +t[3]!] : [0, 0, 0];
  if (y < 1900 || y > 2999 || mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = Date.UTC(y, mo - 1, da, h, mi, s);
  return Number.isFinite(ms) ? ms : undefined;
}

/** ISO-8601-ish dates found in ID3 TDRC / Vorbis DATE / MP4 ©day: "2021", "2021-06-03", "2021-06-03T14:22:10Z". */
export function isoishMs(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(v.trim());
  if (!m) return undefined;
  return wallClockMs(`${m[1]}-${m[2]}-${m[3]}`, m[4] ? `${m[4]}:${m[5]}:${m[6] ?? '00'}` : undefined);
}

/**
 * Audio metadata at indexing time. WAV files are walked chunk by chunk here (bext, iXML, LIST/INFO, an embedded
 * id3 chunk), every chunk size checked against the file before it is read; every other format goes through
 * music-metadata (ID3v2 incl. TXXX, Vorbis comments in FLAC/Ogg/Opus, MP4/iTunes atoms). Never throws: what
 * cannot be read becomes a warning and the file still indexes.
 */
import { parseBuffer, parseFile, type IAudioMetadata } from 'music-metadata';
import { parseBext } from './bext';
import { parseIxml, parseLatLon } from './ixml';
import { readChunk, readWavLayout, RiffError } from './riff';
import { parseUcsName, splitCatId } from './ucs';
import { clean, cleanList, isoishMs, wallClockMs, type MediaMetadata } from './types';

const MAX_BEXT = 64 * 1024 + 602;
const MAX_IXML = 1024 * 1024;
const MAX_INFO = 256 * 1024;
const MAX_ID3 = 4 * 1024 * 1024;

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

export async function readAudioMetadata(path: string): Promise<MediaMetadata> {
  const meta: MediaMetadata = {};
  const warn = (w: string) => (meta.warnings ??= []).push(w);
  let mm: IAudioMetadata | null = null;
  let isWav = false;
  try {
    const layout = await readWavLayout(path);
    isWav = true;
    if (layout.fmt) {
      meta.bitsPerSample = layout.fmt.bitsPerSample;
      meta.codec = layout.fmt.formatTag === 3 ? 'PCM float' : layout.fmt.formatTag === 1 ? 'PCM' : `WAV format ${layout.fmt.formatTag}`;
    }
    for (const c of layout.chunks) {
      if (c.id === 'bext') {
        const b = await readChunk(path, c, MAX_BEXT);
        const bext = b ? parseBext(b) : null;
        if (bext) meta.bext = bext;
        else warn(`bext chunk unreadable (${c.size} bytes)`);
      } else if (c.id === 'iXML') {
        const b = await readChunk(path, c, MAX_IXML);
        const ixml = b ? parseIxml(b.toString('utf8').replace(/\0+$/, '')) : null;
        if (ixml) meta.ixml = ixml;
        else warn(`iXML chunk unreadable (${c.size} bytes)`);
      } else if (c.id === 'LIST') {
        const b = await readChunk(path, c, MAX_INFO);
        if (b && b.toString('latin1', 0, 4) === 'INFO') meta.info = parseInfoList(b);
      } else if (c.id === 'id3 ' || c.id === 'ID3 ') {
        const b = await readChunk(path, c, MAX_ID3);
        if (b) {
          try {
            mm = await parseBuffer(b, { mimeType: 'audio/mpeg', size: b.length }, { skipCovers: true, duration: false });
          } catch (e) {
            warn(`id3 chunk: ${errText(e)}`);
          }
        }
      }
    }
  } catch (e) {
    if (!(e instanceof RiffError)) warn(`cannot read chunks: ${errText(e)}`);
  }
  if (!isWav) {
    try {
      mm = await parseFile(path, { skipCovers: true, duration: false });
      if (mm.format.bitsPerSample) meta.bitsPerSample = mm.format.bitsPerSample;
      if (mm.format.codec) meta.codec = clean(mm.format.codec);
    } catch (e) {
      warn(`tags: ${errText(e)}`);
    }
  }
  if (mm) applyTags(meta, mm);
  applyWav(meta);
  const ucs = parseUcsName(path);
  if (ucs && !meta.ucs) meta.ucs = ucs;
  if (meta.ucs?.fxName && !meta.title) meta.title = meta.ucs.fxName;
  return meta;
}

function parseInfoList(b: Buffer): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let p = 4;
  let n = 0;
  while (p + 8 <= b.length && n++ < 256) {
    const id = b.toString('latin1', p, p + 4);
    const size = b.readUInt32LE(p + 4);
    if (p + 8 + size > b.length) break;
    // INFO strings are ZSTR in the file's code page; UTF-8 is what current tools write (and ASCII is both).
    const v = clean(b.toString('utf8', p + 8, p + 8 + size));
    if (v && /^[A-Z0-9]{4}$/.test(id)) out[id] = v;
    p += 8 + size + (size & 1);
  }
  return Object.keys(out).length ? out : undefined;
}

const first = (...v: (string | undefined)[]) => v.find((x) => !!x);

/** bext / iXML / INFO → common fields; the most specific source wins (bext description first for WAV). */
function applyWav(meta: MediaMetadata): void {
  const info = meta.info ?? {};
  const ix = meta.ixml;
  const u = ix?.ucs ?? {};
  meta.title = first(meta.title, u.FXNAME, u.TRACKTITLE, info.INAM);
  meta.description = first(clean(meta.bext?.description), u.DESCRIPTION, u.BWDESCRIPTION, meta.description, info.ICMT, info.ISBJ);
  const comments = [info.ICMT, ix?.note, u.NOTES].filter((c): c is string => !!c && c !== meta.description);
  if (comments.length) meta.comments = [...new Set([...(meta.comments ?? []), ...comments])];
  meta.artist = first(meta.artist, info.IART);
  meta.album = first(meta.album, u.LIBRARY, info.IPRD);
  meta.creator = first(meta.creator, u.DESIGNER, info.IENG, clean(meta.bext?.originator));
  meta.copyright = first(meta.copyright, info.ICOP);
  if (info.IGNR) meta.genre = cleanList([...(meta.genre ?? []), info.IGNR]);
  const kw = [info.IKEY, u.KEYWORDS].filter((x): x is string => !!x).flatMap((k) => k.split(/[;,]/));
  if (kw.length) meta.keywords = cleanList([...(meta.keywords ?? []), ...kw]);
  if (u.CATID) {
    const split = splitCatId(u.CATID);
    meta.ucs = {
      catId: u.CATID, category: split?.category ?? u.CATID, subCategory: split?.subCategory ?? '', from: 'ixml',
      ...(u.FXNAME ? { fxName: u.FXNAME } : {}), ...(u.CREATORID ? { creatorId: u.CREATORID } : {}), ...(u.SOURCEID ? { sourceId: u.SOURCEID } : {}),
      ...(u.CATEGORY ? { categoryFull: u.CATEGORY } : {}), ...(u.SUBCATEGORY ? { subCategoryFull: u.SUBCATEGORY } : {}),
    };
  }
  const bwf = meta.bext ? wallClockMs(meta.bext.originationDate, meta.bext.originationTime) : undefined;
  if (bwf !== undefined) {
    meta.capturedAt = bwf;
    meta.capturedFrom = 'bext';
  } else if (meta.capturedAt === undefined && info.ICRD) {
    const t = isoishMs(info.ICRD);
    if (t !== undefined) (meta.capturedAt = t), (meta.capturedFrom = 'id3');
  }
  const gps = parseLatLon((ix as { gps?: string } | undefined)?.gps);
  if (gps && !meta.gps) meta.gps = gps;
  if (ix && 'gps' in ix) delete (ix as { gps?: string }).gps;
}

type NativeTag = { id: string; value: unknown };

function tagText(v: unknown): string | undefined {
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('text' in o) return clean(Array.isArray(o.text) ? o.text.join('; ') : o.text);
    if ('value' in o) return clean(o.value);
    if ('description' in o && 'text' in o) return clean(o.text);
    return undefined;
  }
  return clean(v);
}

/** music-metadata's common + native tags → our fields (TXXX and unmapped Vorbis/MP4 tags land in `extra`). */
function applyTags(meta: MediaMetadata, mm: IAudioMetadata): void {
  const c = mm.common;
  meta.title = first(meta.title, clean(c.title));
  meta.artist = first(meta.artist, clean(c.artist), clean(c.albumartist));
  meta.album = first(meta.album, clean(c.album));
  meta.genre = cleanList([...(meta.genre ?? []), ...(c.genre ?? [])]);
  const comments = (c.comment ?? []).map((x: unknown) => tagText(x)).filter((x): x is string => !!x);
  const desc = first(...((c as { description?: string[] }).description ?? []).map((d) => clean(d)));
  meta.description = first(meta.description, desc, comments[0]);
  const rest = comments.filter((x) => x !== meta.description);
  if (rest.length) meta.comments = cleanList([...(meta.comments ?? []), ...rest]);
  meta.copyright = first(meta.copyright, clean(c.copyright));
  meta.creator = first(meta.creator, ...(c.composer ?? []).map((x) => clean(x)));
  const extra: Record<string, string> = { ...(meta.extra ?? {}) };
  const keywords: string[] = [];
  let gpsText: string | undefined;
  for (const [type, tags] of Object.entries(mm.native) as [string, NativeTag[]][]) {
    for (const t of tags.slice(0, 500)) {
      const id = t.id;
      const up = id.toUpperCase();
      if (up.startsWith('TXXX')) {
        const v = t.value as { description?: string; text?: string[] } | string;
        const key = clean(typeof v === 'object' && v && v.description ? v.description : id.slice(5)) ?? 'TXXX';
        const val = tagText(v);
        if (val) extra[key] = val;
      } else if (type === 'vorbis') {
        if (['KEYWORDS', 'KEYWORD', 'TAGS'].includes(up)) keywords.push(...String(t.value).split(/[;,]/));
        else if (up === 'LOCATION' || up === 'GPS') gpsText = clean(t.value);
        else if (!['TITLE', 'ARTIST', 'ALBUM', 'COMMENT', 'DESCRIPTION', 'GENRE', 'DATE', 'ALBUMARTIST', 'COPYRIGHT', 'COMPOSER', 'ENCODER', 'VENDOR', 'TRACKNUMBER', 'DISCNUMBER', 'METADATA_BLOCK_PICTURE'].includes(up)) {
          const val = tagText(t.value);
          if (val) extra[up] = val;
        }
      } else if (type === 'iTunes') {
        if (id === '©xyz' || id.endsWith('com.apple.quicktime.location.ISO6709')) gpsText = clean(t.value);
        else if (id.startsWith('----:')) {
          const val = tagText(t.value);
          if (val) extra[id.replace(/^----:(com\.apple\.iTunes:)?/, '')] = val;
        } else if (id === 'keyw') keywords.push(...String(t.value).split(/[;,]/));
      }
    }
  }
  if (keywords.length) meta.keywords = cleanList([...(meta.keywords ?? []), ...keywords]);
  if (Object.keys(extra).length) meta.extra = extra;
  const pos = parseLatLon(gpsText);
  if (pos) meta.gps = pos;
  if (meta.capturedAt === undefined) {
    const ct = (mm.format as { creationTime?: Date }).creationTime;
    const fromDate = isoishMs(clean(c.date));
    if (fromDate !== undefined && /\d{2}:\d{2}/.test(c.date ?? '')) {
      meta.capturedAt = fromDate;
      meta.capturedFrom = 'id3';
    } else if (ct instanceof Date && Number.isFinite(ct.getTime()) && ct.getUTCFullYear() > 1970) {
      meta.capturedAt = ct.getTime();
      meta.capturedFrom = 'mp4';
    }
  }
  for (const k of ['title', 'artist', 'album', 'description', 'creator', 'copyright'] as const) if (!meta[k]) delete meta[k];
  if (!meta.genre) delete meta.genre;
}

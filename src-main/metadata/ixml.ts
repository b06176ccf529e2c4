/**
 * iXML (the production-sound metadata chunk, iXML spec 2.x): project/scene/take/tape/note, LOCATION, track
 * names, and the UCS / library fields sound-library tools write into <USER> (Soundminer style, one element per
 * field) or <ASWG> (Audio Sound Working Group block). Parsed with fast-xml-parser; input bounded by the caller.
 */
import { XMLParser } from 'fast-xml-parser';
import { clean, type IxmlInfo } from './types';

/** Keys of USER/ASWG we keep as UCS/library fields (upper-cased). */
const UCS_KEYS = new Set([
  'CATID', 'CATEGORY', 'SUBCATEGORY', 'CATEGORYFULL', 'FXNAME', 'DESCRIPTION', 'KEYWORDS', 'NOTES', 'DESIGNER', 'LIBRARY',
  'USERCATEGORY', 'VENDORCATEGORY', 'SOURCE', 'TRACKTITLE', 'SHORTID', 'SHOW', 'MANUFACTURER', 'MICROPHONE', 'MICPERSPECTIVE',
  'RECMEDIUM', 'RECTYPE', 'LOCATION', 'OPENTIER', 'URL', 'BWDESCRIPTION', 'CREATORID', 'SOURCEID', 'ORIGINATOR',
]);

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, processEntities: true, htmlEntities: true });

function text(v: unknown): string | undefined {
  if (Array.isArray(v)) return text(v[0]);
  if (v && typeof v === 'object') return '#text' in v ? clean((v as Record<string, unknown>)['#text']) : undefined;
  return clean(v);
}

function upperKeys(o: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o && typeof o === 'object' && !Array.isArray(o)) for (const [k, v] of Object.entries(o)) out[k.toUpperCase()] = v;
  return out;
}

export function parseIxml(xml: string): IxmlInfo | null {
  let doc: Record<string, unknown>;
  try {
    doc = upperKeys(parser.parse(xml));
  } catch {
    return null;
  }
  const root = upperKeys(doc.BWFXML);
  if (!Object.keys(root).length) return null;
  const info: IxmlInfo = {};
  const set = (k: keyof IxmlInfo, v: string | undefined) => {
    if (v) (info as Record<string, unknown>)[k] = v;
  };
  set('project', text(root.PROJECT));
  set('scene', text(root.SCENE));
  set('take', text(root.TAKE));
  set('tape', text(root.TAPE));
  set('note', text(root.NOTE));
  const circled = text(root.CIRCLED);
  if (circled) info.circled = circled.toUpperCase() === 'TRUE';
  const loc = upperKeys(root.LOCATION);
  set('location', text(loc.LOCATION_NAME));
  const gps = text(loc.LOCATION_GPS);
  if (gps) (info as IxmlInfo & { gps?: string }).gps = gps;
  const tl = upperKeys(root.TRACK_LIST);
  const tracks = Array.isArray(tl.TRACK) ? tl.TRACK : tl.TRACK ? [tl.TRACK] : [];
  const names = tracks.map((t) => text(upperKeys(t).NAME)).filter((s): s is string => !!s).slice(0, 64);
  if (names.length) info.tracks = names;
  const ucs: Record<string, string> = {};
  for (const block of [root.ASWG, root.USER]) {
    const b = upperKeys(block);
    for (const [k, v] of Object.entries(b)) {
      const s = text(v);
      if (s && UCS_KEYS.has(k) && !ucs[k]) ucs[k] = s;
    }
    // Some tools write USER as free text "KEY: value" lines.
    if (typeof block === 'string') {
      for (const line of block.split(/\r?\n/)) {
        const m = /^\s*([A-Za-z]+)\s*[:=]\s*(.+)$/.exec(line);
        if (m && UCS_KEYS.has(m[1]!.toUpperCase()) && !ucs[m[1]!.toUpperCase()]) ucs[m[1]!.toUpperCase()] = clean(m[2])!;
      }
    }
  }
  if (Object.keys(ucs).length) info.ucs = ucs;
  return Object.keys(info).length ? info : null;
}

/** "52.3701, -4.8833" (iXML LOCATION_GPS) or ISO 6709 "+52.3701-004.8833/" → position, or null. */
export function parseLatLon(s: string | undefined): { lat: number; lon: number } | null {
  if (!s) return null;
  let m = /^\s*([-+]?\d+(?:\.\d+)?)\s*[,; ]\s*([-+]?\d+(?:\.\d+)?)/.exec(s);
  if (!m) m = /^([-+]\d+(?:\.\d+)?)([-+]\d+(?:\.\d+)?)/.exec(s.trim());
  if (!m) return null;
  const lat = Number(m[1]);
  const lon = Number(m[2]);
  if (!(Math.abs(lat) <= 90 && Math.abs(lon) <= 180) || (lat === 0 && lon === 0)) return null;
  return { lat, lon };
}

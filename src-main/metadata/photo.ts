/**
 * Photo (and video/HEIC/RAW still) metadata through exifr: EXIF camera + lens + exposure, GPS, capture time
 * (DateTimeOriginal read as UTC wall-clock, like library/exif.ts), IPTC and XMP title / description / keywords.
 * One shared parser: images, HEIC and camera RAW (TIFF-based) all go through readPhotoMetadata. Never throws.
 */
import exifr from 'exifr';
import { clean, cleanList, decodeXmlEntities, wallClockMs, type MediaMetadata } from './types';

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

type Block = Record<string, unknown> | undefined;

/** XMP lang-alt values come as {lang, value} or arrays of them; plain strings pass. */
function langAlt(v: unknown): string | undefined {
  if (Array.isArray(v)) {
    const def = v.find((x) => x && typeof x === 'object' && (x as { lang?: string }).lang === 'x-default') ?? v[0];
    return langAlt(def);
  }
  if (v && typeof v === 'object' && 'value' in v) return langAlt((v as { value: unknown }).value);
  const s = clean(v);
  return s ? decodeXmlEntities(s) : undefined;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export async function readPhotoMetadata(input: string | Uint8Array): Promise<MediaMetadata> {
  const meta: MediaMetadata = {};
  let r: Record<string, Block> | undefined;
  try {
    r = (await exifr.parse(input as string, {
      tiff: true, exif: true, gps: true, xmp: true, iptc: true, icc: false, ifd1: false, interop: false,
      mergeOutput: false, translateValues: false, reviveValues: false, sanitize: true,
    })) as Record<string, Block> | undefined;
  } catch (e) {
    const m = errText(e);
    // "Unknown file format" is the normal answer for PNG/GIF/BMP without EXIF: not worth a warning.
    if (!/unknown file format|invalid input/i.test(m)) meta.warnings = [`EXIF/XMP: ${m}`];
    return meta;
  }
  if (!r) return meta;
  const ifd0 = r.ifd0 ?? {};
  const exif = r.exif ?? {};
  const gps = r.gps ?? {};
  const iptc = r.iptc ?? {};
  const dc = r.dc ?? {};
  const xmp = r.xmp ?? {};
  const photoshop = r.photoshop ?? {};
  const camera = {
    make: clean(ifd0.Make),
    model: clean(ifd0.Model),
    lens: clean(exif.LensModel) ?? clean((r.aux as Block)?.Lens) ?? clean(exif.LensMake),
    focalLengthMm: num(exif.FocalLength),
    fNumber: num(exif.FNumber),
    exposureSec: num(exif.ExposureTime),
    iso: num(exif.ISO) ?? num(exif.ISOSpeedRatings) ?? (Array.isArray(exif.ISOSpeedRatings) ? num(exif.ISOSpeedRatings[0]) : undefined),
  };
  for (const k of Object.keys(camera) as (keyof typeof camera)[]) if (camera[k] === undefined) delete camera[k];
  if (Object.keys(camera).length) meta.camera = camera;
  const lat = num(gps.latitude);
  const lon = num(gps.longitude);
  if (lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0)) {
    meta.gps = { lat, lon };
    const alt = num(gps.GPSAltitude);
    if (alt !== undefined) meta.gps.altM = gps.GPSAltitudeRef === 1 ? -alt : alt;
  }
  const when = (clean(exif.DateTimeOriginal) ?? clean(exif.CreateDate) ?? clean(ifd0.ModifyDate) ?? '').split(' ');
  const t = wallClockMs(when[0], when[1]);
  if (t !== undefined) {
    meta.capturedAt = t;
    meta.capturedFrom = 'exif';
  }
  meta.title = langAlt(dc.title) ?? clean(iptc.ObjectName) ?? clean(iptc.Headline) ?? clean(photoshop.Headline);
  meta.description = langAlt(dc.description) ?? clean(iptc.Caption) ?? clean(iptc['Caption-Abstract' as never]) ?? clean(ifd0.ImageDescription);
  meta.keywords = cleanList([...(asList(dc.subject)), ...asList(iptc.Keywords)].map((k) => decodeXmlEntities(k)));
  meta.creator = langAlt(dc.creator) ?? clean(iptc.Byline) ?? clean(ifd0.Artist);
  meta.copyright = langAlt(dc.rights) ?? clean(iptc.CopyrightNotice) ?? clean(ifd0.Copyright);
  const software = clean(ifd0.Software) ?? clean(xmp.CreatorTool);
  if (software) meta.extra = { Software: software };
  const comment = clean(exif.UserComment);
  if (comment && comment !== meta.description) meta.comments = [comment];
  for (const k of ['title', 'description', 'keywords', 'creator', 'copyright'] as const) if (!meta[k]) delete meta[k];
  return meta;
}

function asList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((x) => langAlt(x)).filter((x): x is string => !!x);
}

/**
 * Two views of an item's metadata: the text columns of the full-text index (with the file's names and folders
 * and the user's tags), and labelled groups for the item view.
 */
import type { MediaMetadata } from './types';

/** Full-text columns, in the order of the FTS table (library/text-index.ts). Field terms name these. */
export const SEARCH_COLUMNS = ['name', 'folder', 'title', 'desc', 'cat', 'keywords', 'tags', 'people', 'source', 'gear', 'other'] as const;
export type SearchColumn = (typeof SEARCH_COLUMNS)[number];

/** Split CamelCase and digit runs so "DoorWoodCreak02" also matches door, wood, creak. */
export function splitWords(s: string): string {
  const spaced = s.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/([A-Za-z])(\d)/g, '$1 $2').replace(/(\d)([A-Za-z])/g, '$1 $2');
  return spaced === s ? s : `${s} ${spaced}`;
}

const join = (...v: (string | undefined | null | false)[]) => v.filter((x): x is string => !!x).join(' \u2022 ');

export function searchFields(meta: MediaMetadata | null, paths: string[], tags: string[]): Record<SearchColumn, string> {
  const m = meta ?? {};
  const names = new Set<string>();
  const folders = new Set<string>();
  for (const p of paths) {
    const parts = p.split(/[\\/]/).filter(Boolean);
    const file = parts.pop() ?? '';
    names.add(splitWords(file.replace(/\.[^.]+$/, '')));
    // The last three folder names: enough for "…/Ambiences/Forest/Dawn/", not the whole home path.
    for (const f of parts.slice(-3)) folders.add(splitWords(f));
  }
  const u = m.ucs;
  const ix = m.ixml;
  return {
    name: [...names].join(' \u2022 '),
    folder: [...folders].join(' \u2022 '),
    title: join(m.title, u?.fxName, m.info?.INAM),
    desc: join(m.description, ...(m.comments ?? []), m.bext?.description !== m.description ? m.bext?.description : undefined, ix?.note),
    cat: join(u?.catId, u?.category, u?.subCategory, u?.categoryFull, u?.subCategoryFull, ...(m.genre ?? []), ix?.ucs?.USERCATEGORY, ix?.ucs?.VENDORCATEGORY),
    keywords: (m.keywords ?? []).join(' \u2022 '),
    tags: tags.join(' \u2022 '),
    people: join(m.artist, m.creator, m.bext?.originator, u?.creatorId, ix?.ucs?.DESIGNER, m.copyright),
    source: join(m.album, u?.sourceId, ix?.project, ix?.scene && `scene ${ix.scene}`, ix?.take && `take ${ix.take}`, ix?.tape, ix?.location, ix?.ucs?.LIBRARY, ix?.ucs?.SHOW),
    gear: join(m.camera?.make, m.camera?.model, m.camera?.lens, ix?.ucs?.MICROPHONE, ix?.ucs?.RECMEDIUM, m.codec),
    other: join(...Object.entries(m.extra ?? {}).map(([k, v]) => `${k} ${v}`), ...(ix?.tracks ?? []), u?.userData),
  };
}

export interface MetaGroup {
  title: string;
  fields: { label: string; value: string }[];
}

const fmtNum = (n: number, d = 1) => (Number.isInteger(n) ? String(n) : n.toFixed(d));
const wall = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');

/** Labelled groups for the item view, in reading order; empty groups are left out. */
export function displayGroups(meta: MediaMetadata | null): MetaGroup[] {
  if (!meta) return [];
  const groups: MetaGroup[] = [];
  const g = (title: string, rows: [string, string | number | undefined | null][]) => {
    const fields = rows.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([label, v]) => ({ label, value: String(v) }));
    if (fields.length) groups.push({ title, fields });
  };
  g('Description', [
    ['Title', meta.title], ['Description', meta.description], ['Comments', meta.comments?.join('\n')], ['Keywords', meta.keywords?.join(', ')],
    ['Artist', meta.artist], ['Album', meta.album], ['Genre', meta.genre?.join(', ')], ['Creator', meta.creator], ['Copyright', meta.copyright],
    ['Captured', meta.capturedAt !== undefined ? `${wall(meta.capturedAt)} (${meta.capturedFrom})` : undefined],
  ]);
  const u = meta.ucs;
  if (u) {
    g('UCS', [
      ['CatID', u.catId], ['Category', u.categoryFull ? `${u.categoryFull} (${u.category})` : u.category],
      ['Sub-category', u.subCategoryFull ? `${u.subCategoryFull} (${u.subCategory})` : u.subCategory], ['FX name', u.fxName],
      ['Creator ID', u.creatorId], ['Source ID', u.sourceId], ['User data', u.userData], ['From', u.from === 'filename' ? 'file name' : 'iXML'],
    ]);
  }
  const b = meta.bext;
  if (b) {
    g('Broadcast WAV (bext)', [
      ['Description', b.description], ['Originator', b.originator], ['Reference', b.originatorReference],
      ['Origination', [b.originationDate, b.originationTime].filter(Boolean).join(' ')], ['Time reference', `${b.timeReference} samples`],
      ['Coding history', b.codingHistory],
    ]);
  }
  const ix = meta.ixml;
  if (ix) {
    g('iXML', [
      ['Project', ix.project], ['Scene', ix.scene], ['Take', ix.take], ['Tape', ix.tape], ['Circled', ix.circled === undefined ? undefined : ix.circled ? 'yes' : 'no'],
      ['Note', ix.note], ['Location', ix.location], ['Tracks', ix.tracks?.join(', ')],
      ...Object.entries(ix.ucs ?? {}).map(([k, v]) => [k.charAt(0) + k.slice(1).toLowerCase(), v] as [string, string]),
    ]);
  }
  if (meta.info) g('RIFF INFO', Object.entries(meta.info));
  const c = meta.camera;
  if (c) {
    g('Camera', [
      ['Camera', [c.make, c.model].filter(Boolean).join(' ')], ['Lens', c.lens],
      ['Exposure', [c.exposureSec !== undefined ? (c.exposureSec < 1 ? `1/${Math.round(1 / c.exposureSec)} s` : `${fmtNum(c.exposureSec)} s`) : '', c.fNumber !== undefined ? `f/${fmtNum(c.fNumber)}` : '', c.focalLengthMm !== undefined ? `${fmtNum(c.focalLengthMm)} mm` : '', c.iso !== undefined ? `ISO ${c.iso}` : ''].filter(Boolean).join(' · ')],
    ]);
  }
  if (meta.gps) g('Location', [['GPS', `${meta.gps.lat.toFixed(6)}, ${meta.gps.lon.toFixed(6)}`], ['Altitude', meta.gps.altM !== undefined ? `${fmtNum(meta.gps.altM)} m` : undefined]]);
  if (meta.extra) g('Other tags', Object.entries(meta.extra));
  g('Encoding', [['Codec', meta.codec], ['Bits per sample', meta.bitsPerSample]]);
  if (meta.warnings?.length) g('Not read', [['Warnings', meta.warnings.join('\n')]]);
  return groups;
}

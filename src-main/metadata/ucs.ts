/**
 * UCS (Universal Category System) file names: `CatID_FXName_CreatorID_SourceID[_UserData].ext`.
 * A CatID is a category code in capitals followed by a sub-category code that starts with a capital and goes
 * on in lower case ("AMBUrbn" → AMB / Urbn, "DOORWood" → DOOR / Wood); CatIDs carry no digits and are short.
 *
 * Only this parsing rule ships. The official CatID list (category and sub-category full names, synonyms) is
 * not bundled: its licence could not be verified from this workplace (docs/METADATA.md), so a file name's
 * codes are indexed as written, and full names come from the file's own iXML fields when it has them.
 */
import type { UcsInfo } from './types';

const CATID = /^([A-Z]{2,})([A-Z][a-z]+[A-Za-z]*)?$/;

/** Split a CatID into category and sub-category codes, or null when it does not look like one. */
export function splitCatId(catId: string): { category: string; subCategory: string } | null {
  if (catId.length < 2 || catId.length > 24) return null;
  const m = CATID.exec(catId);
  if (!m) return null;
  return { category: m[1]!, subCategory: m[2] ?? '' };
}

/** Parse a UCS-style file name (with or without folders and extension); null when it is not one. */
export function parseUcsName(fileName: string): UcsInfo | null {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.[A-Za-z0-9]{1,5}$/, '');
  const parts = base.split('_');
  if (parts.length < 4) return null; // the convention needs all four blocks
  const [catId, fxName, creatorId, sourceId, ...rest] = parts;
  if (!catId || !fxName || !creatorId || !sourceId) return null;
  const split = splitCatId(catId);
  // A sub-category is required unless the whole CatID is capitals of a known-short form (e.g. "UI" is not enough).
  if (!split || !split.subCategory) return null;
  const out: UcsInfo = { catId, category: split.category, subCategory: split.subCategory, fxName: fxName.trim(), creatorId, sourceId, from: 'filename' };
  if (rest.length) out.userData = rest.join('_');
  return out;
}

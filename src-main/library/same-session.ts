/**
 * "Same session": the photos and recordings captured near an item in time (EXIF / BWF capture time, file date as
 * fallback) and, where both carry GPS, in place. Pure helpers; Library.sameSession ranks the candidates by how
 * well their content agrees with the item in the space.
 */

export interface SessionCandidate {
  id: number;
  /** Capture time (or file date), ms. */
  date: number;
  lat: number | null;
  lon: number | null;
}

export interface SessionOptions {
  /** ± this many seconds around the item's time (default 30 min). */
  windowSec?: number;
  /** Farther than this (metres) is another place, when both have GPS (default 1 km). */
  radiusM?: number;
}

export const DEFAULT_WINDOW_SEC = 30 * 60;
export const DEFAULT_RADIUS_M = 1000;

/** Great-circle distance in metres (haversine, mean Earth radius). */
export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const R = 6_371_008.8;
  const toRad = Math.PI / 180;
  const dLat = (lat2 - lat1) * toRad;
  const dLon = (lon2 - lon1) * toRad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * toRad) * Math.cos(lat2 * toRad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}

export interface SessionMatch {
  id: number;
  /** Candidate time − item time, seconds. */
  dtSec: number;
  /** Metres apart, null when either lacks GPS. */
  distanceM: number | null;
}

/** Candidates within the time window and, where both have GPS, within the radius. */
export function sessionMatches(item: SessionCandidate, candidates: SessionCandidate[], o: SessionOptions = {}): SessionMatch[] {
  const w = (o.windowSec ?? DEFAULT_WINDOW_SEC) * 1000;
  const radius = o.radiusM ?? DEFAULT_RADIUS_M;
  const out: SessionMatch[] = [];
  for (const c of candidates) {
    if (c.id === item.id) continue;
    const dt = c.date - item.date;
    if (Math.abs(dt) > w) continue;
    let d: number | null = null;
    if (item.lat !== null && item.lon !== null && c.lat !== null && c.lon !== null) {
      d = distanceM(item.lat, item.lon, c.lat, c.lon);
      if (d > radius) continue;
    }
    out.push({ id: c.id, dtSec: dt / 1000, distanceM: d });
  }
  return out;
}

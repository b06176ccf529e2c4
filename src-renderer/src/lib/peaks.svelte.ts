/** Waveform peaks for audio tiles, fetched in batches for the tiles that are actually on screen. */
import { api } from './client';

export const MINI_BUCKETS = 64;
export const peaks = $state<Record<number, number[]>>({});

const queued = new Set<number>();
const requested = new Set<number>();
let scheduled = false;

export function wantPeaks(id: number): void {
  if (requested.has(id)) return;
  requested.add(id);
  queued.add(id);
  if (!scheduled) {
    scheduled = true;
    setTimeout(flush, 16);
  }
}

async function flush(): Promise<void> {
  scheduled = false;
  const ids = [...queued].slice(0, 500);
  for (const id of ids) queued.delete(id);
  if (queued.size) {
    scheduled = true;
    setTimeout(flush, 16);
  }
  try {
    const got = await api.invoke('library:peaks', { ids, buckets: MINI_BUCKETS });
    for (const [k, v] of Object.entries(got)) peaks[Number(k)] = v;
  } catch {
    for (const id of ids) requested.delete(id);
  }
}

/**
 * Search state: the query chips (texts, dropped/pasted files, library items), the last response, and live
 * re-ranking while a factor slider moves (coalesced to one request per animation frame; the engine re-ranks
 * from stored components without running a model).
 */
import type { Factors, Request, SmartRule, UiSearchResponse } from '../../../src-main/ipc/contract/contract';
import { searchRequest, smartSearchOf, type SearchSource } from '../../../src-main/ipc/contract/requests';
import { api, fileToQueryPath } from './client';
import { app, currentFactors, errorText, go, toast } from './state.svelte';
import { baseName } from './format';

export type ChipKind = 'text' | 'image' | 'audio' | 'item';
export interface Chip {
  id: number;
  kind: ChipKind;
  label: string;
  /** text, absolute path, or item id */
  value: string | number;
  negative: boolean;
  /** media path for a preview (image file / item thumbnail) */
  preview?: string | null;
  itemModality?: 'image' | 'audio' | 'video';
}

export const search = $state({
  chips: [] as Chip[],
  draft: '',
  target: 'all' as 'all' | 'image' | 'audio' | 'video',
  running: false,
  response: null as UiSearchResponse | null,
  error: null as string | null,
  /** Client-measured round trip of the last live re-rank (ms). */
  rerankMs: null as number | null,
  reranks: 0,
  uploading: 0,
  /** The library changed since these results were ranked; a refresh is on its way. */
  stale: false,
});

let chipSeq = 0;

export function addTextChip(text: string): void {
  const t = text.trim();
  if (!t) return;
  search.chips.push({ id: ++chipSeq, kind: 'text', label: t, value: t, negative: false });
}

export async function addFileChips(files: FileList | File[]): Promise<void> {
  for (const file of Array.from(files)) {
    search.uploading++;
    try {
      const { path, modality } = await fileToQueryPath(file);
      search.chips.push({ id: ++chipSeq, kind: modality, label: file.name || baseName(path), value: path, negative: false, preview: modality === 'image' ? path : null });
    } catch (e) {
      toast(`Could not use ${file.name}: ${errorText(e)}`, 'error');
    } finally {
      search.uploading--;
    }
  }
}

export function removeChip(id: number): void {
  const i = search.chips.findIndex((c) => c.id === id);
  if (i >= 0) search.chips.splice(i, 1);
}

/** Does typed text use the query language (docs/QUERY-SYNTAX.md) beyond plain words? */
export function hasSyntax(t: string): boolean {
  return /(^|\s)-?[A-Za-z]+:\S/.test(t) || /(^|\s)[-+]\S/.test(t) || /(^|\s)["']/.test(t);
}

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** One chip alone uses the direct request field; several become an expression (docs/QUERY-SYNTAX.md). */
function buildRequest(): Request<'search:run'> | null {
  const chips = search.chips;
  if (chips.length === 0) return null;
  const options = { in: search.target, k: 200, factors: currentFactors(), wordsBalance: lastBalance ?? app.settings?.wordsBalance ?? 0.5 };
  if (chips.length === 1 && !chips[0]!.negative) {
    const c = chips[0]!;
    // Typed text with query syntax (field terms, exclusions, quotes, operators) goes as a query.
    const source: SearchSource =
      c.kind === 'text' ? (hasSyntax(String(c.value)) ? { query: String(c.value) } : { text: String(c.value) })
      : c.kind === 'image' ? { imagePath: String(c.value) } : c.kind === 'audio' ? { audioPath: String(c.value) } : { itemId: Number(c.value) };
    return searchRequest(source, options);
  }
  const term = (c: Chip) =>
    c.kind === 'text' ? (!c.negative && hasSyntax(String(c.value)) ? String(c.value) : quote(String(c.value))) : c.kind === 'item' ? `item:${c.value}` : `${c.kind}:${quote(String(c.value))}`;
  let expr = '';
  chips.forEach((c, i) => {
    const op = c.negative ? '-' : '+';
    expr += i === 0 ? (c.negative ? '- ' : '') + term(c) : ` ${op} ${term(c)}`;
  });
  return searchRequest({ query: expr }, options);
}

/** The current query as a smart-collection rule (the saved search; factors follow the app's preset). */
export function currentSearchRule(): SmartRule['search'] | null {
  const req = buildRequest();
  if (!req) return null;
  // the balance, like the factors, follows the app's setting when the collection is shown again
  const { wordsBalance: _w, ...rest } = req;
  return smartSearchOf(rest, search.response?.results.length || 50);
}

export async function runSearch(opts: { show?: boolean } = {}): Promise<void> {
  if (search.draft.trim()) {
    addTextChip(search.draft);
    search.draft = '';
  }
  const req = buildRequest();
  if (!req) return;
  if (opts.show !== false) go('search');
  search.stale = false;
  search.running = true;
  search.error = null;
  search.rerankMs = null;
  try {
    search.response = await api.invoke('search:run', req);
  } catch (e) {
    search.error = errorText(e);
    search.response = null;
  } finally {
    search.running = false;
  }
}

export function findSimilar(itemId: number, name: string, modality: 'image' | 'audio' | 'video', thumb: string | null): void {
  search.chips = [{ id: ++chipSeq, kind: 'item', label: name, value: itemId, negative: false, preview: thumb, itemModality: modality }];
  search.draft = '';
  void runSearch();
}

/** Re-fuse the current results with another words/meaning balance (no model run). */
export function liveBalance(b: number): void {
  pendingBalance = b;
  liveRerank(currentFactors());
}
let pendingBalance: number | null = null;
let lastBalance: number | null = null;

let pending: Factors | null = null;
let inflight = false;
let frameRequested = false;

/** Re-rank the current results for new factors; many calls within one frame collapse into one request. */
export function liveRerank(f: Factors): void {
  pending = { ...f };
  if (!search.response || frameRequested || inflight) return;
  frameRequested = true;
  requestAnimationFrame(pump);
}

async function pump(): Promise<void> {
  frameRequested = false;
  const resp = search.response;
  if (!pending || !resp) return;
  const f = pending;
  pending = null;
  inflight = true;
  const t0 = performance.now();
  try {
    const wb = pendingBalance ?? lastBalance ?? app.settings?.wordsBalance;
    if (pendingBalance !== null) lastBalance = pendingBalance;
    pendingBalance = null;
    search.response = await api.invoke('search:rerank', { queryId: resp.queryId, factors: f, ...(wb !== undefined ? { wordsBalance: wb } : {}) });
    search.rerankMs = performance.now() - t0;
    search.reranks++;
  } catch (e) {
    search.error = errorText(e);
  } finally {
    inflight = false;
    if (pending && !frameRequested) {
      frameRequested = true;
      requestAnimationFrame(pump);
    }
  }
}

let staleTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * The library changed (files indexed, removed, a folder added): the shown results would leave out new items and
 * keep gone ones. They are ranked again over the current library from the stored query vectors (no model runs),
 * a moment after the last change; a query the engine no longer remembers is run again.
 */
export function libraryChanged(): void {
  if (!search.response) return;
  search.stale = true;
  clearTimeout(staleTimer);
  staleTimer = setTimeout(() => void refreshResults(), 400);
}

async function refreshResults(): Promise<void> {
  const resp = search.response;
  if (!resp || !search.stale) return;
  if (search.running || inflight) {
    staleTimer = setTimeout(() => void refreshResults(), 200);
    return;
  }
  try {
    // the query was encoded once, by the search these results came from: that time still describes them
    search.response = { ...(await api.invoke('search:rerank', { queryId: resp.queryId, factors: currentFactors() })), encodeMs: resp.encodeMs };
    search.stale = false;
  } catch {
    await runSearch({ show: false });
  }
}

export function clearSearch(): void {
  search.chips = [];
  search.response = null;
  search.error = null;
  if (app.view === 'search') go('library');
}

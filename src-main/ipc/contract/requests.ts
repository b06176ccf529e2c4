/**
 * Typed request builders for the renderer: each returns exactly the contract's Request type for its channel,
 * leaving out fields that are not set (the validators refuse null, and a field the UI did not choose must not
 * be sent), so a request is typed where it is made instead of being cast at the call.
 */
import type { SearchRequest } from '../../search/types';
import type { SmartRule } from '../../organise/types';
import type { ItemModality } from '../../domain/types';
import type { Request, Settings } from './contract';

/** A copy without the keys whose value is undefined or null. */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], null> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) out[k] = v;
  return out as { [K in keyof T]: Exclude<T[K], null> };
}

/** settings:set — only the fields given; `activePack: null` (the default pack) cannot be sent and is left out. */
export function settingsPatch(patch: Partial<Settings>): Request<'settings:set'> {
  return defined(patch);
}

/** What a search looks for: exactly one of these (the contract's rule, here in the type). */
export type SearchSource = { text: string } | { imagePath: string } | { audioPath: string } | { itemId: number } | { query: string };

type SearchOptions = Omit<SearchRequest, 'text' | 'imagePath' | 'audioPath' | 'itemId' | 'query'>;

/** search:run — one source, plus options (target modality, k, cutoff, filters, preset or factors). */
export function searchRequest(source: SearchSource, options: SearchOptions = {}): Request<'search:run'> {
  return defined({ ...options, ...source });
}

/** The search part of a smart-collection rule: a search request without its factors (those follow the app). */
export function smartSearchOf(req: Request<'search:run'>, k: number): NonNullable<SmartRule['search']> {
  const { factors: _factors, preset: _preset, ...rest } = req;
  return defined({ ...rest, k });
}

/** library:list — page `offset`/`limit` in `sort` order with the filters that are set (0 / '' mean unset). */
export function listRequest(q: {
  sort: Request<'library:list'>['sort'];
  descending?: boolean;
  offset: number;
  limit: number;
  modality?: ItemModality | null;
  root?: number | null;
  folder?: string | null;
  dateFrom?: number | null;
  dateTo?: number | null;
  minDuration?: number | null;
  maxDuration?: number | null;
}): Request<'library:list'> {
  return defined({ ...q, modality: q.modality || undefined, root: q.root || undefined, folder: q.folder || undefined });
}

/** collections:create — a manual collection (optionally with items) or a smart one with its rule. */
export function newCollectionRequest(name: string, kind: 'manual', options?: { itemIds?: number[] }): Request<'collections:create'>;
export function newCollectionRequest(name: string, kind: 'smart', options: { rule: SmartRule }): Request<'collections:create'>;
export function newCollectionRequest(name: string, kind: 'manual' | 'smart', options?: { rule?: SmartRule; itemIds?: number[] }): Request<'collections:create'>;
export function newCollectionRequest(name: string, kind: 'manual' | 'smart', options: { rule?: SmartRule; itemIds?: number[] } = {}): Request<'collections:create'> {
  const itemIds = kind === 'manual' && options.itemIds?.length ? options.itemIds : undefined;
  return defined({ name, kind, rule: kind === 'smart' ? options.rule : undefined, itemIds });
}

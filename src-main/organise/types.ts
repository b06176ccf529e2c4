/**
 * What the organise features return (tags, duplicates, the map, collections): plain data that crosses the IPC
 * contract. Types only, so the renderer's type-check never pulls in the implementations.
 */
import type { ItemModality } from '../domain/types';
import type { ListItemsQuery } from '../library/service';
import type { SearchRequest } from '../search/types';

/** Which items a vocabulary labels. */
export type VocabularyTarget = 'audio' | 'image' | 'all';

export interface TagScore {
  labelId: string;
  name: string;
  score: number;
}

export interface ItemTags {
  itemId: number;
  /** Best labels, descending, above the threshold. */
  labels: TagScore[];
  /** Ancestors of those labels (hierarchy roll-up): score = best score among their descendants in `labels`. */
  categories: (TagScore & { via: string })[];
}

export interface GroupingOptions {
  threshold: number;
  margin: number;
}

export interface VocabularyInfo {
  id: string;
  name: string;
  target: VocabularyTarget;
  promptTemplate: string;
  labelCount: number;
  builtin: boolean;
  licence?: string;
}

export interface ItemTagsView extends ItemTags {
  /** Tags the user confirmed (always shown, never replaced by suggestions). */
  confirmed: { labelId: string; name: string }[];
  /** Labels the user removed: never suggested again for this item. */
  removed: string[];
}

export interface DuplicateFile {
  itemId: number;
  path: string;
  modality: ItemModality;
}

export interface DuplicatesReport {
  /** Same content (sha256) under several paths. */
  exact: { itemId: number; paths: string[] }[];
  /** Items whose vectors are near-identical (per modality), with the group's cohesion and gap. */
  near: { modality: ItemModality; cohesion: number; separation: number; items: DuplicateFile[] }[];
  options: GroupingOptions;
}

export interface MapPoint {
  itemId: number;
  modality: ItemModality;
  x: number;
  y: number;
}

export interface SmartRule {
  /** A saved search (query language, text, item, …) with its cutoff; omitted = filters only. */
  search?: Omit<SearchRequest, 'preset' | 'factors'> & { k?: number };
  /** Filters applied to the library listing when there is no search. */
  filters?: Omit<ListItemsQuery, 'offset' | 'limit' | 'sort'>;
}

export interface CollectionInfo {
  id: number;
  name: string;
  kind: 'manual' | 'smart';
  rule: SmartRule | null;
  createdAt: number;
  /** Manual: stored count. Smart: null until evaluated. */
  size: number | null;
}

export interface CollectionMember {
  itemId: number;
  path: string;
  name: string;
  modality: ItemModality;
  durationSec: number | null;
  width: number | null;
  height: number | null;
  date: number;
  /** Smart collections with a search: the item's score. */
  score?: number;
}

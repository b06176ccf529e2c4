/**
 * Organise state (issue 7): collections in the sidebar, the item selection used by "Add to collection",
 * the tag vocabulary / threshold the item and library views share, and the add-to-collection dialog.
 */
import type { CollectionInfo, SmartRule, VocabularyInfo } from '../../../src-main/ipc/contract/contract';
import { api } from './client';
import { newCollectionRequest } from '../../../src-main/ipc/contract/requests';
import { app, errorText, go, toast } from './state.svelte';

export const organise = $state({
  collections: [] as CollectionInfo[],
  vocabularies: [] as VocabularyInfo[],
  /** Vocabulary per modality (the item view picks the one for the item's kind). */
  vocab: { audio: 'audioset', image: 'photo' } as Record<'audio' | 'image', string>,
  /** Minimum cosine for a suggested tag. */
  threshold: 0.05,
  /** Items picked in the library grid (ctrl/⌘-click) or with the map lasso. */
  selection: [] as number[],
  /** Open "Add to collection" dialog for these items (null = closed). */
  addDialog: null as number[] | null,
  /** Open the new-collection dialog (smart: with this rule). */
  newDialog: null as { kind: 'manual' | 'smart'; rule?: SmartRule; itemIds?: number[]; suggested?: string } | null,
  /** Open vocabulary editor (id of a user vocabulary, or '' for a new one). */
  vocabEditor: null as string | null,
});

export async function refreshCollections(): Promise<void> {
  try {
    organise.collections = await api.invoke('collections:list', {});
  } catch {
    organise.collections = [];
  }
}

export async function refreshVocabularies(): Promise<void> {
  try {
    organise.vocabularies = await api.invoke('tags:vocabularies', {});
  } catch {
    organise.vocabularies = [];
  }
}

export function toggleSelected(id: number): void {
  const i = organise.selection.indexOf(id);
  if (i >= 0) organise.selection.splice(i, 1);
  else organise.selection.push(id);
}

export function openCollection(id: number): void {
  app.collectionId = id;
  go('collection');
}

export async function createCollection(name: string, kind: 'manual' | 'smart', rule?: SmartRule, itemIds?: number[]): Promise<CollectionInfo | null> {
  try {
    const c = await api.invoke('collections:create', newCollectionRequest(name, kind, { rule, itemIds }));
    await refreshCollections();
    toast(`Created ${kind === 'smart' ? 'smart ' : ''}collection “${c.name}”`, 'ok');
    return c;
  } catch (e) {
    toast(errorText(e), 'error');
    return null;
  }
}

export async function addToCollection(id: number, itemIds: number[]): Promise<boolean> {
  try {
    const r = await api.invoke('collections:add', { id, itemIds });
    await refreshCollections();
    toast(`Added ${r.added} item${r.added === 1 ? '' : 's'} to “${r.collection.name}”`, 'ok');
    return true;
  } catch (e) {
    toast(errorText(e), 'error');
    return false;
  }
}

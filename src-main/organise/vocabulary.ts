import { LIMITS } from '../domain/limits';
import { readRegularTextSync } from '../runtime/safe-read';
import { join } from 'node:path';
import { findRepoRoot } from '../runtime/repo-root';
import type { VocabularyTarget } from './types';

export interface Label {
  /** Stable id within the vocabulary (AudioSet mid, or the label text). */
  id: string;
  name: string;
  /** Parent label ids (AudioSet is a DAG: a few classes have several parents). */
  parents: string[];
}

export interface Vocabulary {
  id: string;
  name: string;
  target: VocabularyTarget;
  /** `{label}` is replaced by the label's name, lower-cased. */
  promptTemplate: string;
  labels: Label[];
  /** Shipped vocabularies are read-only; user vocabularies are editable in the UI. */
  builtin: boolean;
  licence?: string;
}

export const DEFAULT_AUDIO_TEMPLATE = 'a sound of {label}';
export const DEFAULT_IMAGE_TEMPLATE = 'a photo of {label}';

export function vocabulariesDir(): string {
  return join(findRepoRoot(), 'resources', 'vocabularies');
}

interface AudioSetEntry {
  id: string;
  name: string;
  child_ids: string[];
  restrictions?: string[];
}

/** The AudioSet ontology: 632 classes; parents derived from child_ids. */
export function parseAudioSet(json: string): Label[] {
  const entries = JSON.parse(json) as AudioSetEntry[];
  if (!Array.isArray(entries)) throw new Error('audioset ontology: expected a JSON array');
  const parents = new Map<string, string[]>();
  for (const e of entries) {
    for (const child of e.child_ids ?? []) {
      const list = parents.get(child) ?? [];
      list.push(e.id);
      parents.set(child, list);
    }
  }
  return entries.map((e) => ({ id: e.id, name: e.name, parents: parents.get(e.id) ?? [] }));
}

/** One label per line; `parent > label` nests a label under a (created) parent; `#` starts a comment. */
export function parseLabelList(text: string): Label[] {
  const labels = new Map<string, Label>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const parts = line.split('>').map((s) => s.trim()).filter(Boolean);
    let parent: string | null = null;
    for (const name of parts) {
      if (name === parent) continue; // "food > food": a label is not its own parent
      const existing = labels.get(name);
      if (!existing) labels.set(name, { id: name, name, parents: parent ? [parent] : [] });
      else if (parent && !existing.parents.includes(parent)) existing.parents.push(parent);
      parent = name;
    }
  }
  return [...labels.values()];
}

export function builtinVocabularies(dir = vocabulariesDir()): Vocabulary[] {
  return [
    {
      id: 'audioset',
      name: 'AudioSet ontology (632 sound classes)',
      target: 'audio',
      promptTemplate: DEFAULT_AUDIO_TEMPLATE,
      labels: parseAudioSet(readRegularTextSync(join(dir, 'audioset-ontology.json'), LIMITS.fileBytes.vocabulary)),
      builtin: true,
      licence: 'CC BY-SA 4.0 (Google), see resources/vocabularies/NOTICE.md',
    },
    {
      id: 'esc50',
      name: 'ESC-50 environmental sounds',
      target: 'audio',
      promptTemplate: DEFAULT_AUDIO_TEMPLATE,
      labels: parseLabelList(readRegularTextSync(join(dir, 'esc50-classes.txt'), LIMITS.fileBytes.vocabulary)),
      builtin: true,
    },
    {
      id: 'photo',
      name: 'General photo vocabulary',
      target: 'image',
      promptTemplate: DEFAULT_IMAGE_TEMPLATE,
      labels: parseLabelList(readRegularTextSync(join(dir, 'photo-general.txt'), LIMITS.fileBytes.vocabulary)),
      builtin: true,
    },
  ];
}

export function promptFor(vocab: Pick<Vocabulary, 'promptTemplate'>, label: Label): string {
  return vocab.promptTemplate.split('{label}').join(label.name.toLowerCase());
}

/**
 * All ancestors of each label (transitively), for rolling a label's score up the hierarchy.
 * Cycles (none in AudioSet, but user vocabularies are free text) are cut.
 */
export function ancestorsOf(labels: Label[]): Map<string, string[]> {
  const byId = new Map(labels.map((l) => [l.id, l]));
  const memo = new Map<string, string[]>();
  const visit = (id: string, stack: Set<string>): string[] => {
    const cached = memo.get(id);
    if (cached) return cached;
    const out = new Set<string>();
    stack.add(id);
    for (const p of byId.get(id)?.parents ?? []) {
      if (stack.has(p) || !byId.has(p)) continue;
      out.add(p);
      for (const a of visit(p, stack)) out.add(a);
    }
    stack.delete(id);
    const list = [...out];
    memo.set(id, list);
    return list;
  };
  for (const l of labels) visit(l.id, new Set());
  return memo;
}

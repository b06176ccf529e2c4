/** What the app says when an indexing job ends (a toast), or null when there is nothing worth saying. */
import type { IndexSummary } from '../../../src-main/ipc/contract/contract';

/**
 * A job the user started (Re-scan, a folder just added) always gets its result, even "nothing new". A job the
 * folder watcher started speaks only when the library changed: a file saved again unchanged is not news, and a
 * folder that is being written to must not bury the screen in "0 indexed" toasts.
 */
export function jobFinishedText(s: IndexSummary, startedByUser: boolean): { text: string; kind: 'ok' | 'error' } | null {
  if (s.phase === 'error') return { text: `Indexing stopped: ${s.error ?? 'error'}`, kind: 'error' };
  if (s.phase !== 'done') return null;
  if (!startedByUser && s.indexed + s.removed + s.failed === 0) return null;
  const removed = s.removed ? `, ${s.removed} removed` : '';
  return { text: `Indexing finished: ${s.indexed} indexed, ${s.unchanged} unchanged, ${s.failed} failed${removed}`, kind: 'ok' };
}

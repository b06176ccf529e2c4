/** Pack downloads as the UI sees them: this session's download (live, from 'packs:download' events) and unfinished ones on disk. */
import type { PackDownloadStatus, PartialDownloadInfo } from '../../../src-main/ipc/contract/contract';
import { api } from './client';
import { errorText, toast } from './state.svelte';

export const downloads = $state({
  current: null as PackDownloadStatus | null,
  partial: [] as PartialDownloadInfo[],
  /** Bumped when a download installed a pack (the pack list reloads). */
  installed: 0,
});

export const DOWNLOADING: readonly PackDownloadStatus['state'][] = ['checking', 'downloading', 'verifying', 'installing'];
export const isDownloading = (s: PackDownloadStatus | null): boolean => !!s && DOWNLOADING.includes(s.state);

let listening = false;

/** Subscribes once to the engine's download events. */
export function watchDownloads(): void {
  if (listening) return;
  listening = true;
  api.on('packs:download', (s) => {
    const was = downloads.current?.state;
    downloads.current = s;
    if (s.state === was) return;
    if (s.state === 'done') {
      downloads.installed++;
      toast(`Downloaded and verified: ${s.name ?? s.id}`, 'ok');
    }
    if (!DOWNLOADING.includes(s.state)) void refreshDownloads();
  });
  void refreshDownloads();
}

export async function refreshDownloads(): Promise<void> {
  try {
    const r = await api.invoke('packs:downloads', {});
    // An event may have arrived while this was in flight; keep the newer one.
    if (!downloads.current || !r.current || downloads.current.jobId !== r.current.jobId) downloads.current = r.current;
    downloads.partial = r.partial;
  } catch (e) {
    toast(errorText(e), 'error');
  }
}

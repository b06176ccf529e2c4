/**
 * Dragging a file out of the window: in Electron the main process starts a native drag of the real file
 * (webContents.startDrag via preload, checked by regions/drag-out.ts); in a browser, Chromium's DownloadURL
 * drag type lets the file be dropped on the desktop, and a click downloads it.
 */
import { inElectron, mediaUrl } from './client';

export const baseNameOf = (p: string) => p.split(/[\\/]/).pop() ?? p;

export function dragFileOut(e: DragEvent, path: string, mime = 'audio/wav'): void {
  if (inElectron && window.molecule?.startDrag) {
    e.preventDefault();
    window.molecule.startDrag([path]);
    return;
  }
  const url = new URL(mediaUrl(path), location.href).href;
  e.dataTransfer?.setData('DownloadURL', `${mime}:${baseNameOf(path)}:${url}`);
  e.dataTransfer?.setData('text/uri-list', url);
  if (e.dataTransfer) e.dataTransfer.effectAllowed = 'copy';
}

/** Browser mode: save the file through a download (an <a download> click). */
export function downloadFile(path: string): void {
  const a = document.createElement('a');
  a.href = mediaUrl(path);
  a.download = baseNameOf(path);
  document.body.append(a);
  a.click();
  a.remove();
}

/**
 * Sandboxed preload: exposes `window.molecule` — invoke(channel, request) and on(event, listener) only,
 * built from the contract's channel and event lists. No Node, no ipcRenderer leaks to the page.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { CHANNELS, EVENT_NAMES } from '../ipc/contract/contract';

const channels = new Set<string>(CHANNELS);
const events = new Set<string>(EVENT_NAMES);

contextBridge.exposeInMainWorld('molecule', {
  mediaBase: 'molecule-media://media',
  invoke(channel: string, request: unknown): Promise<unknown> {
    if (!channels.has(channel)) return Promise.reject(new Error(`unknown channel "${String(channel)}"`));
    return ipcRenderer.invoke(`molecule:${channel}`, request).then((r: { ok: boolean; result?: unknown; error?: string; kind?: string }) => {
      if (r.ok) return r.result;
      const e = new Error(r.error ?? 'error');
      e.name = r.kind === 'validation' ? 'ValidationError' : 'EngineError';
      throw e;
    });
  },
  on(event: string, listener: (payload: unknown) => void): () => void {
    if (!events.has(event)) throw new Error(`unknown event "${String(event)}"`);
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(`molecule-event:${event}`, wrapped);
    return () => ipcRenderer.removeListener(`molecule-event:${event}`, wrapped);
  },
  /** The real path of a dropped / picked File (Electron ≥ 32 removed File.path). */
  pathForFile(file: File): string | null {
    try {
      return webUtils.getPathForFile(file) || null;
    } catch {
      return null;
    }
  },
});

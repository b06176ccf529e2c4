/**
 * Sandboxed preload: exposes `window.molecule` — invoke(channel, request) and on(event, listener) only,
 * built from the contract's channel and event lists. No Node, no ipcRenderer leaks to the page.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { CHANNELS, EVENT_NAMES, type IpcReply, type PreloadApi } from '../ipc/contract/contract';

const channels = new Set<string>(CHANNELS);
const events = new Set<string>(EVENT_NAMES);

const api: PreloadApi = {
  mediaBase: 'molecule-media://media',
  async invoke(channel: string, request: unknown): Promise<IpcReply> {
    if (!channels.has(channel)) return { ok: false, error: { code: 'validation', message: `unknown channel "${String(channel)}"` } };
    return (await ipcRenderer.invoke(`molecule:${channel}`, request)) as IpcReply;
  },
  on(event: string, listener: (payload: unknown) => void): () => void {
    if (!events.has(event)) throw new Error(`unknown event "${String(event)}"`);
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(`molecule-event:${event}`, wrapped);
    return () => ipcRenderer.removeListener(`molecule-event:${event}`, wrapped);
  },
  /** Drag files out of the window (a library file or an exported region); main checks them (regions/drag-out.ts). */
  startDrag(files: string[]): void {
    if (Array.isArray(files)) ipcRenderer.send('molecule-drag', files.map(String).slice(0, 500));
  },
  /** The real path of a dropped / picked File (Electron ≥ 32 removed File.path). */
  pathForFile(file: File): string | null {
    try {
      return webUtils.getPathForFile(file) || null;
    } catch {
      return null;
    }
  },
};

contextBridge.exposeInMainWorld('molecule', api);

/**
 * The renderer's one way to reach the engine: `window.molecule` inside Electron (preload, IPC), or the
 * local bridge in a browser (HTTP + server-sent events, token from the page URL fragment `#token=…`).
 * Same typed contract either way.
 */
import type { Channel, ErrorCode, EventMap, EventName, IpcReply, MoleculeApi, PreloadApi, Request, Response, WireError } from '../../../src-main/ipc/contract/contract';

declare global {
  interface Window {
    molecule?: PreloadApi;
  }
}

/** An engine error as the UI gets it: the stable code (words the UI chooses) and the engine's message. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  static of(w: WireError): ApiError {
    return new ApiError(w.message, w.code);
  }
}

/** Electron: the preload answers IpcReply objects (Errors lose their fields crossing the context bridge). */
function electronClient(p: PreloadApi): MoleculeApi & { mediaBase: string; pathForFile?: (file: File) => string | null } {
  return {
    mediaBase: p.mediaBase,
    pathForFile: p.pathForFile,
    async invoke<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> {
      const r: IpcReply = await p.invoke(channel, request);
      if (!r.ok) throw ApiError.of(r.error);
      return r.result as Response<C>;
    },
    on: (event, listener) => p.on(event, listener as (payload: unknown) => void),
  };
}

function bridgeToken(): string {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  if (fromHash) {
    sessionStorage.setItem('molecule-token', fromHash);
    return fromHash;
  }
  return sessionStorage.getItem('molecule-token') ?? '';
}

function bridgeClient(): MoleculeApi & { mediaBase: string; token: string } {
  const token = bridgeToken();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let source: EventSource | null = null;
  const ensureEvents = () => {
    if (source) return;
    source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    source.onmessage = (ev) => {
      const msg = JSON.parse(ev.data) as { event: string; payload: unknown };
      for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
    };
  };
  return {
    token,
    mediaBase: '/media',
    async invoke<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> {
      const res = await fetch(`/api/invoke/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-molecule-token': token },
        body: JSON.stringify(request ?? {}),
      });
      const body = (await res.json().catch(() => ({}))) as { result?: Response<C>; error?: WireError };
      if (body.error) throw ApiError.of(body.error);
      if (!res.ok) throw new ApiError(`HTTP ${res.status}`, res.status === 401 || res.status === 403 ? 'forbidden' : 'internal');
      return body.result as Response<C>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void) {
      ensureEvents();
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => set!.delete(l);
    },
  };
}

const electronApi = typeof window !== 'undefined' && window.molecule ? electronClient(window.molecule) : undefined;
const bridge = electronApi ? null : bridgeClient();

export const api: MoleculeApi = electronApi ?? bridge!;
export const inElectron = !!electronApi;

/** URL the <img>/<audio> elements use for an absolute file path (library media or thumbnail cache). */
export function mediaUrl(absPath: string | null | undefined): string {
  if (!absPath) return '';
  const winDrive = /^[A-Za-z]:[\\/]/.test(absPath);
  const parts = absPath.split(winDrive ? /[\\/]/ : '/').filter((p) => p !== '');
  const encoded = parts.map((s, i) => (winDrive && i === 0 ? s : encodeURIComponent(s))).join('/');
  if (electronApi) return `${electronApi.mediaBase}/local/${encoded}`;
  return `/media/local/${encoded}?token=${encodeURIComponent(bridge!.token)}`;
}

/** In Electron a dropped File has a real path; in a browser it has to be uploaded. */
export async function fileToQueryPath(file: File): Promise<{ path: string; modality: 'image' | 'audio' }> {
  const direct = electronApi?.pathForFile?.(file);
  if (file.type.startsWith('video/') || /\.(mp4|mov|m4v|mkv|webm|avi)$/i.test(file.name)) {
    throw new Error(`${file.name} is a video: search by one of its frames (an image) or by a sound`);
  }
  const modality = file.type.startsWith('audio/') || /\.(wav|mp3|flac|ogg|m4a|aac|opus|aiff?)$/i.test(file.name) ? 'audio' : 'image';
  if (direct) return { path: direct, modality };
  const buf = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  const CH = 0x8000;
  for (let i = 0; i < buf.length; i += CH) bin += String.fromCharCode(...buf.subarray(i, i + CH));
  const safeName = file.name.replace(/[/\\\0]/g, '_') || 'query';
  return api.invoke('query:upload', { name: safeName, dataBase64: btoa(bin) });
}

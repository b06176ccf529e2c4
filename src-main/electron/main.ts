/**
 * Electron main process: one window (state persisted), menus, the engine in a utilityProcess, IPC wired from
 * the contract with validation and a sender check, the `molecule-media://` protocol, and the security
 * settings (context isolation, sandbox, no Node in the renderer, CSP, no navigation / new windows,
 * permissions denied).
 */
import { app, BrowserWindow, clipboard, dialog, ipcMain, Menu, protocol, screen, session, shell, utilityProcess, type IpcMainInvokeEvent, type MenuItemConstructorOptions, type UtilityProcess } from 'electron';
import Store from 'electron-store';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { CHANNELS, DEFAULT_SETTINGS, releasesUrlOf, validateRequest, type AppCommand, type EngineStatus, type IpcReply, type Settings, type WireError } from '../ipc/contract/contract';
import { emitLogRecord, logger } from '../domain/log';
import { openRunLog, type RunLog } from '../runtime/log-file';
import { fromWireError, toWireError } from '../ipc/server/wire-error';
import { parseEngineToMain, type MainToEngine } from './engine-protocol';
import { decodeMediaUrlPath, MediaPathError, resolveAllowedMedia } from '../ipc/server/media-paths';
import { openMedia } from '../ipc/server/media-serve';
import { isOurRendererUrl } from '../ipc/server/sender-check';
import { appLayout, engineEnv } from './app-paths';
import { RestartPolicy } from './restart-policy';
import { restorableBounds } from './window-state';
import { planDrag } from '../regions/drag-out';

const here = import.meta.dirname;
const log = logger('main');
/** This run's log file (main, the engine process and its worker threads); null if the logs folder cannot be written. */
let runLog: RunLog | null = null;
try {
  runLog = openRunLog({ dir: app.getPath('logs'), origin: 'main' });
} catch (e) {
  console.error(`[main] no log file: ${e instanceof Error ? e.message : String(e)}`);
}
process.on('unhandledRejection', (reason) => log.error('unhandled rejection', reason));
const isDev = !app.isPackaged && !!process.env.ELECTRON_RENDERER_URL;

// In a packaged app, resources/ and models/ are extraResources; workers are unpacked from the asar.
// The engine (utility process) gets MOLECULE_APP_ROOT / MOLECULE_WORKERS_DIR through its env; its worker
// threads inherit them (see app-paths.ts for the layout).
const layout = appLayout({ isPackaged: app.isPackaged, appPath: app.getAppPath(), resourcesPath: process.resourcesPath, mainDir: here });
const appRoot = layout.appRoot;

/** Where new versions are published (package.json `repository`); the only address the app opens in a browser. */
const releasesUrl = (() => {
  try {
    return releasesUrlOf(JSON.parse(readFileSync(join(app.getAppPath(), 'package.json'), 'utf8')));
  } catch {
    return '';
  }
})();

interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}
interface StoreShape {
  settings: Settings;
  window: WindowState;
}
const store = new Store<StoreShape>({
  name: 'molecule-space',
  defaults: { settings: DEFAULT_SETTINGS, window: { width: 1320, height: 860, maximized: false } },
});

protocol.registerSchemesAsPrivileged([
  // corsEnabled: wavesurfer fetch()es the audio from our file:// page (origin "null"); see the handler's header.
  { scheme: 'molecule-media', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true } },
]);

/** Stored settings over the defaults, so a field added in a newer version is never missing. */
function currentSettings(): Settings {
  return { ...DEFAULT_SETTINGS, ...store.get('settings') };
}

// ---- the engine (utility process) ----
let engine: UtilityProcess | null = null;
/** Set when the engine cannot run (init failed, or it kept crashing): every request gets this message. */
let engineDown: string | null = null;
const restarts = new RestartPolicy();
let seq = 0;
/** Messages for the engine wait here until it says it is listening ('alive'). */
let engineListening = false;
let outbox: MainToEngine[] = [];
function toEngine(msg: MainToEngine): void {
  if (!engine) return;
  if (engineListening) engine.postMessage(msg);
  else outbox.push(msg);
}
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let mainWindow: BrowserWindow | null = null;

function downStatus(reason: string): EngineStatus {
  return { pack: null, providers: [], encoders: [], queryEncodes: 0, indexJobs: 0, progress: null, vectors: null, openMs: null, error: reason };
}

function startEngine(): void {
  engineDown = null;
  const child = utilityProcess.fork(layout.engineFile, [], {
    serviceName: 'Molecule Space engine',
    stdio: 'inherit',
    env: engineEnv(layout, process.env),
  });
  engine = child;
  engineListening = false;
  outbox = [{ type: 'init', options: { version: app.getVersion(), dataDir: app.getPath('userData'), appRoot, settings: currentSettings(), logFile: runLog?.path ?? null } }];
  child.on('message', (data: unknown) => {
    let msg;
    try {
      msg = parseEngineToMain(data);
    } catch (e) {
      log.error('dropped a message from the engine', e);
      return;
    }
    if (msg.type === 'log') {
      emitLogRecord(msg.record);
    } else if (msg.type === 'alive') {
      // The ESM engine module loads asynchronously; send nothing before its listener is attached.
      engineListening = true;
      for (const m of outbox.splice(0)) child.postMessage(m);
    } else if (msg.type === 'ready') {
      // Crashes before this point count towards giving up; a healthy start forgives them after a minute.
      setTimeout(() => engine === child && restarts.reset(), 60_000).unref();
    } else if (msg.type === 'init-failed') {
      engineDown = msg.error.message;
      log.error(engineDown);
      broadcast('engine:status', downStatus(engineDown));
    } else if (msg.type === 'response' || msg.type === 'media-roots') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.type === 'media-roots') p.resolve(msg.roots);
      else if (msg.ok) p.resolve(msg.result);
      else p.reject(fromWireError(msg.error));
    } else if (msg.type === 'event') {
      broadcast(msg.event, msg.payload);
    } else if (msg.type === 'trash') {
      // The engine asks; only paths the engine already checked are library files reach here.
      const id = msg.id;
      shell
        .trashItem(msg.path)
        .then(() => toEngine({ type: 'trash-result', id, ok: true }))
        .catch((e: unknown) => toEngine({ type: 'trash-result', id, ok: false, error: e instanceof Error ? e.message : String(e) }));
    } else if (msg.type === 'settings-patch') {
      const next = { ...currentSettings(), ...msg.patch };
      store.set('settings', next);
      broadcast('settings:changed', next);
    }
  });
  child.on('exit', (code) => {
    if (!quitting) log.error(`the engine process exited (code ${code})`);
    for (const p of pending.values()) p.reject(fromWireError({ code: 'engine-down', message: `the engine process exited (code ${code})` }));
    pending.clear();
    if (engine === child) {
      engine = null;
      outbox = [];
    }
    if (quitting) return;
    // Restart so one crashing file or model never takes the app down, but back off and finally give up
    // when it dies at every start (e.g. a native module that cannot load on this machine).
    const next = restarts.onExit(code, Date.now());
    if (next.restart) {
      setTimeout(startEngine, next.delayMs);
    } else {
      engineDown = next.reason;
      log.error(engineDown);
      broadcast('engine:status', downStatus(engineDown));
    }
  });
}

function engineCall(call: { type: 'request'; channel: string; payload: unknown } | { type: 'media-roots' }): Promise<unknown> {
  const down = (message: string) => Promise.reject(fromWireError({ code: 'engine-down', message }));
  if (engineDown && call.type === 'request') return down(engineDown);
  if (!engine) return down(engineDown ?? 'the engine is restarting, try again');
  const id = ++seq;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    toEngine({ ...call, id });
  });
}

function broadcast(event: string, payload: unknown): void {
  for (const w of BrowserWindow.getAllWindows()) w.webContents.send(`molecule-event:${event}`, payload);
}

// ---- IPC ----
function rendererUrl(): string {
  return isDev ? process.env.ELECTRON_RENDERER_URL! : pathToFileURL(layout.rendererHtml).href;
}

/** Only our own page may call the API (not a navigated-away or injected frame). */
function senderAllowed(e: IpcMainInvokeEvent): boolean {
  return isOurRendererUrl(e.senderFrame?.url, rendererUrl(), isDev ? process.env.ELECTRON_RENDERER_URL : undefined);
}

function wireIpc(): void {
  // Drag out of the window: the renderer names files in its dragstart handler; only library files and exports go.
  ipcMain.on('molecule-drag', (e, files: unknown) => {
    if (!isOurRendererUrl(e.senderFrame?.url, rendererUrl(), isDev ? process.env.ELECTRON_RENDERER_URL : undefined)) return;
    if (!Array.isArray(files)) return;
    void (engineCall({ type: 'media-roots' }) as Promise<string[]>)
      .then((roots) => {
        const plan = planDrag({ files: files.map(String) }, { allowedDirs: roots, icon: join(appRoot, 'resources', 'icons', '128x128.png'), exists: existsSync });
        if ('item' in plan) e.sender.startDrag(plan.item);
        else console.error(`[main] drag refused: ${plan.error}`);
      })
      .catch((err: unknown) => console.error(`[main] drag: ${err instanceof Error ? err.message : String(err)}`));
  });
  for (const channel of CHANNELS) {
    ipcMain.handle(`molecule:${channel}`, async (e, payload: unknown): Promise<IpcReply> => {
      if (!senderAllowed(e)) return { ok: false, error: { code: 'forbidden', message: 'request from an unknown frame refused' } };
      try {
        const req = validateRequest(channel, payload);
        let result: unknown;
        if (channel === 'settings:get') result = currentSettings();
        else if (channel === 'settings:set') {
          const next = { ...currentSettings(), ...(req as Partial<Settings>) };
          store.set('settings', next);
          toEngine({ type: 'settings', settings: next });
          broadcast('settings:changed', next);
          result = next;
        } else if (channel === 'engine:status' && engineDown) {
          result = downStatus(engineDown);
        } else if (channel === 'dialog:openFolder') {
          const win = BrowserWindow.fromWebContents(e.sender) ?? mainWindow;
          const r = win ? await dialog.showOpenDialog(win, { properties: ['openDirectory'] }) : await dialog.showOpenDialog({ properties: ['openDirectory'] });
          result = r.canceled ? null : (r.filePaths[0] ?? null);
        } else {
          result = await engineCall({ type: 'request', channel, payload: req });
        }
        return { ok: true, result: result ?? null };
      } catch (err) {
        const error: WireError = toWireError(err);
        if (error.code === 'internal') log.error(`${channel} failed`, err);
        return { ok: false, error };
      }
    });
  }
}

// ---- media protocol ----
function wireMediaProtocol(): void {
  protocol.handle('molecule-media', async (request) => {
    try {
      const url = new URL(request.url);
      if (url.host !== 'media') throw new MediaPathError('unknown media host', 400);
      const requested = decodeMediaUrlPath(url.pathname);
      const roots = (await engineCall({ type: 'media-roots' })) as string[];
      const file = await resolveAllowedMedia(requested, roots);
      const reply = await openMedia(file, request.headers.get('range'));
      const body = reply.body ? (Readable.toWeb(reply.body) as ReadableStream) : null;
      // Only our own page can exist in this app (navigation and new windows are blocked), so any origin may read.
      return new Response(body, { status: reply.status, headers: { ...reply.headers, 'Access-Control-Allow-Origin': '*' } });
    } catch (e) {
      const status = e instanceof MediaPathError ? e.status : 500;
      return new Response(e instanceof Error ? e.message : 'error', { status, headers: { 'content-type': 'text/plain' } });
    }
  });
}

// ---- window ----
function sendCommand(command: AppCommand): void {
  broadcast('app:command', { command });
}

function buildMenu(): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Add Folder…', accelerator: 'CmdOrCtrl+O', click: () => sendCommand('add-folder') },
        { label: 'Import Model Pack…', click: () => sendCommand('import-pack') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { label: 'Library', accelerator: 'CmdOrCtrl+1', click: () => sendCommand('go:library') },
        { label: 'Search', accelerator: 'CmdOrCtrl+2', click: () => sendCommand('go:search') },
        { label: 'Match Explorer', accelerator: 'CmdOrCtrl+3', click: () => sendCommand('go:explorer') },
        { label: 'Model Packs', accelerator: 'CmdOrCtrl+4', click: () => sendCommand('go:models') },
        { label: 'Indexing', accelerator: 'CmdOrCtrl+5', click: () => sendCommand('go:indexing') },
        { label: 'Map of the Space', accelerator: 'CmdOrCtrl+6', click: () => sendCommand('go:map') },
        { label: 'Duplicates', accelerator: 'CmdOrCtrl+7', click: () => sendCommand('go:duplicates') },
        { type: 'separator' },
        { label: 'Toggle Light / Dark', accelerator: 'CmdOrCtrl+Shift+L', click: () => sendCommand('toggle-theme') },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
        ...(isDev ? [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }] : []),
      ],
    },
    {
      role: 'help',
      submenu: [
        { label: 'About Molecule Space', click: () => sendCommand('go:about') },
        ...(releasesUrl ? [{ label: 'New Versions (Releases Page)', click: () => void shell.openExternal(releasesUrl) }] : []),
        { type: 'separator' },
        { label: 'Getting model packs', click: () => void shell.openPath(join(appRoot, 'README.md')) },
        { label: 'Demo assets licence (CC BY 4.0)', click: () => void shell.openPath(join(appRoot, 'resources', 'demo', 'NOTICE.md')) },
        { type: 'separator' },
        { label: 'Report a Problem…', click: () => void reportProblem() },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** Help → Report a Problem: where this run's log file is, and a way to it. */
async function reportProblem(): Promise<void> {
  const file = runLog?.path ?? null;
  const r = await dialog.showMessageBox({
    type: 'info',
    title: 'Report a problem',
    message: 'Report a problem',
    detail: file
      ? `Describe what you did and what happened, and attach this run's log file (it lists the model pack, the execution providers, files that could not be indexed and errors; no file contents):\n\n${file}`
      : 'This run has no log file (the logs folder could not be written).',
    buttons: file ? ['Show Log File', 'Copy Path', 'Close'] : ['Close'],
    defaultId: 0,
    cancelId: file ? 2 : 0,
  });
  if (!file) return;
  if (r.response === 0) shell.showItemInFolder(file);
  else if (r.response === 1) clipboard.writeText(file);
}

function createWindow(): void {
  const st = store.get('window');
  const bounds = restorableBounds(st, screen.getAllDisplays().map((d) => d.workArea), { width: 980, height: 640 });
  const win = new BrowserWindow({
    ...bounds,
    minWidth: 980,
    minHeight: 640,
    show: false,
    backgroundColor: currentSettings().theme === 'light' ? '#f5f6f9' : '#0e1014',
    title: 'Molecule Space',
    icon: join(appRoot, 'resources', 'icons', 'icon.png'),
    webPreferences: {
      preload: layout.preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  mainWindow = win;
  if (st.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  const save = () => {
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    store.set('window', { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() });
  };
  // resize/move fire continuously while dragging; write the store once things settle.
  let saveTimer: NodeJS.Timeout | undefined;
  const saveSoon = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 400);
  };
  win.on('resize', saveSoon);
  win.on('move', saveSoon);
  win.on('close', () => {
    clearTimeout(saveTimer);
    save();
  });
  win.on('closed', () => (mainWindow = null));
  void win.loadURL(rendererUrl());
}

let quitting = false;

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (ev, url) => {
    if (url !== contents.getURL()) ev.preventDefault();
  });
  contents.on('will-redirect', (ev) => ev.preventDefault());
  contents.on('will-attach-webview', (ev) => ev.preventDefault());
  // No window is ever opened; the About view's link to the releases page goes to the system browser.
  contents.setWindowOpenHandler(({ url }) => {
    if (releasesUrl && url === releasesUrl) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

app.whenReady().then(() => {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, cb) => {
    // The dev server is http:; give it the CSP the built index.html carries in its meta tag (+ ws: for HMR; the
    // meta tag is served in dev too and both policies apply — Chromium lets 'self' match the same-host ws:).
    if (!details.url.startsWith('http')) return cb({});
    cb({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [
          "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: molecule-media:; media-src 'self' blob: molecule-media:; connect-src 'self' molecule-media: ws:; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'",
        ],
      },
    });
  });
  wireMediaProtocol();
  wireIpc();
  startEngine();
  buildMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('before-quit', (ev) => {
  if (quitting) return;
  quitting = true;
  const child = engine;
  if (!child) return;
  // Let the engine close the library (SQLite, running index job) before the app goes; at most 3 s.
  ev.preventDefault();
  const timer = setTimeout(() => {
    child.kill();
    app.quit();
  }, 3000);
  child.once('exit', () => {
    clearTimeout(timer);
    app.quit();
  });
  toEngine({ type: 'shutdown' });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

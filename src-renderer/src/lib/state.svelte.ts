/** App-wide reactive state (Svelte 5 runes) and the actions that talk to the engine. */
import {
  PRESETS,
  type AppInfo,
  type EngineStatus,
  type Factors,
  type IndexProgress,
  type PresetChoice,
  type RootInfo,
  type Settings,
} from '../../../src-main/ipc/contract/contract';
import { api, ApiError } from './client';
import { wordError } from './error-words';
import { jobFinishedText } from './job-text';
import { settingsPatch } from '../../../src-main/ipc/contract/requests';

export type ViewId = 'welcome' | 'library' | 'search' | 'item' | 'explorer' | 'models' | 'indexing' | 'duplicates' | 'map' | 'collection' | 'about';

export interface Toast {
  id: number;
  kind: 'info' | 'error' | 'ok';
  text: string;
}

export const app = $state({
  ready: false,
  view: 'library' as ViewId,
  previousView: 'library' as ViewId,
  info: null as AppInfo | null,
  settings: null as Settings | null,
  engine: null as EngineStatus | null,
  roots: [] as RootInfo[],
  progress: null as IndexProgress | null,
  /** Item shown in the item view, and the matched clip to highlight there. */
  itemId: null as number | null,
  itemClip: null as { startSec: number; endSec: number; track?: 'frames' | 'sound' | 'both' } | null,
  /** The opened search hit's matched moments (best first), shown as markers in the item view. */
  itemMoments: [] as { startSec: number; endSec: number; score?: number; track?: 'frames' | 'sound' | 'both' }[],
  /** Bumped whenever the library's items change, so views reload. */
  libraryVersion: 0,
  toasts: [] as Toast[],
  /** The collection shown in the collection view. */
  collectionId: null as number | null,
  /** Set by the native menu (Electron) to open the add-folder dialog. */
  addFolderOpen: false,
});

let toastSeq = 0;
export function toast(text: string, kind: Toast['kind'] = 'info'): void {
  const t = { id: ++toastSeq, kind, text };
  app.toasts.push(t);
  setTimeout(() => {
    const i = app.toasts.findIndex((x) => x.id === t.id);
    if (i >= 0) app.toasts.splice(i, 1);
  }, kind === 'error' ? 7000 : 3500);
}

/**
 * An error as a person reads it. The engine's own messages are written for people; a request the engine refused
 * as malformed names its channel and field ("library:addRoot.path must be …"), which means nothing to a user: only
 * the field and the reason stay.
 */
export function errorText(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  // the channel prefix of a validation message ("library:addRoot.path must be …") means nothing to a person
  const text = /^[a-z]+:[A-Za-z]+[.\s]/.test(raw) ? raw.replace(/^[a-z]+:[A-Za-z]+\.?\s*/, '') : raw;
  return e instanceof ApiError ? wordError(e.code, text) : text;
}

export function go(view: ViewId): void {
  if (view !== app.view) app.previousView = app.view;
  app.view = view;
}

export function openItem(
  id: number,
  clip: (typeof app)['itemClip'] = null,
  moments: (typeof app)['itemMoments'] = [],
): void {
  app.itemId = id;
  app.itemClip = clip;
  app.itemMoments = moments;
  go('item');
}

export function factorsFor(choice: PresetChoice, custom: Factors): Factors {
  return choice === 'custom' ? { ...custom } : { ...PRESETS[choice] };
}

export function currentFactors(): Factors {
  const s = app.settings;
  if (!s) return { ...PRESETS.versatile };
  return factorsFor(s.preset, s.customFactors);
}

export async function saveSettings(patch: Partial<Settings>): Promise<void> {
  if (app.settings) Object.assign(app.settings, patch);
  app.settings = await api.invoke('settings:set', settingsPatch(patch));
}

export async function refreshRoots(): Promise<void> {
  app.roots = await api.invoke('library:roots', {});
}

export async function refreshEngine(): Promise<void> {
  app.engine = await api.invoke('engine:status', {});
}

/** Jobs this window started (their end is always reported); `starting` covers a job that ends before its id arrives. */
const userJobs = new Set<string>();
let starting = 0;

export async function startIndexing(): Promise<void> {
  starting++;
  try {
    const { jobId } = await api.invoke('index:start', {});
    userJobs.add(jobId);
  } catch (e) {
    toast(errorText(e), 'error');
  } finally {
    starting--;
  }
}

export async function boot(): Promise<void> {
  const [info, settings, engine, roots] = await Promise.all([
    api.invoke('app:info', {}),
    api.invoke('settings:get', {}),
    api.invoke('engine:status', {}),
    api.invoke('library:roots', {}),
  ]);
  app.info = info;
  app.settings = settings;
  app.engine = engine;
  app.roots = roots;
  app.progress = engine.progress;
  app.view = info.firstRun && !settings.welcomeDone ? 'welcome' : 'library';
  api.on('library:event', (e) => {
    if (e.type === 'progress') app.progress = e.progress;
    else if (e.type === 'roots-changed') app.roots = e.roots;
    else if (e.type === 'items-changed') app.libraryVersion++;
    else if (e.type === 'watch-error') toast(`Folders are no longer watched for changes (${e.message}); use Re-scan under Indexing to pick up new files.`, 'error');
    else if (e.type === 'job-finished') {
      app.libraryVersion++;
      void refreshRoots();
      void refreshEngine();
      const byUser = userJobs.delete(e.summary.jobId) || starting > 0;
      const said = jobFinishedText(e.summary, byUser);
      if (said) toast(said.text, said.kind);
    }
  });
  api.on('engine:status', (s) => {
    app.engine = s;
  });
  api.on('settings:changed', (s) => {
    app.settings = s;
  });
  api.on('app:command', ({ command }) => {
    if (command === 'add-folder') app.addFolderOpen = true;
    else if (command === 'import-pack') go('models');
    else if (command === 'toggle-theme') void saveSettings({ theme: app.settings?.theme === 'light' ? 'dark' : 'light' });
    else if (command.startsWith('go:')) go(command.slice(3) as ViewId);
  });
  app.ready = true;
}

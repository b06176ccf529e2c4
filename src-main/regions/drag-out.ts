/**
 * Dragging a file out of the window (Electron `webContents.startDrag`): which file, with which icon, and only
 * when it is a file the app may hand out (a library file or one of its own exports). Pure: no electron import,
 * so it is unit-tested; electron/main.ts passes the plan to `event.sender.startDrag`.
 */
import { isAbsolute, normalize, sep } from 'node:path';

export interface DragRequest {
  /** Absolute paths to drag (a tile's file, or an exported region). */
  files: string[];
}

export interface DragPlan {
  /** What webContents.startDrag takes: `file` (first) and `files` (all, for multi-file drags). */
  item: { file: string; files?: string[]; icon: string };
}

export interface DragContext {
  /** Folders the app may hand files out of: the library roots and the export folders. */
  allowedDirs: string[];
  /** The icon shown under the cursor (a PNG; Electron needs one). */
  icon: string;
  exists: (path: string) => boolean;
}

const under = (p: string, dir: string) => {
  const d = normalize(dir.endsWith(sep) ? dir : dir + sep);
  return normalize(p).startsWith(d);
};

/** The startDrag item for a request, or an error naming the first file that may not be dragged. */
export function planDrag(req: DragRequest, ctx: DragContext): DragPlan | { error: string } {
  if (!req.files.length) return { error: 'nothing to drag' };
  if (req.files.length > 500) return { error: 'too many files to drag at once (500 at most)' };
  for (const f of req.files) {
    if (typeof f !== 'string' || !isAbsolute(f) || f.includes('\0')) return { error: `not an absolute path: ${String(f).slice(0, 200)}` };
    if (normalize(f) !== f && normalize(f) !== f.replace(/[\\/]+$/, '')) return { error: `not a normalised path: ${f}` };
    if (!ctx.allowedDirs.some((d) => under(f, d))) return { error: `${f} is neither in the library nor an export` };
    if (!ctx.exists(f)) return { error: `${f} does not exist (any more)` };
  }
  const item: DragPlan['item'] = { file: req.files[0]!, icon: ctx.icon };
  if (req.files.length > 1) item.files = [...req.files];
  return { item };
}

/**
 * Restoring the saved window bounds: if the saved position no longer lies on any display (a monitor was
 * unplugged, the resolution changed), the window would open off-screen; drop the position then and let
 * the OS centre it, and never restore a size larger than the largest display. Plain module, unit-tested.
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SavedWindow {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

/** How much of the window's title-bar strip must be on a display for the saved position to be kept. */
const MIN_VISIBLE = 64;

export function restorableBounds(saved: SavedWindow, workAreas: readonly Rect[], min: { width: number; height: number }): { x?: number; y?: number; width: number; height: number } {
  const maxW = Math.max(min.width, ...workAreas.map((a) => a.width));
  const maxH = Math.max(min.height, ...workAreas.map((a) => a.height));
  const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
  const width = Math.min(maxW, Math.max(min.width, finite(saved.width) ? Math.round(saved.width) : min.width));
  const height = Math.min(maxH, Math.max(min.height, finite(saved.height) ? Math.round(saved.height) : min.height));
  if (!finite(saved.x) || !finite(saved.y)) return { width, height };
  const x = Math.round(saved.x);
  const y = Math.round(saved.y);
  // The top strip (where the title bar is) must overlap a work area enough to grab and move the window.
  const onScreen = workAreas.some((a) => {
    const ix = Math.min(x + width, a.x + a.width) - Math.max(x, a.x);
    const iy = Math.min(y + 32, a.y + a.height) - Math.max(y, a.y);
    return ix >= MIN_VISIBLE && iy > 0;
  });
  return onScreen ? { x, y, width, height } : { width, height };
}

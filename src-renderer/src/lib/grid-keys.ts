/**
 * Arrow keys between the tiles of a small CSS grid (search results, a collection, the tag grid): left/right go to
 * the previous/next tile, up/down to the tile in the row above/below closest in x, by their places on screen, so
 * it follows the grid however many columns fit. (The library grid is virtualised and moves by index instead.)
 */
export function tileGridKeys(e: KeyboardEvent): void {
  if (!['ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown'].includes(e.key) || e.altKey || e.metaKey) return;
  const from = e.target as HTMLElement;
  if (!from.classList.contains('open')) return;
  const all = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLElement>('.tile > .open')];
  const i = all.indexOf(from);
  if (i < 0) return;
  let target: HTMLElement | undefined;
  if (e.key === 'ArrowRight') target = all[i + 1];
  else if (e.key === 'ArrowLeft') target = all[i - 1];
  else {
    const a = from.getBoundingClientRect();
    const down = e.key === 'ArrowDown';
    let best = Infinity;
    for (const el of all) {
      const b = el.getBoundingClientRect();
      const dy = down ? b.top - a.bottom : a.top - b.bottom;
      if (dy < -1) continue;
      const cost = dy * 1000 + Math.abs(b.left + b.width / 2 - (a.left + a.width / 2));
      if (cost < best) {
        best = cost;
        target = el;
      }
    }
  }
  if (!target) return;
  e.preventDefault();
  target.focus();
}

/** `use:tileGrid` on the grid's container (the key handler listens there for all its tiles). */
export function tileGrid(node: HTMLElement): { destroy(): void } {
  node.addEventListener('keydown', tileGridKeys);
  return { destroy: () => node.removeEventListener('keydown', tileGridKeys) };
}

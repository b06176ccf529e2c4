/**
 * Near-duplicate grouping from nearest-neighbour lists.
 *
 * Candidates are pairs with cosine ≥ threshold. Their connected components are accepted as groups only when
 * every pair inside is similar (min pairwise cosine ≥ threshold − margin, so a chain A≈B≈C≈D whose ends are
 * unrelated is not one group) and the group stands out from the rest of the library (that min pairwise cosine
 * beats the strongest similarity from any member to a non-member by `margin`). A burst of similar shots
 * therefore forms one group, while chains and "everything is somewhat alike" neighbourhoods are split by
 * raising the threshold inside the component until each remaining part passes, or falls apart into singletons.
 */
import type { GroupingOptions } from './types';

export interface Neighbours {
  /** For row i, its k nearest other items (indices into the same set) and their cosines, best first. */
  indices: Int32Array;
  scores: Float32Array;
  k: number;
}

export interface Group {
  members: number[];
  /** Lowest pairwise cosine inside the group. */
  cohesion: number;
  /** Strongest similarity from a member to anything outside the group. */
  separation: number;
}

export const DEFAULT_GROUPING: GroupingOptions = { threshold: 0.92, margin: 0.02 };

/** `similarity(i, j)` gives the cosine of two items (used inside candidate groups only, which are small). */
export function groupNearDuplicates(
  n: number,
  nb: Neighbours,
  similarity: (i: number, j: number) => number,
  opts: GroupingOptions = DEFAULT_GROUPING,
): Group[] {
  const all = Array.from({ length: n }, (_, i) => i);
  const out: Group[] = [];
  splitComponent(all, opts.threshold, nb, similarity, opts, out);
  out.sort((a, b) => b.cohesion - a.cohesion || a.members[0]! - b.members[0]!);
  return out;
}

function splitComponent(
  members: number[],
  threshold: number,
  nb: Neighbours,
  similarity: (i: number, j: number) => number,
  opts: GroupingOptions,
  out: Group[],
): void {
  for (const comp of components(members, threshold, nb)) {
    if (comp.length < 2) continue;
    const inside = new Set(comp);
    let separation = -1;
    let weakestEdge = Infinity;
    for (const i of comp) {
      for (let j = 0; j < nb.k; j++) {
        const other = nb.indices[i * nb.k + j]!;
        if (other < 0 || other === i) continue;
        const s = nb.scores[i * nb.k + j]!;
        if (!inside.has(other)) separation = Math.max(separation, s);
        else if (s >= threshold) weakestEdge = Math.min(weakestEdge, s);
      }
    }
    let cohesion = Infinity;
    for (let a = 0; a < comp.length; a++) {
      for (let b = a + 1; b < comp.length; b++) cohesion = Math.min(cohesion, similarity(comp[a]!, comp[b]!));
    }
    if (cohesion >= opts.threshold - opts.margin && cohesion - separation >= opts.margin) {
      out.push({ members: [...comp].sort((a, b) => a - b), cohesion, separation });
    } else {
      // Not a clean group: drop its weakest links and look again inside.
      const next = Math.max(threshold, weakestEdge) + 1e-6;
      if (next > 1) continue;
      splitComponent(comp, next, nb, similarity, opts, out);
    }
  }
}

/** Connected components of `members` under edges with score ≥ threshold (union–find over kNN lists). */
function components(members: number[], threshold: number, nb: Neighbours): number[][] {
  const parent = new Map<number, number>();
  for (const m of members) parent.set(m, m);
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r)! !== r) r = parent.get(r)!;
    while (parent.get(x)! !== r) {
      const nx = parent.get(x)!;
      parent.set(x, r);
      x = nx;
    }
    return r;
  };
  for (const i of members) {
    for (let j = 0; j < nb.k; j++) {
      const other = nb.indices[i * nb.k + j]!;
      if (other < 0 || other === i || !parent.has(other)) continue;
      if (nb.scores[i * nb.k + j]! < threshold) break; // lists are sorted best first
      const a = find(i);
      const b = find(other);
      if (a !== b) parent.set(a, b);
    }
  }
  const byRoot = new Map<number, number[]>();
  for (const m of members) {
    const r = find(m);
    const list = byRoot.get(r) ?? [];
    list.push(m);
    byRoot.set(r, list);
  }
  return [...byRoot.values()];
}

/** Groups of identical content (same content hash), largest first. */
export function exactDuplicateGroups<T>(items: T[], hashOf: (item: T) => string): T[][] {
  const byHash = new Map<string, T[]>();
  for (const it of items) {
    const h = hashOf(it);
    const list = byHash.get(h) ?? [];
    list.push(it);
    byHash.set(h, list);
  }
  return [...byHash.values()].filter((g) => g.length > 1).sort((a, b) => b.length - a.length);
}

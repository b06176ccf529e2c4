/**
 * Reciprocal-rank fusion of the words ranking (full-text) and the meaning ranking (the space), docs/QUERY-SYNTAX.md:
 *
 *   fused(item) = [ β / (K + r_words) + (1 − β) / (K + r_meaning) ] · (K + 1)
 *
 * r = 1-based rank in each list (a list the item is not in adds nothing), K = 60 (Cormack et al. 2009),
 * β = the words/meaning balance (a setting, default 0.5). The factor K + 1 puts an item first in both lists at 1.
 * Ranks, not scores, are fused: bm25 and cosine live on scales that cannot be added. Items that match only some of
 * the words take their words rank after a gap of K (see fuseRankings).
 */
export const RRF_K = 60;
export const DEFAULT_WORDS_BALANCE = 0.5;

export interface Fused {
  itemId: number;
  fused: number;
  wordsRank: number | null;
  meaningRank: number | null;
}

/**
 * `words` best first; `wordsGapAt` = how many of them matched every word (the rest matched only some): those
 * partial matches rank after a gap of K places, so an item whose text holds all the words a user typed is not
 * overtaken by one holding a few of them that happens to rank higher by meaning.
 */
export function fuseRankings(words: readonly number[], meaning: readonly number[], balance = DEFAULT_WORDS_BALANCE, k = RRF_K, wordsGapAt = words.length): Fused[] {
  if (!(balance >= 0 && balance <= 1)) throw new Error(`words/meaning balance must be in [0, 1], got ${balance}`);
  const by = new Map<number, Fused>();
  const get = (id: number) => {
    let f = by.get(id);
    if (!f) by.set(id, (f = { itemId: id, fused: 0, wordsRank: null, meaningRank: null }));
    return f;
  };
  words.forEach((id, i) => {
    const f = get(id);
    if (f.wordsRank !== null) return;
    f.wordsRank = i + 1;
    const r = i < wordsGapAt ? i + 1 : i + 1 + k;
    f.fused += (balance * (k + 1)) / (k + r);
  });
  meaning.forEach((id, i) => {
    const f = get(id);
    if (f.meaningRank !== null) return;
    f.meaningRank = i + 1;
    f.fused += ((1 - balance) * (k + 1)) / (k + i + 1);
  });
  return [...by.values()].sort(
    (a, b) => b.fused - a.fused || (a.wordsRank ?? Infinity) - (b.wordsRank ?? Infinity) || (a.meaningRank ?? Infinity) - (b.meaningRank ?? Infinity) || a.itemId - b.itemId,
  );
}

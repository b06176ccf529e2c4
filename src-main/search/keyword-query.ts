/**
 * KeywordPlan (query-parser.ts) → SQLite FTS5 MATCH expressions. Every user word is quoted (so no FTS syntax can
 * be injected) and, from three characters on, matched as a prefix; the table's porter tokenizer stems both sides
 * (doors → door, creaking → creak). Pure: unit-tested without a database.
 */
import type { KeywordGroup, KeywordPlan } from './query-parser';

const q = (w: string) => `"${w.replace(/"/g, '""')}"`;

/** One word: quoted, prefix from 3 characters on. */
export function ftsWord(w: string): string {
  return w.length >= 3 ? `${q(w)}*` : q(w);
}

/** One group: a phrase, or all its words (AND); restricted to its columns. Null when nothing is left to match. */
export function groupExpr(g: KeywordGroup, mode: 'all' | 'any' = 'all'): string | null {
  const words = g.words.map((w) => w.trim()).filter(Boolean);
  if (!words.length) return null;
  const word = g.exact ? q : ftsWord;
  const body = g.phrase ? words.map(q).join(' AND ') : words.map(word).join(mode === 'all' ? ' AND ' : ' OR ');
  const inner = words.length > 1 && !g.phrase ? `(${body})` : body;
  return g.columns && g.columns.length ? `{${g.columns.join(' ')}} : ${words.length > 1 && !g.phrase ? inner : `(${inner})`}` : inner;
}

export interface KeywordExprs {
  /** Every should-group fully matched (any one group counts): the first tier of the words ranking. */
  strict: string | null;
  /** Any word of any should-group: the second tier (partial matches). */
  loose: string | null;
  /** All field terms (AND): items must match. */
  must: string | null;
  /** Any exclusion (OR): items matching are left out. */
  not: string | null;
  /** What to highlight in a hit: every looked-up word and field term. */
  highlight: string | null;
  /**
   * The same words as whole (stemmed) tokens, no prefixes: tried first, since a prefix makes FTS5 merge the
   * doclists of every term it starts (ms per hit at 100k items; bench/text.ts), a whole token is one lookup.
   */
  highlightExact: string | null;
}

const or = (xs: (string | null)[]) => {
  const v = xs.filter((x): x is string => !!x);
  return v.length ? (v.length === 1 ? v[0]! : v.map((x) => `(${x})`).join(' OR ')) : null;
};
const and = (xs: (string | null)[]) => {
  const v = xs.filter((x): x is string => !!x);
  return v.length ? (v.length === 1 ? v[0]! : v.map((x) => `(${x})`).join(' AND ')) : null;
};

export function keywordExprs(plan: KeywordPlan): KeywordExprs {
  const strict = or(plan.should.map((g) => groupExpr(g, 'all')));
  const multi = plan.should.some((g) => !g.phrase && g.words.length > 1);
  const loose = multi ? or(plan.should.map((g) => groupExpr(g, 'any'))) : null;
  const must = and(plan.must.map((g) => groupExpr(g)));
  const not = or(plan.not.map((g) => groupExpr(g)));
  const highlight = or([...plan.should.map((g) => groupExpr(g, 'any')), ...plan.must.map((g) => groupExpr(g, 'any'))]);
  const whole = (g: KeywordGroup) => groupExpr({ ...g, exact: true }, 'any');
  const highlightExact = or([...plan.should.map(whole), ...plan.must.map(whole)]);
  return { strict, loose, must, not, highlight, highlightExact };
}

export function hasKeywords(plan: KeywordPlan): boolean {
  return plan.should.length + plan.must.length + plan.not.length > 0;
}

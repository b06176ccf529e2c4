import { isAbsolute, resolve } from 'node:path';
import { homedir } from 'node:os';
import { modalityOf } from '../domain/formats';
import type { SearchColumn } from '../metadata/views';

/** A parsed query term before encoding (see docs/QUERY-SYNTAX.md). */
export type QueryAtom =
  | { kind: 'text'; text: string }
  | { kind: 'image'; path: string }
  | { kind: 'audio'; path: string }
  | { kind: 'item'; id: number };

export interface ParsedTerm {
  weight: number;
  atom: QueryAtom;
}

/** Words to look up in the full-text index: a phrase ("…") or words each matched by prefix and stem. */
export interface KeywordGroup {
  words: string[];
  phrase: boolean;
  /** Full-text columns to look in; null = all. */
  columns: SearchColumn[] | null;
  /** Whole words only (no prefix match): category codes (`cat:AMB` is not `cat:AMBIENCE`). */
  exact?: boolean;
}

/** The words side of a query (docs/QUERY-SYNTAX.md, "Words and meaning"). */
export interface KeywordPlan {
  /** From positive text terms: rank items whose words match. */
  should: KeywordGroup[];
  /** From field terms (`desc:rain`): an item must match every one. */
  must: KeywordGroup[];
  /** From `-field:x` and unweighted negative text terms (`-traffic`): an item matching any one is left out. */
  not: KeywordGroup[];
}

export interface ParsedSearch {
  terms: ParsedTerm[];
  keywords: KeywordPlan;
}

/** Field names of field terms → full-text columns (metadata/views.ts SEARCH_COLUMNS). */
export const FIELD_COLUMNS: Record<string, SearchColumn[]> = {
  name: ['name'], file: ['name'], filename: ['name'],
  folder: ['folder'], dir: ['folder'], path: ['name', 'folder'],
  title: ['title'],
  desc: ['desc'], description: ['desc'], comment: ['desc'],
  cat: ['cat'], category: ['cat'], ucs: ['cat'], genre: ['cat'],
  kw: ['keywords'], keyword: ['keywords'], keywords: ['keywords'],
  tag: ['tags'], tags: ['tags'],
  by: ['people'], artist: ['people'], creator: ['people'], people: ['people'],
  album: ['source'], project: ['source'], source: ['source'], library: ['source'], scene: ['source'],
  camera: ['gear'], lens: ['gear'], mic: ['gear'], gear: ['gear'],
  meta: ['other'], other: ['other'],
};

/** Words too common to look up (they still count for the meaning side). */
const STOP = new Set('a an the of in on at to and or with for by from into onto over under is are was be it its this that as'.split(' '));

/** Split text into the words worth looking up: letters/digits runs (hyphenated words kept), no stop words. */
export function lookupWords(text: string): string[] {
  const out = new Set<string>();
  for (const raw of text.toLowerCase().split(/\s+/)) {
    const w = trimToWord(raw);
    if (w.length < 2 || STOP.has(w) || !/[\p{L}\p{N}]/u.test(w)) continue;
    out.add(w);
  }
  return [...out];
}

const WORD_CHAR = /^[\p{L}\p{N}]$/u;

/**
 * `raw` without the non-letter, non-digit characters at either end. A linear scan: the regex it replaces
 * (`/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu`) retried its end anchor from every position, 36 s for a
 * 200 000-character "pe((((…))))" the fuzzer typed.
 */
function trimToWord(raw: string): string {
  const isWord = (at: number) => WORD_CHAR.test(String.fromCodePoint(raw.codePointAt(at)!));
  let a = 0;
  while (a < raw.length && !isWord(a)) a += raw.codePointAt(a)! > 0xffff ? 2 : 1;
  let b = raw.length;
  while (b > a) {
    // the code point ending at b (a low surrogate closes a pair)
    const lo = raw.charCodeAt(b - 1);
    const start = lo >= 0xdc00 && lo <= 0xdfff && b - 2 >= a ? b - 2 : b - 1;
    if (isWord(start)) break;
    b = start;
  }
  return raw.slice(a, b);
}

export class QuerySyntaxError extends Error {
  constructor(msg: string, readonly position: number) {
    super(`query syntax error at ${position + 1}: ${msg}`);
    this.name = 'QuerySyntaxError';
  }
}

const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?/i;

/**
 * Parse a query expression:
 *   expr   := ['+'|'-'] term (('+'|'-') term)*
 *   term   := [number '*'] atom
 *   atom   := "text" | 'text' | item:ID | image:PATH | audio:PATH | PATH | bare words
 * PATH starts with ./ ../ / or ~/ or ends in a supported media extension; quoted after a prefix
 * (image:"my photo.jpg") when it holds spaces. Consecutive bare words form one text term.
 * `+`/`-` are operators at the start of a token (so "hip-hop" is a word). Paths resolve against baseDir.
 */
export function parseQuery(src: string, baseDir = process.cwd()): ParsedTerm[] {
  return parseSearchQuery(src, baseDir).terms;
}

/**
 * The full query language: the weighted terms above, plus field terms (`desc:rain`, `-cat:VEH`, `title:"old
 * barn"`) anywhere between them, which need no operator, and the words side of every text term (KeywordPlan).
 */
export function parseSearchQuery(src: string, baseDir = process.cwd()): ParsedSearch {
  const terms: ParsedTerm[] = [];
  const keywords: KeywordPlan = { should: [], must: [], not: [] };
  const weighted = new Set<ParsedTerm>();
  const quoted = new Set<ParsedTerm>();
  let i = 0;
  const n = src.length;
  const ws = () => {
    while (i < n && /\s/.test(src[i]!)) i++;
  };
  const readQuoted = (): string => {
    const q = src[i]!;
    const start = i++;
    let out = '';
    while (i < n && src[i] !== q) {
      if (src[i] === '\\' && i + 1 < n) i++;
      out += src[i++]!;
    }
    if (i >= n) throw new QuerySyntaxError(`unterminated ${q === '"' ? 'double' : 'single'} quote`, start);
    i++;
    return out;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && !/\s/.test(src[i]!)) i++;
    return src.slice(start, i);
  };
  const resolvePath = (p: string): string =>
    p.startsWith('~/') ? resolve(homedir(), p.slice(2)) : isAbsolute(p) ? p : resolve(baseDir, p);
  const looksLikePath = (t: string) =>
    t.startsWith('./') || t.startsWith('../') || t.startsWith('/') || t.startsWith('~/') || modalityOf(t) !== null;

  let sign = 1;
  let expectTerm = true;
  ws();
  if (n === 0 || i >= n) throw new QuerySyntaxError('empty query', 0);
  let pendingOp = false;
  while (i < n) {
    ws();
    if (i >= n) break;
    const ch = src[i]!;
    const field = /^([+-]?)([A-Za-z]+):(?=\S)/.exec(src.slice(i));
    if (field && FIELD_COLUMNS[field[2]!.toLowerCase()]) {
      const at = i;
      i += field[0].length;
      const isQuoted = src[i] === '"' || src[i] === "'";
      const val = isQuoted ? readQuoted() : readToken();
      const words = isQuoted ? [val.trim()].filter(Boolean) : lookupWords(val).length ? lookupWords(val) : [val.trim()].filter(Boolean);
      if (!words.length) throw new QuerySyntaxError(`${field[2]}: needs a value`, at);
      const negative = field[1] === '-' || (pendingOp && sign < 0);
      const columns = FIELD_COLUMNS[field[2]!.toLowerCase()]!;
      const g: KeywordGroup = { words, phrase: isQuoted, columns };
      if (columns.includes('cat')) g.exact = true;
      (negative ? keywords.not : keywords.must).push(g);
      if (pendingOp) {
        pendingOp = false;
        sign = 1;
        expectTerm = terms.length === 0;
      }
      continue;
    }
    if (ch === '+' || ch === '-') {
      if (expectTerm && terms.length > 0) throw new QuerySyntaxError(`operator '${ch}' without a term before it`, i);
      sign = ch === '-' ? -1 : 1;
      i++;
      expectTerm = true;
      pendingOp = true;
      continue;
    }
    if (!expectTerm) {
      // A bare word right after a bare-word text term continues that text.
      const last = terms[terms.length - 1]!;
      if (last.atom.kind === 'text' && (last as ParsedTerm & { bare?: boolean }).bare && ch !== '"' && ch !== "'") {
        const save = i;
        const tok = readToken();
        if (!looksLikePath(tok) && !/^(item|image|audio):/i.test(tok) && !(NUMBER.test(tok) && tok.includes('*'))) {
          // (field terms were taken above, before this continuation)
          last.atom.text += ' ' + tok;
          continue;
        }
        i = save;
      }
      throw new QuerySyntaxError("expected '+' or '-' between terms", i);
    }
    const termStart = i;
    let weight = 1;
    const num = NUMBER.exec(src.slice(i));
    if (num) {
      let j = i + num[0].length;
      while (j < n && /\s/.test(src[j]!)) j++;
      if (src[j] === '*') {
        weight = Number(num[0]);
        i = j + 1;
        ws();
        if (i >= n) throw new QuerySyntaxError('weight without a term after it', termStart);
      }
    }
    let atom: QueryAtom;
    let bare = false;
    const hasWeight = i !== termStart;
    const c0 = src[i]!;
    if (c0 === '"' || c0 === "'") {
      const text = readQuoted().trim();
      if (!text) throw new QuerySyntaxError('empty text', termStart);
      atom = { kind: 'text', text };
    } else {
      const pre = /^(item|image|audio):/i.exec(src.slice(i));
      if (pre) {
        i += pre[0].length;
        const kind = pre[1]!.toLowerCase();
        const val = src[i] === '"' || src[i] === "'" ? readQuoted() : readToken();
        if (!val) throw new QuerySyntaxError(`${kind}: needs a value`, termStart);
        if (kind === 'item') {
          if (!/^\d+$/.test(val)) throw new QuerySyntaxError(`item id must be a positive integer, got "${val}"`, termStart);
          atom = { kind: 'item', id: Number(val) };
        } else {
          atom = { kind: kind as 'image' | 'audio', path: resolvePath(val) };
        }
      } else {
        const tok = readToken();
        if (looksLikePath(tok)) {
          const mod = modalityOf(tok);
          if (!mod) {
            throw new QuerySyntaxError(`cannot tell whether "${tok}" is an image or a sound; write image:PATH or audio:PATH`, termStart);
          }
          if (mod === 'video') {
            throw new QuerySyntaxError(`"${tok}" is a video: search by one of its frames (image:PATH) or by its sound (audio:PATH)`, termStart);
          }
          atom = { kind: mod, path: resolvePath(tok) };
        } else {
          atom = { kind: 'text', text: tok };
          bare = true;
        }
      }
    }
    if (!Number.isFinite(weight)) throw new QuerySyntaxError('weight is not a finite number', termStart);
    const t: ParsedTerm & { bare?: boolean } = { weight: sign * weight, atom };
    if (bare) Object.defineProperty(t, 'bare', { value: true, enumerable: false });
    if (hasWeight) weighted.add(t);
    if (atom.kind === 'text' && !bare) quoted.add(t);
    terms.push(t);
    sign = 1;
    expectTerm = false;
    pendingOp = false;
  }
  if (pendingOp || (expectTerm && terms.length > 0)) throw new QuerySyntaxError('query ends with an operator', n);
  if (terms.length === 0 && keywords.must.length === 0) {
    throw new QuerySyntaxError(keywords.not.length ? 'a query needs something to look for besides exclusions' : 'empty query', 0);
  }
  for (const t of terms) {
    if (t.atom.kind !== 'text') continue;
    const phrase = quoted.has(t);
    const words = phrase ? [t.atom.text] : lookupWords(t.atom.text);
    if (!words.length || (phrase && !lookupWords(t.atom.text).length)) continue;
    if (t.weight > 0) keywords.should.push({ words, phrase, columns: null });
    else if (t.weight < 0 && !weighted.has(t)) keywords.not.push({ words, phrase, columns: null });
  }
  return { terms, keywords };
}

import { isAbsolute, resolve } from 'node:path';
import { homedir } from 'node:os';
import { modalityOf } from '../domain/formats';

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
  const terms: ParsedTerm[] = [];
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
  while (i < n) {
    ws();
    if (i >= n) break;
    const ch = src[i]!;
    if (ch === '+' || ch === '-') {
      if (expectTerm && terms.length > 0) throw new QuerySyntaxError(`operator '${ch}' without a term before it`, i);
      sign = ch === '-' ? -1 : 1;
      i++;
      expectTerm = true;
      continue;
    }
    if (!expectTerm) {
      // A bare word right after a bare-word text term continues that text.
      const last = terms[terms.length - 1]!;
      if (last.atom.kind === 'text' && (last as ParsedTerm & { bare?: boolean }).bare && ch !== '"' && ch !== "'") {
        const save = i;
        const tok = readToken();
        if (!looksLikePath(tok) && !/^(item|image|audio):/i.test(tok) && !(NUMBER.test(tok) && tok.includes('*'))) {
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
    terms.push(t);
    sign = 1;
    expectTerm = false;
  }
  if (expectTerm) throw new QuerySyntaxError('query ends with an operator', n);
  return terms;
}

// Python's html.unescape (3.11): HTML5 named references (also the legacy ones without ';',
// longest-prefix rule), decimal/hex references with the HTML5 remapping of 0x80–0x9F etc.
import { HTML5_ENTITIES, INVALID_CHARREFS, INVALID_CODEPOINT_RANGES } from './html-entities';

const NAMED = new Map<string, string>(Object.entries(HTML5_ENTITIES));
const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

function isInvalidCodepoint(n: number): boolean {
  for (const [a, b] of INVALID_CODEPOINT_RANGES) if (n >= a && n <= b) return true;
  return false;
}

function replaceCharref(match: string, ref: string): string {
  if (ref[0] === '#') {
    const hex = ref[1] === 'x' || ref[1] === 'X';
    const digits = ref.slice(hex ? 2 : 1).replace(/;$/, '');
    const big = BigInt((hex ? '0x' : '') + digits);
    if (big > 0x10ffffn) return '\ufffd';
    const num = Number(big);
    const fixed = INVALID_CHARREFS.get(num);
    if (fixed !== undefined) return fixed;
    if (num >= 0xd800 && num <= 0xdfff) return '\ufffd';
    if (isInvalidCodepoint(num)) return '';
    return String.fromCodePoint(num);
  }
  const whole = NAMED.get(ref);
  if (whole !== undefined) return whole;
  const cps = Array.from(ref);
  for (let x = cps.length - 1; x > 1; x--) {
    const prefix = cps.slice(0, x).join('');
    const hit = NAMED.get(prefix);
    if (hit !== undefined) return hit + cps.slice(x).join('');
  }
  return match;
}

/** Exactly Python's `html.unescape(s)`. */
export function htmlUnescape(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(CHARREF, replaceCharref);
}

// Text cleaning of ImageBind's tokenizer (docs/REFERENCE.md §2.2):
//   ftfy.fix_text (default config of ftfy 6.3) → html.unescape twice → strip → collapse \s runs → strip → lower.
// The ftfy part is a port of its documented steps; the mojibake detector (`looksLikeMojibake`) is our own,
// simpler heuristic in the spirit of ftfy's badness regex (see the comment there).
import { CODEPAGES, FTFY_ENTITIES, WIDTH_MAP, type CodepageName } from './ftfy-tables';
import { htmlUnescape } from './html-unescape';

// ---------------------------------------------------------------------------------------------
// Single-byte code pages

interface Codepage {
  decode: string; // 256 chars
  encode: Map<string, number>;
}
const codepageCache = new Map<CodepageName, Codepage>();
function codepage(name: CodepageName): Codepage {
  let cp = codepageCache.get(name);
  if (!cp) {
    const decode: string = CODEPAGES[name];
    const encode = new Map<string, number>();
    for (let b = 0; b < 256; b++) if (!encode.has(decode[b]!)) encode.set(decode[b]!, b);
    cp = { decode, encode };
    codepageCache.set(name, cp);
  }
  return cp;
}

/** The encodings ftfy tries, in its order, when it re-decodes text as UTF-8. */
const CHARMAP_ENCODINGS: CodepageName[] = [
  'latin-1',
  'sloppy-windows-1252',
  'sloppy-windows-1251',
  'sloppy-windows-1250',
  'sloppy-windows-1253',
  'sloppy-windows-1254',
  'sloppy-windows-1257',
  'iso-8859-2',
  'macroman',
  'cp437',
];

/** Can `text` be encoded in the code page (ASCII except U+001A always allowed, as in ftfy)? */
function possibleEncoding(text: string, name: CodepageName): boolean {
  const { encode } = codepage(name);
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80 && c !== 0x1a) continue;
    if (c === 0x1a) {
      if (encode.get(ch) !== 0x1a) return false;
      continue;
    }
    const b = encode.get(ch);
    if (b === undefined || (b < 0x80 && b !== 0x1a)) return false; // sloppy pages encode U+FFFD as 0x1A
  }
  return true;
}

function encodeBytes(text: string, name: CodepageName): Uint8Array {
  const { encode } = codepage(name);
  const chars = Array.from(text);
  const out = new Uint8Array(chars.length);
  chars.forEach((ch, i) => {
    const c = ch.codePointAt(0)!;
    out[i] = c < 0x80 && c !== 0x1a ? c : encode.get(ch)!;
  });
  return out;
}

// Byte strings are handled as "binary strings" (one char per byte) so that regexes can work on them.
const toBinary = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const fromBinary = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** UTF-8, plus CESU-8 surrogate pairs and Java's C0 80 null ("utf-8-variants"); throws on invalid input. */
function decodeUtf8Variants(bytes: Uint8Array, variants: boolean): string {
  if (!variants) return utf8Strict.decode(bytes);
  let bin = toBinary(bytes);
  const parts: string[] = [];
  const re = /\xed([\xa0-\xaf])([\x80-\xbf])\xed([\xb0-\xbf])([\x80-\xbf])|\xc0\x80/g;
  let last = 0;
  for (let m; (m = re.exec(bin)); ) {
    parts.push(utf8Strict.decode(fromBinary(bin.slice(last, m.index))));
    if (m[0] === '\xc0\x80') parts.push('\0');
    else {
      const hi = 0xd000 | ((m[1]!.charCodeAt(0) & 0x3f) << 6) | (m[2]!.charCodeAt(0) & 0x3f);
      const lo = 0xd000 | ((m[3]!.charCodeAt(0) & 0x3f) << 6) | (m[4]!.charCodeAt(0) & 0x3f);
      parts.push(String.fromCharCode(hi, lo));
    }
    last = m.index + m[0].length;
  }
  parts.push(utf8Strict.decode(fromBinary(bin.slice(last))));
  bin = '';
  return parts.join('');
}

// Bytes that would be UTF-8 if some 0xA0 had not been turned into a space.
const ALTERED_UTF8 =
  /[\xc2\xc3\xc5\xce\xd0\xd9] |[\xe2\xe3] [\x80-\x84\x86-\x9f\xa1-\xbf]|[\xe0-\xe3][\x80-\x84\x86-\x9f\xa1-\xbf] |\xf0 [\x80-\xbf][\x80-\xbf]|\xf0[\x80-\xbf] [\x80-\xbf]|\xf0[\x80-\xbf][\x80-\xbf] /g;
const ALTERED_UTF8_TEST = new RegExp(ALTERED_UTF8.source);
const A_GRAVE_WORD = /\xc3 (?! |quele|quela|quilo|s )/g;
function restoreByteA0(bin: string): string {
  return bin.replace(A_GRAVE_WORD, '\xc3\xa0 ').replace(ALTERED_UTF8, (m) => m.replace(/ /g, '\xa0'));
}

// UTF-8-like sequences in which a sloppy code page lost a byte (U+FFFD encoded as 0x1A) → U+FFFD.
const LOSSY_UTF8 =
  /[\xc2-\xdf]\x1a|[\xc2-\xc3]\?|\xed[\xa0-\xaf][\x1a?]\xed[\xb0-\xbf][\x1a?\x80-\xbf]|\xed[\xa0-\xaf][\x1a?\x80-\xbf]\xed[\xb0-\xbf][\x1a?]|[\xe0-\xef][\x1a?][\x1a\x80-\xbf]|[\xe0-\xef][\x1a\x80-\xbf][\x1a?]|[\xf0-\xf4][\x1a?][\x1a\x80-\xbf][\x1a\x80-\xbf]|[\xf0-\xf4][\x1a\x80-\xbf][\x1a?][\x1a\x80-\xbf]|[\xf0-\xf4][\x1a\x80-\xbf][\x1a\x80-\xbf][\x1a?]|\x1a/g;
const replaceLossySequences = (bin: string): string => bin.replace(LOSSY_UTF8, '\xef\xbf\xbd');

// ---------------------------------------------------------------------------------------------
// Mojibake detection (our heuristic, in the spirit of ftfy's "badness").
//
// UTF-8 read as a single-byte code page turns every multi-byte character into a "lead" character
// (the code page's character for byte C2–DF / E0–EF / F0–F4) followed by 1–3 "continuation"
// characters (bytes 80–BF). Such a sequence is taken as a sign of mojibake when a continuation is a
// character that real text almost never puts right after a letter ("loud": C1 controls, €‚ƒ„†‡ˆ‰,
// Š/Ž/Ÿ, ¤¦§¨©ª¬¯°±²³µ¶¸¹º¼½¾, box drawing, math symbols, …), while dashes, ellipsis, ’ ” ® ™ » ¡ ¿
// and letters are "quiet" (so “MARQUÉ…”, “NESTLÉ®”, “QUEM É¿”, “ВІКІ” stay untouched). Currency signs
// count only after a lower-case lead or a lead that starts a word (“nÃ£o”, “â€”” but not “MÄ£ÄM”).
// Â/Ã, the leads of all U+0080–U+00FF characters, are suspicious with any continuation except ’ and
// … ("cafÃ©", "Ã¡", "Ã\xa0"), and also before a plain space that replaced a lost 0xA0 ("voilÃ le").
// Punctuation never counts as a lead; a symbol lead (box drawing in cp437, ◊ in MacRoman) counts before
// an accented letter; Greek/Cyrillic leads count only right after a Latin letter (cp1251/cp1253 reading
// of UTF-8 inside English text), plus the ubiquitous "вЂ"/"β€" (E2 80). Text is only changed when the
// whole text (or the detected run) then decodes as UTF-8.

const DETECT_PAGES: CodepageName[] = [
  'latin-1',
  'sloppy-windows-1252',
  'sloppy-windows-1251',
  'sloppy-windows-1250',
  'sloppy-windows-1253',
  'sloppy-windows-1254',
  'sloppy-windows-1257',
  'iso-8859-2',
  'macroman',
  'cp437',
];

const esc = (ch: string) => `\\u{${ch.codePointAt(0)!.toString(16)}}`;
function charClass(chars: Iterable<string>): string {
  const list = Array.from(new Set(chars));
  return list.length ? `[${list.map(esc).join('')}]` : '[^\\s\\S]';
}
function byteChars(name: CodepageName, from: number, to: number): string[] {
  const d = codepage(name).decode;
  const out: string[] = [];
  for (let b = from; b <= to; b++) out.push(d[b]!);
  return out;
}

const LOUD = new Set(
  Array.from(
    '\u20ac\u201a\u0192\u201e\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u201c\u2022\u02dc\u0161\u203a\u0153\u017e\u0178' +
      '\u00a4\u00a6\u00a7\u00a8\u00a9\u00aa\u00ab\u00ac\u00af\u00b0\u00b1\u00b2\u00b3\u00b5\u00b6\u00b8\u00b9\u00ba\u00bc\u00bd\u00be' +
      '\u2310\u2591\u2592\u2593\u2502\u2524\u2561\u2562\u2556\u2555\u2563\u2551\u2557\u255d\u255c\u255b\u2510' +
      '\u221e\u2260\u2264\u2265\u2202\u2211\u220f\u03c0\u222b\u03a9\u221a\u25ca\u02c7\u02d8\u02db\u02dd\ufffd',
  ),
);
for (let c = 0x80; c <= 0x9f; c++) LOUD.add(String.fromCharCode(c));
const CURRENCY = new Set(Array.from('\u00a2\u00a3\u00a5\u20a7'));

const isLetter = (c: string) => /\p{L}/u.test(c);
const isLower = (c: string) => /\p{Ll}/u.test(c);
const isPunctOrSpace = (c: string) => /[\p{P}\p{Z}]/u.test(c);

interface PageSets {
  lead2: Set<string>;
  lead3: Set<string>;
  lead4: Set<string>;
  cont: Set<string>;
}
const pageSets: PageSets[] = DETECT_PAGES.map((name) => {
  const lead = (a: number, b: number) => new Set(byteChars(name, a, b).filter((c) => !isPunctOrSpace(c) && c !== '\ufffd'));
  // U+FFFD stands for a byte a lossy decoder dropped (sloppy pages encode it back as 0x1A)
  const cont = new Set([...byteChars(name, 0x80, 0xbf), ...(name.startsWith('sloppy') ? ['\ufffd'] : [])]);
  return { lead2: lead(0xc2, 0xdf), lead3: lead(0xe0, 0xef), lead4: lead(0xf0, 0xf4), cont };
});

// Accented Latin letters (U+00C0–U+017F) other than the ones kaomoji are made of (Ò–Ö, Ù–Ü, ò–ö, ø–ü).
const isAccentedLatin = (c: string) => {
  const x = c.codePointAt(0)!;
  if (x < 0xc0 || x > 0x17f || x === 0xd7 || x === 0xf7) return false;
  return !((x >= 0xd2 && x <= 0xd6) || (x >= 0xd9 && x <= 0xdc) || (x >= 0xf2 && x <= 0xf6) || (x >= 0xf8 && x <= 0xfc));
};
const isGreekOrCyrillic = (c: string) => /[\u0370-\u03ff\u0400-\u04ff]/u.test(c);

const isKaomojiLetter = (c: string) => {
  const x = c.codePointAt(0)!;
  return (x >= 0xd2 && x <= 0xd6) || (x >= 0xd9 && x <= 0xdc) || (x >= 0xf2 && x <= 0xf6) || (x >= 0xf8 && x <= 0xfc) || x === 0x150 || x === 0x14c || x === 0x16a || x === 0x172;
};

/** Is the UTF-8-shaped sequence `lead conts…` (between `before` and `after`) a sign of mojibake? */
function suspiciousSequence(before: string, lead: string, conts: string[], after: string): boolean {
  const c0 = conts[0]!;
  if ((lead === '\u00c2' || lead === '\u00c3') && conts.length === 1 && c0 !== '\u2019' && c0 !== '\u2026') return true;
  // MacRoman's reading of C3 (the lead of à…ÿ) is √; "√π" is mathematics
  if (lead === '\u221a' && conts.length === 1 && c0 !== '\u03c0') return true;
  // cp1251 leads of U+0080–U+00FF / Cyrillic (В Г Р С) around a loud continuation, chained
  if (/[\u0412\u0413\u0420\u0421]/u.test(lead) && LOUD.has(c0) && /[\u0412\u0413\u0420\u0421]/u.test(after)) return true;
  if (isKaomojiLetter(lead)) return false;
  // cp1251 / cp1253 reading of E2 80 xx (General Punctuation: ’ “ ” – — …)
  if ((lead === '\u0432' && c0 === '\u0402') || (lead === '\u03b2' && c0 === '\u20ac')) return true;
  // a symbol lead (box drawing in cp437, ◊ in MacRoman) directly before an accented letter
  if (!isLetter(lead) && lead !== '\u00d7') return conts.some(isAccentedLatin);
  // Greek/Cyrillic capitals and small letters lead mojibake only inside Latin words ("UkrsotsbankвЂ™s")
  if (isGreekOrCyrillic(lead) && !/[A-Za-z]/.test(before)) return false;
  const wordStart = before === '' || /\s/u.test(before);
  return conts.some((c) => LOUD.has(c) || (CURRENCY.has(c) && (isLower(lead) || wordStart || conts.length > 1)));
}

const C1 = /[\x80-\x9f]/;
const A_HAT_BEFORE_SPACE = /(?:^|[a-z]\s?)[\u00c2\u00c3] /;

/** Does the text look like it contains UTF-8 mojibake (or C1 controls)? */
export function looksLikeMojibake(text: string): boolean {
  if (C1.test(text) || A_HAT_BEFORE_SPACE.test(text)) return true;
  const chars = Array.from(text);
  for (let i = 0; i < chars.length - 1; i++) {
    for (const p of pageSets) {
      const c = chars[i]!;
      const n = p.lead2.has(c) ? 1 : p.lead3.has(c) ? 2 : p.lead4.has(c) ? 3 : 0;
      if (n === 0 || i + n >= chars.length) continue;
      const conts = chars.slice(i + 1, i + 1 + n);
      if (!conts.every((x) => p.cont.has(x))) continue;
      if (suspiciousSequence(i > 0 ? chars[i - 1]! : '', c, conts, chars[i + 1 + n] ?? '')) return true;
    }
  }
  return false;
}

// Runs of UTF-8-shaped sequences in Latin-1 / Windows code pages (to repair mojibake inside other text).
// A space may stand in for a continuation (a 0xA0 that became a space: "Ã l’"), but not in the
// look-behind that keeps a run from starting in the middle of a longer garble.
const RUN_PAGES = DETECT_PAGES.filter((n) => n !== 'macroman' && n !== 'cp437');
const UTF8_RUN = (() => {
  const all = (from: number, to: number) => RUN_PAGES.flatMap((n) => byteChars(n, from, to));
  const strict = all(0x80, 0xbf);
  const cont = charClass([...strict, ' ', '\ufffd']);
  const seq = `(?:${charClass(all(0xc2, 0xdf))}${cont}|${charClass(all(0xe0, 0xef))}${cont}{2}|${charClass(all(0xf0, 0xf4))}${cont}{3})`;
  return new RegExp(`(?<!${charClass(strict)})${seq}+`, 'gu');
})();

function decodeInconsistentUtf8(text: string): string {
  return text.replace(UTF8_RUN, (run) => (run.length < text.length && looksLikeMojibake(run) ? fixEncoding(run) : run));
}

const fixC1Controls = (text: string): string =>
  text.replace(/[\x80-\x9f]/g, (c) => codepage('sloppy-windows-1252').decode[c.charCodeAt(0)]!);

function fixEncodingOneStep(text: string): string {
  if (text.length === 0 || /^[\x00-\x7f]*$/.test(text) || !looksLikeMojibake(text)) return text;
  const possible: CodepageName[] = [];
  for (const enc of CHARMAP_ENCODINGS) {
    if (!possibleEncoding(text, enc)) continue;
    possible.push(enc);
    let bin = toBinary(encodeBytes(text, enc));
    if (enc !== 'macroman' && ALTERED_UTF8_TEST.test(bin)) bin = restoreByteA0(bin);
    if (enc.startsWith('sloppy')) bin = replaceLossySequences(bin);
    const variants = bin.includes('\xed') || bin.includes('\xc0');
    try {
      return decodeUtf8Variants(fromBinary(bin), variants);
    } catch {
      // not UTF-8 in this code page; try the next
    }
  }
  if (new RegExp(UTF8_RUN.source, 'u').test(text)) {
    const fixed = decodeInconsistentUtf8(text);
    if (fixed !== text) return fixed;
  }
  if (possible.includes('latin-1')) {
    // Latin-1 text with C1 controls: read those bytes as Windows-1252 if all of them are defined there.
    const cp = codepage('windows-1252').decode;
    const bytes = encodeBytes(text, 'latin-1');
    let fixed = '';
    let ok = true;
    for (const b of bytes) {
      const c = cp[b]!;
      if (c === '\ufffd') {
        ok = false;
        break;
      }
      fixed += c;
    }
    if (ok && fixed !== text) return fixed;
  }
  if (C1.test(text)) return fixC1Controls(text);
  return text;
}

/** ftfy.fix_encoding: repeat the one-step repair until nothing changes. */
export function fixEncoding(text: string): string {
  for (let i = 0; i < 16; i++) {
    const next = fixEncodingOneStep(text);
    if (next === text) return text;
    text = next;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// The other ftfy fixers

function unescapeHtmlFtfy(text: string): string {
  return text.replace(/&#?[0-9A-Za-z]{1,24};/g, (m) => {
    const known = FTFY_ENTITIES.get(m);
    if (known !== undefined) return known;
    if (m.startsWith('&#')) {
      const u = htmlUnescape(m);
      return u.includes(';') ? m : u;
    }
    return m;
  });
}

const LIGATURES: Record<string, string> = {
  'Ĳ': 'IJ', 'ĳ': 'ij', 'ŉ': 'ʼn', 'Ǳ': 'DZ', 'ǲ': 'Dz', 'ǳ': 'dz', 'Ǆ': 'DŽ', 'ǅ': 'Dž', 'ǆ': 'dž',
  'Ǉ': 'LJ', 'ǈ': 'Lj', 'ǉ': 'lj', 'Ǌ': 'NJ', 'ǋ': 'Nj', 'ǌ': 'nj',
  'ﬀ': 'ff', 'ﬁ': 'fi', 'ﬂ': 'fl', 'ﬃ': 'ffi', 'ﬄ': 'ffl', 'ﬅ': 'ſt', 'ﬆ': 'st',
};
const LIGATURE_RE = new RegExp(charClass(Object.keys(LIGATURES)), 'gu');
const fixLatinLigatures = (t: string) => t.replace(LIGATURE_RE, (c) => LIGATURES[c]!);

const fixCharacterWidth = (t: string) =>
  t.replace(/[\u3000\uff01-\uffef]/g, (c) => WIDTH_MAP.get(c.charCodeAt(0)) ?? c);

const uncurlQuotes = (t: string) => t.replace(/[\u02bc\u2018-\u201b]/g, "'").replace(/[\u201c-\u201f]/g, '"');

const fixLineBreaks = (t: string) =>
  t.replace(/\r\n/g, '\n').replace(/\r/g, '\n').replace(/\u2028/g, '\n').replace(/\u2029/g, '\n').replace(/\u0085/g, '\n');

// JS strings pair surrogates by themselves; only lone ones remain to be replaced.
const fixSurrogates = (t: string) => t.replace(/\p{Cs}/gu, '\ufffd');

const removeTerminalEscapes = (t: string) => t.replace(/\x1b\[(?:\p{Nd}|;)*[a-zA-Z]/gu, '');

const removeControlChars = (t: string) =>
  t.replace(/[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g, '');

function fixSegment(text: string, unescapeHtml: boolean): string {
  // ftfy repeats until nothing changes; the cap only guards against a cycle
  for (let round = 0; round < 32; round++) {
    const orig = text;
    if (unescapeHtml) text = unescapeHtmlFtfy(text);
    text = fixEncoding(text);
    text = fixC1Controls(text);
    text = fixLatinLigatures(text);
    text = fixCharacterWidth(text);
    text = uncurlQuotes(text);
    text = fixLineBreaks(text);
    text = fixSurrogates(text);
    text = removeTerminalEscapes(text);
    text = removeControlChars(text);
    text = text.normalize('NFC');
    if (text === orig) return text;
  }
  return text;
}

/** ftfy.fix_text with the default configuration (line by line; HTML is left alone from the first line containing '<'). */
export function fixText(text: string): string {
  let unescapeHtml = true;
  const out: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    let brk = text.indexOf('\n', pos) + 1;
    if (brk === 0) brk = text.length;
    const segment = text.slice(pos, brk);
    if (unescapeHtml && segment.includes('<')) unescapeHtml = false;
    out.push(fixSegment(segment, unescapeHtml));
    pos = brk;
  }
  return out.join('');
}

// ---------------------------------------------------------------------------------------------
// ImageBind's basic_clean / whitespace_clean / lower

/** What `\s` matches for str patterns in Python's `regex` module (Unicode White_Space; not U+001C–U+001F). */
export const REGEX_WS = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WHITESPACE_RUN = /[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
// Python `str.strip()` (no arguments) strips str.isspace() characters: the above plus U+001C–U+001F.
const STRIP_EDGES = /^[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** `regex.sub(r"\s+", " ", t)` with Python's `regex` package (ImageBind's whitespace_clean, before its strip). */
export const collapseWhitespace = (t: string): string => t.replace(WHITESPACE_RUN, ' ');

/** Python `str.strip()` with no arguments. */
export const pyStrip = (t: string): string => t.replace(STRIP_EDGES, '');

/** Python `str.lower()`. JS toLowerCase applies the same default (non-locale) full mappings, incl. İ → i̇ and final sigma. */
export const pyLower = (t: string): string => t.toLowerCase();

/** The whole cleaning ImageBind applies before BPE (§2.2). */
export function cleanText(text: string): string {
  let t = fixText(text);
  t = htmlUnescape(htmlUnescape(t));
  t = pyStrip(t);
  t = pyStrip(collapseWhitespace(t));
  return pyLower(t);
}

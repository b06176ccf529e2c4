// Text cleaning of ImageBind's tokenizer (PREPROCESSING.md §2.2):
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
    if (b === undefined || b < 0x80) return false;
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
const A_GRAVE_WORD = /\xc3 (?! |quele|quela|quilo|s )/g;
function restoreByteA0(bin: string): string {
  return bin.replace(A_GRAVE_WORD, '\xc3\xa0 ').replace(ALTERED_UTF8, (m) => m.replace(/ /g, '\xa0'));
}

// UTF-8-like sequences in which a sloppy code page lost a byte (U+FFFD encoded as 0x1A) → U+FFFD.
const LOSSY_UTF8 =
  /[\xc2-\xdf]\x1a|[\xc2-\xc3]\?|\xed[\xa0-\xaf][\x1a?]\xed[\xb0-\xbf][\x1a?\x80-\xbf]|\xed[\xa0-\xaf][\x1a?\x80-\xbf]\xed[\xb0-\xbf][\x1a?]|[\xe0-\xef][\x1a?][\x1a\x80-\xbf]|[\xe0-\xef][\x1a\x80-\xbf][\x1a?]|[\xf0-\xf4][\x1a?][\x1a\x80-\xbf][\x1a\x80-\xbf]|[\xf0-\xf4][\x1a\x80-\xbf][\x1a?][\x1a\x80-\xbf]|[\xf0-\xf4][\x1a\x80-\xbf][\x1a\x80-\xbf][\x1a?]|\x1a/g;
const replaceLossySequences = (bin: string): string => bin.replace(LOSSY_UTF8, '\xef\xbf\xbd');

// ---------------------------------------------------------------------------------------------
// Mojibake detection (our heuristic).
//
// UTF-8 read as a single-byte code page turns every multi-byte character into a "lead" character
// (the code page's character for byte C2–DF / E0–EF / F0–F4) followed by 1–3 "continuation"
// characters (bytes 80–BF). Real text rarely contains such a sequence when a continuation
// character is not a letter (“Ã©”, “â€””, “Ð¿”), when the lead is Â/Ã (U+0080–U+00FF as
// latin-1/cp1252 mojibake: “Ãº”), or when two such pairs follow each other (Cyrillic read as
// cp1251: “РїСЂ”). Those three signs, or any C1 control character, make text "bad"; the repair
// itself is only kept when the whole text (or the detected run) decodes as valid UTF-8.

const DETECT_PAGES: CodepageName[] = [
  'latin-1',
  'sloppy-windows-1252',
  'sloppy-windows-1251',
  'sloppy-windows-1250',
  'sloppy-windows-1253',
  'sloppy-windows-1254',
  'sloppy-windows-1257',
  'iso-8859-2',
];

const esc = (ch: string) => `\\u{${ch.codePointAt(0)!.toString(16)}}`;
function charClass(chars: Iterable<string>): string {
  return `[${Array.from(new Set(chars)).map(esc).join('')}]`;
}
function byteChars(name: CodepageName, from: number, to: number): string[] {
  const d = codepage(name).decode;
  const out: string[] = [];
  for (let b = from; b <= to; b++) out.push(d[b]!);
  return out;
}

interface PageDetector {
  suspicious: RegExp;
}
const pageDetectors: PageDetector[] = DETECT_PAGES.map((name) => {
  const lead2 = charClass(byteChars(name, 0xc2, 0xdf));
  const lead3 = charClass(byteChars(name, 0xe0, 0xef));
  const lead4 = charClass(byteChars(name, 0xf0, 0xf4));
  const contChars = byteChars(name, 0x80, 0xbf);
  const cont = charClass(contChars);
  const contNonLetter = charClass(contChars.filter((c) => !/\p{L}/u.test(c)));
  const aHat = charClass(byteChars(name, 0xc2, 0xc3));
  const seq = `(?:${lead2}${cont}|${lead3}${cont}{2}|${lead4}${cont}{3})`;
  const suspicious = new RegExp(
    [
      `${lead2}${contNonLetter}`,
      `${lead3}(?:${contNonLetter}${cont}|${cont}${contNonLetter})`,
      `${lead4}(?:${contNonLetter}${cont}{2}|${cont}${contNonLetter}${cont}|${cont}{2}${contNonLetter})`,
      `${aHat}${cont}`,
      `${seq}{2}`,
    ].join('|'),
    'u',
  );
  return { suspicious };
});

const C1 = /[\x80-\x9f]/;

/** Does the text look like it contains UTF-8 mojibake (or C1 controls)? */
export function looksLikeMojibake(text: string): boolean {
  if (C1.test(text)) return true;
  return pageDetectors.some((d) => d.suspicious.test(text));
}

// Runs of UTF-8-shaped sequences in any of the detection code pages (for mixed text).
const UTF8_RUN = (() => {
  const all = (from: number, to: number) => DETECT_PAGES.flatMap((n) => byteChars(n, from, to));
  const cont = charClass(all(0x80, 0xbf));
  const seq = `(?:${charClass(all(0xc2, 0xdf))}${cont}|${charClass(all(0xe0, 0xef))}${cont}{2}|${charClass(all(0xf0, 0xf4))}${cont}{3})`;
  return new RegExp(`(?<!${cont})${seq}+`, 'gu');
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
    ALTERED_UTF8.lastIndex = 0;
    if (enc !== 'macroman' && new RegExp(ALTERED_UTF8.source).test(bin)) bin = restoreByteA0(bin);
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
  for (;;) {
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

/** Python `str.strip()` with no arguments. */
export const pyStrip = (t: string): string => t.replace(STRIP_EDGES, '');

/** Python `str.lower()`. JS toLowerCase applies the same default (non-locale) full mappings, incl. İ → i̇ and final sigma. */
export const pyLower = (t: string): string => t.toLowerCase();

/** The whole cleaning ImageBind applies before BPE (§2.2). */
export function cleanText(text: string): string {
  let t = fixText(text);
  t = htmlUnescape(htmlUnescape(t));
  t = pyStrip(t);
  t = t.replace(WHITESPACE_RUN, ' ');
  t = pyStrip(t);
  return pyLower(t);
}

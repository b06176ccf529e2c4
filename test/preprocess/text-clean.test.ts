// The cleaning steps compared one by one with CPython (/usr/bin/python3, standard library only).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { htmlUnescape } from '../../src-main/preprocess/text/html-unescape';
import { execFileSync as run } from 'node:child_process';
import { cleanText, collapseWhitespace, fixText, looksLikeMojibake, pyLower, pyStrip } from '../../src-main/preprocess/text/text-clean';

import { describeWithPython, PY_REGEX, PYTHON as PY, type PythonNeed } from '../helpers/reference-tools';

const PY_STDLIB: PythonNeed = { modules: ['json', 'html', 'unicodedata'], apt: ['python3'] };

/** Run `fn(s)` in Python for each string; strings travel as JSON (ASCII-escaped, lone surrogates allowed). */
function python(expr: string, inputs: string[]): string[] {
  const code = `import sys, json, html, unicodedata\nxs = json.loads(sys.stdin.read())\nprint(json.dumps([${expr} for s in xs]))`;
  const out = execFileSync(PY, ['-c', code], { input: JSON.stringify(inputs), encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out) as string[];
}

const HTML_CASES = [
  '&amp; &lt;b&gt; &quot;q&quot; &#39;a&#39; &amp;amp;',
  '&amp &ampx &notin; &notit; &not &noti &AElig &AEligx',
  '&#128; &#x80; &#150; &#x9F; &#0; &#13; &#x0d; &#1; &#11; &#127; &#x10FFFF; &#x110000; &#99999999999999;',
  '&#xD800; &#55296; &#65535; &#xFDD0; &#x1F600; &#x1f600 &#65 &#x41x',
  '&; &#; &#x; &unknown; & amp; &&amp;amp;',
  '&thetasym; &ThickSpace; &NotNestedGreaterGreater; &bne; &fjlig;',
  'a&copyb &copy2 &COPY &Copy; &LT &lt= ',
  '&' + 'a'.repeat(40) + ';',
  '&amp;lt;b&amp;gt;',
];

/** Deterministic pseudo-random strings over an alphabet (pieces may be multi-character). */
function randomStrings(seed: number, count: number, piece: (rnd: () => number) => string, maxLen: number): string[] {
  let st = seed;
  const rnd = () => (st = (st * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    const n = 1 + Math.floor(rnd() * maxLen);
    for (let j = 0; j < n; j++) s += piece(rnd);
    out.push(s);
  }
  return out;
}

describeWithPython('html.unescape port', PY_STDLIB, () => {
  it('matches Python on entity edge cases', () => {
    const want = python('html.unescape(s)', HTML_CASES);
    HTML_CASES.forEach((s, i) => expect(htmlUnescape(s), s).toBe(want[i]));
  });

  it('matches Python on 5000 random entity soups', () => {
    const names = ['amp', 'amp;', 'lt', 'notin;', 'not', 'copy', 'AElig', 'Eacute;', 'thetasym;', 'fjlig;', 'bne;', 'NotNestedGreaterGreater;', 'xyz'];
    const alphabet = ['&', '#', 'x', ';', '0', '9', 'a', 'F', ' ', '<', 'é', '😀'];
    const piece = (rnd: () => number) => {
      const p = rnd();
      if (p < 0.3) return '&' + names[Math.floor(rnd() * names.length)];
      if (p < 0.4) return '&#' + Math.floor(rnd() * 1_200_000);
      if (p < 0.45) return '&#x' + Math.floor(rnd() * 0x120000).toString(16);
      return alphabet[Math.floor(rnd() * alphabet.length)]!;
    };
    const xs = randomStrings(1, 5000, piece, 12);
    const want = python('html.unescape(s)', xs);
    const bad = xs.filter((s, i) => htmlUnescape(s) !== want[i]);
    expect(bad).toEqual([]);
  });
});

describeWithPython('str.lower / str.strip / NFC against Python', PY_STDLIB, () => {
  it('lower-cases every code point like Python (ignoring characters newer than its Unicode)', () => {
    const chars: string[] = [];
    for (let c = 0; c < 0x110000; c++) if (c < 0xd800 || c > 0xdfff) chars.push(String.fromCodePoint(c));
    const info = JSON.parse(
      execFileSync(PY, ['-c', 'import json,sys,unicodedata\nxs=json.loads(sys.stdin.read())\nprint(json.dumps([[s.lower(), unicodedata.category(s)] for s in xs]))'], {
        input: JSON.stringify(chars),
        encoding: 'utf8',
        maxBuffer: 256 << 20,
      }),
    ) as [string, string][];
    const diffs: string[] = [];
    chars.forEach((ch, i) => {
      const [low, cat] = info[i]!;
      if (cat === 'Cn') return; // unassigned in Python's Unicode version
      if (pyLower(ch) !== low) diffs.push(ch.codePointAt(0)!.toString(16));
    });
    expect(diffs).toEqual([]);
  });

  it('handles Turkish dotted I, final sigma and other context-sensitive strings like Python', () => {
    const cases = ['İSTANBUL', 'IĞDIR ıi', 'ΟΔΥΣΣΕΥΣ', 'ΣΑΣ. Σ ΑΣ-Β ΑΣ\u0301', 'ὈΔΥΣΣΕΎΣ', 'ǅ ǈ ǋ ǲ', 'ẞ SS', 'Ω K Å', '\u0130\u0307'];
    const want = python('s.lower()', cases);
    cases.forEach((s, i) => expect(pyLower(s), s).toBe(want[i]));
  });

  it('matches Python on 5000 random strings around final sigma, dotted I and case-ignorables', () => {
    const alphabet = Array.from("ΣσςΑΒaBİIı \u0307\u0301'.-\u00ad\u200d1ΌẞǅΩK𐐀𞤀\u0345");
    const xs = randomStrings(2, 5000, (rnd) => alphabet[Math.floor(rnd() * alphabet.length)]!, 8);
    const want = python('s.lower()', xs);
    expect(xs.filter((s, i) => pyLower(s) !== want[i])).toEqual([]);
  });

  it('strip() uses str.isspace()', () => {
    const cases = ['\x1c\x1f a b \x85\u3000', '\ufeff x \ufeff', '\u200b y \u200b', '\t\n\v\f\r z \xa0'];
    const want = python('s.strip()', cases);
    cases.forEach((s, i) => expect(pyStrip(s), JSON.stringify(s)).toBe(want[i]));
  });

  it('NFC (the last ftfy step) equals unicodedata.normalize', () => {
    const cases = ['e\u0301', 'A\u030a\u0327', '\u1e9b\u0323', '\u1100\u1161\u11a8', '한국어', 'Å', 'q\u0307\u0323', 'ᾼ\u0345'];
    const want = python('unicodedata.normalize("NFC", s)', cases);
    cases.forEach((s, i) => expect(fixText(s), s).toBe(want[i]));
  });
});

describeWithPython('whitespace collapse vs the Python regex package', PY_REGEX, () => {
  it('\\s+ → " " over every BMP code point', () => {
    const chars: string[] = [];
    for (let c = 0; c < 0x10000; c++) if (c < 0xd800 || c > 0xdfff) chars.push(`a${String.fromCharCode(c)}${String.fromCharCode(c)}b`);
    const code = 'import sys, json, regex\nxs = json.loads(sys.stdin.read())\nprint(json.dumps([regex.sub(r"\\s+", " ", s) for s in xs]))';
    const want = JSON.parse(run(PY, ['-c', code], { input: JSON.stringify(chars), encoding: 'utf8', maxBuffer: 64 << 20 })) as string[];
    const diffs = chars.filter((s, i) => collapseWhitespace(s) !== want[i]).map((s) => s.charCodeAt(1).toString(16));
    expect(diffs).toEqual([]);
  });
});

describe('ftfy steps (documented ftfy 6.3 behaviour)', () => {
  const cases: [string, string][] = [
    ['cafÃ©', 'café'],
    ['naÃ¯ve cafÃ© â€” a test', 'naïve café — a test'],
    ['The Mona Lisa doesnÃƒÂ¢Ã¢â€šÂ¬Ã¢â€žÂ¢t have eyebrows.', "The Mona Lisa doesn't have eyebrows."],
    ['Ð¿Ñ€Ð¸Ð²ÐµÑ‚', 'привет'],
    ['РїСЂРёСЏС‚РЅРѕСЃС‚Рё', 'приятности'],
    ['weiÃŸ', 'weiß'],
    ['wei√ü', 'weiß'],
    ['Â£5 and Ã  la carte', '£5 and à la carte'],
    // mixed text (’ blocks a whole-text repair): the run "Ã " is repaired with its 0xA0 restored
    ['les frais de dÃ©placement relatifs Ã l’utilisation', "les frais de déplacement relatifs à l'utilisation"],
    ['SlovenÄ\ufffdina', 'Sloven\ufffdina'],
    ['“ÉTÉ…” NESTLÉ® l’été', '"ÉTÉ…" NESTLÉ® l\'été'],
    ['â€œlossyâ€\ufffd', '"lossy\ufffd'],
    ['Ã¼ber 日本 tschÃ¼ss', 'über 日本 tschüss'],
    ['â€œquotedâ€\x9d', '"quoted"'],
    ['Café naïve résumé', 'Café naïve résumé'],
    ['ΑΘΉΝΑ Ελλάδα', 'ΑΘΉΝΑ Ελλάδα'],
    ['русский текст', 'русский текст'],
    ['\x80uro \x96 dash', '€uro – dash'],
    ['“Curly” ‘single’ ‚low‛', '"Curly" \'single\' \'low\''],
    ['ﬁne ﬂour ﬀ ĳ', 'fine flour ff ij'],
    ['ＦＵＬＬ　ｗｉｄｔｈ！ ｶﾀｶﾅ', 'FULL width! カタカナ'],
    ['a\r\nb\rc\u2028d\u2029e', 'a\nb\nc\nd\ne'],
    // U+0085 is a C1 control: fix_encoding (which runs before fix_line_breaks) reads it as cp1252 '…'
    ['d\u0085e', 'd…e'],
    ['\x1b[31mred\x1b[0m', 'red'],
    ['a\x00b\x07c\x7fd\ufeffe\u206af', 'abcdef'],
    ['e\u0301', 'é'],
    ['&lt;b&gt; &eacute; &EACUTE; &nTILDE;', '<b> é É &nTILDE;'],
    ['<b> &amp; </b>', '<b> &amp; </b>'],
    ['line &amp;\n<tag> &amp;\nnext &amp;', 'line &\n<tag> &amp;\nnext &amp;'],
    ['&#39;x&#39; &#59;', "'x' &#59;"],
    ['…', '…'],
    ['\ud83d lone', '\ufffd lone'],
  ];
  for (const [input, want] of cases) {
    it(`fixText(${JSON.stringify(input)})`, () => expect(fixText(input)).toBe(want));
  }

  it('mojibake detector: flags mojibake, not ordinary accented/Greek/Cyrillic text', () => {
    for (const bad of ['cafÃ©', 'Ãºltimo', 'â€”', 'Ð¿Ñ€', 'æ—¥æœ¬', 'voilÃ le', 'r√©gime', 'UkrsotsbankвЂ™s', '─îe┼ítina', '×‘×”'])
      expect(looksLikeMojibake(bad), bad).toBe(true);
    for (const good of ['café', 'naïve', 'Straße', 'ΑΘΉΝΑ', 'русский', 'Größe ÜBER', 'Ærø', 'señor ¿qué?', 'ÉTÉ…', 'MAISON®', 'ВІКІ', 'l’été', '5×£35', '√π', 'Ō¬o', '├┤a┼┐'])
      expect(looksLikeMojibake(good), good).toBe(false);
  });

  it('cleanText = fix_text → unescape ×2 → whitespace collapse → lower', () => {
    expect(cleanText('  HTML &amp;amp; &lt;B&gt;\t\tTabs\n  ')).toBe('html & <b> tabs');
    expect(cleanText('<p>&amp;amp;</p>')).toBe('<p>&</p>');
    expect(cleanText('x\x1cy')).toBe('xy');
    expect(cleanText('İ')).toBe('i\u0307');
  });
});

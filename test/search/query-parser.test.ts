import { describe, expect, it } from 'vitest';
import { lookupWords, parseQuery, QuerySyntaxError } from '../../src-main/search/query-parser';

describe('query parser', () => {
  it('parses the documented examples', () => {
    expect(parseQuery('"train" + ./station.jpg - "people"', '/home/u')).toEqual([
      { weight: 1, atom: { kind: 'text', text: 'train' } },
      { weight: 1, atom: { kind: 'image', path: '/home/u/station.jpg' } },
      { weight: -1, atom: { kind: 'text', text: 'people' } },
    ]);
    expect(parseQuery('0.5*"rain"')).toEqual([{ weight: 0.5, atom: { kind: 'text', text: 'rain' } }]);
    expect(parseQuery('item:123 - 0.25 * audio:"/a b/c.dat"')).toEqual([
      { weight: 1, atom: { kind: 'item', id: 123 } },
      { weight: -0.25, atom: { kind: 'audio', path: '/a b/c.dat' } },
    ]);
  });

  it('bare words form one text term; hyphens inside words are text', () => {
    expect(parseQuery('red hip-hop car -"night"')).toEqual([
      { weight: 1, atom: { kind: 'text', text: 'red hip-hop car' } },
      { weight: -1, atom: { kind: 'text', text: 'night' } },
    ]);
    expect(parseQuery('-dogs')).toEqual([{ weight: -1, atom: { kind: 'text', text: 'dogs' } }]);
    expect(parseQuery('"say \\"hi\\""')).toEqual([{ weight: 1, atom: { kind: 'text', text: 'say "hi"' } }]);
    expect(parseQuery('/x/song.FLAC + 2*/x/p.webp')).toEqual([
      { weight: 1, atom: { kind: 'audio', path: '/x/song.FLAC' } },
      { weight: 2, atom: { kind: 'image', path: '/x/p.webp' } },
    ]);
  });

  it('reports errors with a position', () => {
    for (const bad of ['', '   ', '"open', '"a" +', '"a" "b"', 'item:abc', '"a" + + "b"', './notes.txt', '2*', '""']) {
      expect(() => parseQuery(bad), bad).toThrow(QuerySyntaxError);
    }
    expect(() => parseQuery('./notes.txt')).toThrow(/image:PATH or audio:PATH/);
  });
});

describe('the words side on hostile text (issue 15 fuzzer, seed 15 case 3250)', () => {
  it('a 200 000-character quoted term of parentheses parses in linear time (it took 36 s)', () => {
    const q = `"train" + 0.5*"pe${'('.repeat(100_000)}${')'.repeat(100_000)}"`;
    const t0 = performance.now();
    const terms = parseQuery(q, '/tmp');
    expect(terms).toHaveLength(2);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('words are trimmed of punctuation at both ends, astral letters kept, duplicates once', () => {
    expect(lookupWords('"Rain," (heavy) —storm!! 𠀀x𠀀 ((x)) a the 𝒜bc𝒜. -- rain')).toEqual(['rain', 'heavy', 'storm', '𠀀x𠀀', '𝒜bc𝒜']);
  });
});

import { describe, expect, it } from 'vitest';
import { fuseRankings, RRF_K } from '../../src-main/search/fusion';
import { ftsWord, groupExpr, keywordExprs } from '../../src-main/search/keyword-query';
import { parseQuery, parseSearchQuery, QuerySyntaxError } from '../../src-main/search/query-parser';

describe('reciprocal-rank fusion', () => {
  it('follows the formula, normalised so first-in-both scores 1', () => {
    const f = fuseRankings([7, 3], [3, 9, 7], 0.5);
    const want = (rw: number | null, rm: number | null) => ((rw ? 0.5 / (RRF_K + rw) : 0) + (rm ? 0.5 / (RRF_K + rm) : 0)) * (RRF_K + 1);
    const by = new Map(f.map((x) => [x.itemId, x]));
    expect(by.get(7)!.fused).toBeCloseTo(want(1, 3), 12);
    expect(by.get(3)!.fused).toBeCloseTo(want(2, 1), 12);
    expect(by.get(9)!.fused).toBeCloseTo(want(null, 2), 12);
    expect(f.map((x) => x.itemId)).toEqual([3, 7, 9]); // 1/62 + 1/61 > 1/61 + 1/63
    expect(fuseRankings([1], [1])[0]!.fused).toBeCloseTo(1, 12);
    expect(by.get(9)).toMatchObject({ wordsRank: null, meaningRank: 2 });
  });

  it('a words hit anywhere in the meaning list beats the meaning-only leader; balance moves it', () => {
    const meaning = Array.from({ length: 500 }, (_, i) => i + 1); // item 1 first by meaning
    const f = fuseRankings([400], meaning, 0.5);
    expect(f[0]!.itemId).toBe(400);
    // meaning only: the words list counts for nothing
    expect(fuseRankings([400], meaning, 0)[0]!.itemId).toBe(1);
    // words only
    expect(fuseRankings([400, 2], meaning, 1).slice(0, 2).map((x) => x.itemId)).toEqual([400, 2]);
    expect(() => fuseRankings([], [], 1.5)).toThrow(/balance/);
  });

  it('partial words matches rank after a gap of K', () => {
    // item 2 matched all words, item 1 only some; item 1 leads by meaning
    const f = fuseRankings([2, 1], [1, 3, 4, 2], 0.5, RRF_K, 1);
    expect(f[0]!.itemId).toBe(2);
    const by = new Map(f.map((x) => [x.itemId, x]));
    expect(by.get(1)!.fused).toBeCloseTo((0.5 / (RRF_K + 2 + RRF_K) + 0.5 / (RRF_K + 1)) * (RRF_K + 1), 12);
    expect(by.get(1)!.wordsRank).toBe(2);
  });

  it('ties break by words rank, then meaning rank, then id', () => {
    const f = fuseRankings([5, 6], [6, 5], 0.5);
    expect(f[0]!.fused).toBeCloseTo(f[1]!.fused, 12);
    expect(f.map((x) => x.itemId)).toEqual([5, 6]);
  });
});

describe('field terms, exclusions and phrases', () => {
  it('join the combined-query syntax without changing its terms', () => {
    const p = parseSearchQuery('desc:rain cat:AMB "exact phrase" -traffic -cat:VEH title:"old barn" + 0.5*item:4', '/h');
    expect(p.terms).toEqual([
      { weight: 1, atom: { kind: 'text', text: 'exact phrase' } },
      { weight: -1, atom: { kind: 'text', text: 'traffic' } },
      { weight: 0.5, atom: { kind: 'item', id: 4 } },
    ]);
    expect(p.keywords.must).toEqual([
      { words: ['rain'], phrase: false, columns: ['desc'] },
      { words: ['amb'], phrase: false, columns: ['cat'], exact: true },
      { words: ['old barn'], phrase: true, columns: ['title'] },
    ]);
    expect(p.keywords.not).toEqual([
      { words: ['veh'], phrase: false, columns: ['cat'], exact: true },
      { words: ['traffic'], phrase: false, columns: null },
    ]);
    expect(p.keywords.should).toEqual([{ words: ['exact phrase'], phrase: true, columns: null }]);
  });

  it('bare words: stop words are not looked up; a weighted negative only pushes away by meaning', () => {
    expect(parseSearchQuery('an audio of train').keywords.should).toEqual([{ words: ['audio', 'train'], phrase: false, columns: null }]);
    const p = parseSearchQuery('rain - 0.5*"traffic"');
    expect(p.keywords.not).toEqual([]);
    expect(p.terms[1]).toEqual({ weight: -0.5, atom: { kind: 'text', text: 'traffic' } });
    // a field term between bare words does not split the text term
    expect(parseSearchQuery('door desc:old creak').terms).toEqual([{ weight: 1, atom: { kind: 'text', text: 'door creak' } }]);
    // field terms alone are a query (words only); exclusions alone are not
    expect(parseSearchQuery('cat:AMB').terms).toEqual([]);
    expect(() => parseSearchQuery('-cat:AMB')).toThrow(/besides exclusions/);
    // unknown prefixes stay what they were: text / paths / items
    expect(parseQuery('note:x')).toEqual([{ weight: 1, atom: { kind: 'text', text: 'note:x' } }]);
    expect(() => parseSearchQuery('rain -')).toThrow(QuerySyntaxError);
    expect(() => parseSearchQuery('desc:""')).toThrow(QuerySyntaxError);
  });

  it('build safe FTS5 expressions (quoted words, prefixes from 3 characters, column filters)', () => {
    expect(ftsWord('door')).toBe('"door"*');
    expect(ftsWord('ab')).toBe('"ab"');
    expect(ftsWord('say"hi')).toBe('"say""hi"*');
    expect(groupExpr({ words: ['door', 'wood'], phrase: false, columns: null })).toBe('("door"* AND "wood"*)');
    expect(groupExpr({ words: ['old barn'], phrase: true, columns: ['title'] })).toBe('{title} : ("old barn")');
    expect(groupExpr({ words: ['rain'], phrase: false, columns: ['name', 'folder'] })).toBe('{name folder} : ("rain"*)');
    const e = keywordExprs(parseSearchQuery('door wood -traffic cat:DOOR').keywords);
    expect(e).toEqual({
      strict: '("door"* AND "wood"*)',
      loose: '("door"* OR "wood"*)',
      must: '{cat} : ("door")',
      not: '"traffic"*',
      highlight: '(("door"* OR "wood"*)) OR ({cat} : ("door"))',
      highlightExact: '(("door" OR "wood")) OR ({cat} : ("door"))',
    });
  });
});

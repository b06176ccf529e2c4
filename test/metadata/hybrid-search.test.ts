import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Library } from '../../src-main/library/library';
import { openLibrary, PACK, tempDir, type EncodeCounter } from '../library/helpers';
import { makeImage, makeWav } from '../library/media';
import { repoRoot } from '../helpers/fixtures';
import { writeMetadataLibrary } from './fixtures';

const CLI = join(repoRoot, 'bin', 'molecule.js');
let t: ReturnType<typeof tempDir>;
let lib: Library;
let counts: EncodeCounter;
let files: Record<string, string>;
let db: string;
const idOf = new Map<string, number>();
const id = (k: string) => idOf.get(files[k]!)!;

beforeAll(async () => {
  t = tempDir('hybrid');
  const root = join(t.dir, 'lib');
  files = await writeMetadataLibrary(root);
  // filler the meaning side ranks too (the test pack's embeddings are random: meaning alone finds nothing in particular)
  for (let i = 0; i < 12; i++) makeWav(join(root, 'misc', `take${i}.wav`), i, 1 + (i % 3) * 0.5);
  for (let i = 0; i < 8; i++) await makeImage(join(root, 'misc', `frame${i}.png`), i);
  db = join(t.dir, 'db.sqlite');
  ({ lib, counts } = await openLibrary(db));
  const s = await lib.indexFolders([root]);
  expect(s.failed).toBe(0);
  for (const it of (await lib.listItems({ sort: 'name', offset: 0, limit: 100 })).items) idOf.set(it.path, it.id);
}, 120_000);
afterAll(async () => {
  await lib?.close();
  t?.cleanup();
});

describe('one search box: words and meaning', () => {
  it('an exact description ranks first, with its words highlighted; other hits say "by meaning"', async () => {
    for (const text of ['Old barn door wood creak, slow hinge groan', 'door wood creak', 'doors creaking']) {
      const r = await lib.search({ text, k: 10 });
      expect(r.results[0]!.itemId, text).toBe(id('bwf'));
      const why = r.results[0]!.why!;
      expect(why.words!.field).toBe('desc');
      const hits = why.words!.segments.filter((s) => s.hit).map((s) => s.text.toLowerCase());
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.some((h) => h.startsWith('door') || h.startsWith('creak'))).toBe(true);
      expect(r.results[0]!.score).toBeGreaterThan(r.results[1]!.score);
      expect(r.results[0]!.cosine).toBeTypeOf('number');
      const byMeaning = r.results.filter((h) => !h.why!.words);
      expect(byMeaning.length).toBeGreaterThan(0);
      for (const h of byMeaning) expect(h.why!.meaning).toBe(true);
    }
    // a word still being typed ("gro") is highlighted through its prefix (whole tokens are tried first)
    const typing = await lib.search({ text: 'hinge gro', k: 5 });
    expect(typing.results[0]!.itemId).toBe(id('bwf'));
    expect(typing.results[0]!.why!.words!.segments.filter((s) => s.hit).map((s) => s.text.toLowerCase())).toEqual(expect.arrayContaining(['hinge', 'groan']));
    // the same holds per metadata kind
    const first = async (q: string) => (await lib.search({ query: q, k: 5 })).results[0]!.itemId;
    expect(await first('distant thunder rumbling')).toBe(id('mp3'));
    expect(await first('babbling creek')).toBe(id('flac'));
    expect(await first('market stalls')).toBe(id('ogg'));
    expect(await first('fishing boats harbour')).toBe(id('jpeg'));
    expect(await first('night street hum')).toBe(id('ucs'));
  });

  it('field terms restrict, exclusions remove, phrases match exact words', async () => {
    const ids = async (q: string, k = 50) => (await lib.search({ query: q, k })).results.map((h) => h.itemId);
    expect(await ids('cat:AMB')).toEqual([id('ucs')]);
    expect(await ids('desc:thunder')).toEqual([id('mp3')]);
    expect(await ids('camera:fujifilm')).toEqual([id('jpeg')]);
    // words + field term: meaning ranks only within the field's matches
    expect(await ids('sound cat:DOOR')).toEqual([id('bwf')]);
    const all = await ids('recording');
    const noThunder = await ids('recording -thunder');
    expect(all).toContain(id('mp3'));
    expect(noThunder).not.toContain(id('mp3'));
    expect(noThunder.length).toBe(all.length - 1);
    expect(await ids('recording -cat:crowd')).not.toContain(id('ogg'));
    // phrase: "fishing boats" matches; "boats fishing" (same words, other order) is no phrase hit
    const phrase = await lib.search({ query: '"fishing boats"', k: 5 });
    expect(phrase.results[0]!.itemId).toBe(id('jpeg'));
    const wrongOrder = await lib.search({ query: '"boats fishing"', k: 50 });
    expect(wrongOrder.results.every((h) => h.why!.words === null)).toBe(true);
    // target and filters apply to words hits too
    expect((await lib.search({ query: 'harbour', in: 'audio', k: 50 })).results.every((h) => h.modality === 'audio')).toBe(true);
  });

  it('the balance is a setting: 0 = the meaning ranking exactly, 1 = words first; rerank needs no model run', async () => {
    const meaningOnly = await lib.search({ query: 'item:' + id('flac'), k: 30 });
    const r = await lib.search({ text: 'door wood creak', k: 30, wordsBalance: 0 });
    const pure = await lib.search({ query: '0.999999*"door wood creak"', k: 30 }); // weighted: same meaning, no words lookup? (words still looked up)
    expect(pure.results.length).toBeGreaterThan(0);
    expect(meaningOnly.results[0]!.itemId).toBe(id('flac'));
    const texts = counts.texts;
    const words1 = await lib.rerank(r.queryId, r.factors, 1);
    expect(words1.results[0]!.itemId).toBe(id('bwf'));
    const back = await lib.rerank(r.queryId, r.factors, 0);
    expect(back.results.map((h) => h.itemId)).toEqual(r.results.map((h) => h.itemId));
    // balance 0 keeps the meaning order: cosines non-increasing
    const cos = back.results.map((h) => h.cosine!);
    for (let i = 1; i < cos.length; i++) expect(cos[i]!).toBeLessThanOrEqual(cos[i - 1]! + 1e-12);
    expect(counts.texts).toBe(texts);
    // a query with field terms and exclusions re-fuses without a model run too
    const q = await lib.search({ query: 'creak -traffic cat:DOOR', k: 30 });
    const t2 = counts.texts;
    await lib.rerank(q.queryId, q.factors, 0.9);
    await lib.rerank(q.queryId, { text: 0.3, audio: 0.2 }, 0.1);
    expect(counts.texts).toBe(t2);
  });

  it('a meaning-only query is unchanged: score is the cosine, every hit says "by meaning"', async () => {
    const r = await lib.search({ itemId: id('jpeg'), k: 5 });
    expect(r.results[0]!.itemId).toBe(id('jpeg'));
    expect(r.results[0]!.score).toBeGreaterThan(0.999);
    for (const h of r.results) expect(h.why).toMatchObject({ words: null, meaning: true });
  });

  it('molecule search accepts the new syntax', () => {
    const run = (...a: string[]) => spawnSync(process.execPath, [CLI, 'search', '--db', db, '--pack', PACK, '--no-checksums', ...a], { encoding: 'utf8' });
    const j = run('--query', 'creak -traffic cat:DOOR', '--json');
    expect(j.status, j.stderr).toBe(0);
    const out = JSON.parse(j.stdout);
    expect(out.results.map((r: { path: string }) => r.path)).toEqual([files.bwf]);
    expect(out.results[0].why.words.field).toBe('desc');
    const h = run('--text', 'distant thunder', '-k', '3');
    expect(h.status, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/thunder\.mp3\t.*desc: \[distant\] \[thunder\] rumbling/);
    expect(h.stdout).toMatch(/by meaning/);
    const bad = run('--query', 'rain -');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/query syntax error/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Library } from '../../src-main/library/library';
import { openLibrary, tempDir, type EncodeCounter } from '../library/helpers';
import { writeMetadataLibrary } from './fixtures';

let t: ReturnType<typeof tempDir>;
let lib: Library;
let counts: EncodeCounter;
let files: Record<string, string>;
const idOf = new Map<string, number>();

beforeAll(async () => {
  t = tempDir('meta-index');
  files = await writeMetadataLibrary(join(t.dir, 'lib'));
  ({ lib, counts } = await openLibrary(join(t.dir, 'db.sqlite')));
  const s = await lib.indexFolders([join(t.dir, 'lib')]);
  expect(s.failures).toEqual([]);
  expect(s.indexed).toBe(7);
  const { items } = await lib.listItems({ sort: 'name', offset: 0, limit: 100 });
  for (const it of items) idOf.set(it.path, it.id);
}, 120_000);
afterAll(async () => {
  await lib?.close();
  t?.cleanup();
});

describe('metadata at indexing time', () => {
  it('is stored and shown with the item', async () => {
    const bwf = (await lib.item(idOf.get(files.bwf!)!))!;
    expect(bwf.meta?.bext?.description).toBe('Old barn door wood creak, slow hinge groan');
    expect(bwf.metaGroups.map((g) => g.title)).toContain('iXML');
    // BWF origination date is the item's date (wall clock read as UTC, like EXIF)
    expect(bwf.date).toBe(Date.UTC(2024, 4, 1, 6, 15, 0));
    const jpg = (await lib.item(idOf.get(files.jpeg!)!))!;
    expect(jpg.meta?.camera?.model).toBe('X-T4');
    expect(jpg.date).toBe(Date.UTC(2024, 4, 1, 6, 20, 0));
    for (const p of Object.values(files)) expect((await lib.item(idOf.get(p)!))!.meta, p).not.toBeNull();
  });

  it('every field is searchable in the full-text index (field by field)', () => {
    const ti = lib.textIndex;
    ti.refresh();
    expect(ti.pending()).toBe(0);
    const one = (expr: string) => [...ti.matchAll(expr)];
    const expectOnly = (expr: string, path: string) => expect(one(expr), expr).toEqual([idOf.get(path)]);
    expectOnly('desc : "hinge"', files.bwf!); // bext description
    expectOnly('source : "12A"', files.bwf!); // iXML scene
    expectOnly('desc : "gulls" NOT folder : photos', files.bwf!); // iXML note
    expectOnly('cat : "DOORWood"', files.bwf!); // iXML UCS CatID
    expectOnly('gear : "MKH416"', files.bwf!); // iXML microphone
    expectOnly('people : "Zoom"', files.bwf!); // bext originator
    expectOnly('desc : "windy"', files.bwf!); // INFO ICMT
    expectOnly('cat : "Foley"', files.bwf!); // INFO IGNR
    expectOnly('cat : "AMB" AND cat : "Urbn"', files.ucs!); // UCS file name
    expectOnly('title : "night street"', files.ucs!);
    expectOnly('title : "thunder"', files.mp3!); // ID3 TIT2
    expectOnly('people : "storm"', files.mp3!); // TPE1
    expectOnly('source : "weather"', files.mp3!); // TALB
    expectOnly('desc : "rumbling"', files.mp3!); // COMM
    expectOnly('cat : "ambience"', files.mp3!); // TCON
    expectOnly('other : "ominous"', files.mp3!); // TXXX
    expectOnly('desc : "babbling"', files.flac!); // FLAC Vorbis DESCRIPTION
    expectOnly('keywords : "stream"', files.flac!);
    expectOnly('other : "MS pair"', files.flac!);
    expectOnly('desc : "stalls"', files.ogg!); // Ogg Vorbis COMMENT
    expectOnly('cat : "crowd"', files.ogg!);
    expectOnly('gear : "X-T4"', files.jpeg!); // EXIF model
    expectOnly('gear : "XF23mmF2"', files.jpeg!); // lens
    expectOnly('title : "harbour" AND title : "dawn"', files.jpeg!); // XMP title
    expectOnly('keywords : "gulls"', files.jpeg!); // XMP subject
    expectOnly('desc : "madrid"', files.jpeg2!); // XMP description
    expectOnly('name : "creek"', files.flac!); // file name
    expectOnly('folder : "crowds"', files.ogg!); // folder name
    // stemming and prefixes
    expectOnly('desc : "creaks"', files.bwf!);
    expectOnly('desc : "rumbl"*', files.mp3!);
  });

  it("the user's confirmed tags are searchable, and follow edits", async () => {
    const id = idOf.get(files.flac!)!;
    lib.database.prepare("INSERT INTO user_tags(item_id, vocab_id, label_id, name, state, at) VALUES (?, 'v', 'l', 'riverbank', 'confirmed', 0)").run(id);
    lib.textIndex.refresh();
    expect([...lib.textIndex.matchAll('tags : "riverbank"')]).toEqual([id]);
    lib.database.prepare('DELETE FROM user_tags WHERE item_id = ?').run(id);
    lib.textIndex.refresh();
    expect(lib.textIndex.matchAll('tags : "riverbank"').size).toBe(0);
  });

  it('a library indexed before metadata existed gets it on the next scan, without re-encoding', async () => {
    lib.database.exec('DELETE FROM item_meta');
    const before = counts.audios + counts.images;
    const s = await lib.indexFolders([join(t.dir, 'lib')]);
    expect(s.unchanged).toBe(7);
    expect(counts.audios + counts.images).toBe(before);
    expect(Number((lib.database.prepare('SELECT COUNT(*) AS n FROM item_meta').get() as { n: number }).n)).toBe(7);
    expect((await lib.item(idOf.get(files.mp3!)!))!.meta?.title).toBe('Thunder roll');
  });
});

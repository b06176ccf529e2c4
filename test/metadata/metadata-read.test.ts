import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAudioMetadata } from '../../src-main/metadata/audio';
import { readPhotoMetadata } from '../../src-main/metadata/photo';
import { parseUcsName, splitCatId } from '../../src-main/metadata/ucs';
import { searchFields, displayGroups } from '../../src-main/metadata/views';
import { writeMetadataLibrary } from './fixtures';
import * as T from './tagged-media';

let dir: string;
let files: Record<string, string>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'molecule-meta-'));
  files = await writeMetadataLibrary(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded metadata readers', () => {
  it('BWF: bext, iXML (incl. UCS USER fields and LOCATION_GPS) and RIFF INFO', async () => {
    const m = await readAudioMetadata(files.bwf!);
    expect(m.bext).toMatchObject({
      description: 'Old barn door wood creak, slow hinge groan', originator: 'Zoom F8', originatorReference: 'ZF8-0042',
      originationDate: '2024-05-01', originationTime: '06:15:00', timeReference: 1036800000, version: 1,
    });
    expect(m.bext!.codingHistory).toContain('A=PCM,F=48000');
    expect(m.ixml).toMatchObject({ project: 'Harbour Film', scene: '12A', take: '3', note: 'gulls overhead', circled: true, location: 'Harbour wall', tracks: ['MKH416'] });
    expect(m.ixml!.ucs).toMatchObject({ CATID: 'DOORWood', CATEGORY: 'DOORS', SUBCATEGORY: 'WOOD', FXNAME: 'Creak Slow', DESIGNER: 'Jane Doe' });
    expect(m.info).toEqual({ INAM: 'Barn door', IART: 'J. Doe', ICMT: 'recorded on a windy morning', IGNR: 'Foley', ICOP: 'CC BY 4.0' });
    expect(m.ucs).toMatchObject({ catId: 'DOORWood', category: 'DOOR', subCategory: 'Wood', categoryFull: 'DOORS', subCategoryFull: 'WOOD', from: 'ixml' });
    expect(m.description).toBe('Old barn door wood creak, slow hinge groan');
    expect(m.title).toBe('Creak Slow');
    expect(m.keywords).toEqual(['barn', 'hinge']);
    expect(m.gps).toEqual({ lat: 52.3701, lon: -4.8833 });
    expect(m.capturedAt).toBe(Date.UTC(2024, 4, 1, 6, 15, 0));
    expect(m.capturedFrom).toBe('bext');
    expect(m.bitsPerSample).toBe(24);
  });

  it('UCS file name without any tags: category, sub-category, name, creator, source', async () => {
    const m = await readAudioMetadata(files.ucs!);
    expect(m.ucs).toEqual({ catId: 'AMBUrbn', category: 'AMB', subCategory: 'Urbn', fxName: 'Night Street Hum', creatorId: 'MS', sourceId: 'CITYLIB', from: 'filename' });
    expect(m.title).toBe('Night Street Hum');
    expect(parseUcsName('GUNAuto_Burst Long_XY_WPNLIB_take2.wav')).toMatchObject({ category: 'GUN', subCategory: 'Auto', userData: 'take2' });
    expect(parseUcsName('my holiday recording.wav')).toBeNull();
    expect(parseUcsName('field_rec_01_a.wav')).toBeNull(); // "field" is no CatID
    expect(splitCatId('UIClick')).toEqual({ category: 'UI', subCategory: 'Click' });
  });

  it('ID3v2 (title, artist, album, comment, genre, TXXX) in an MP3', async () => {
    const m = await readAudioMetadata(files.mp3!);
    expect(m).toMatchObject({ title: 'Thunder roll', artist: 'Storm Company', album: 'Weather Vol 2', description: 'distant thunder rumbling over hills', genre: ['Ambience'] });
    expect(m.extra).toEqual({ MOOD: 'ominous', RECORDIST: 'Pat Lee' });
  });

  it('Vorbis comments in FLAC and Ogg', async () => {
    const f = await readAudioMetadata(files.flac!);
    expect(f).toMatchObject({ title: 'Creek', artist: 'River Recordings', description: 'babbling creek over stones', keywords: ['water', 'stream'], bitsPerSample: 16 });
    expect(f.extra).toEqual({ MICROPHONE: 'MS pair' });
    const o = await readAudioMetadata(files.ogg!);
    expect(o).toMatchObject({ title: 'Market', description: 'busy market voices and stalls', genre: ['Crowd'], gps: { lat: 40.4168, lon: -3.7038 } });
  });

  it('JPEG: EXIF camera + lens, GPS, capture time, XMP title/description/keywords', async () => {
    const m = await readPhotoMetadata(files.jpeg!);
    expect(m.camera).toMatchObject({ make: 'Fujifilm', model: 'X-T4', lens: 'XF23mmF2 R WR' });
    expect(m.gps!.lat).toBeCloseTo(52.3702, 4);
    expect(m.gps!.lon).toBeCloseTo(-4.8831, 4);
    expect(m.capturedAt).toBe(Date.UTC(2024, 4, 1, 6, 20, 0));
    expect(m).toMatchObject({ title: 'Harbour at dawn', description: 'Fishing boats and gulls at the harbour wall', keywords: ['harbour', 'boats', 'gulls'] });
  });

  it('JPEG with IPTC-IIM only (no XMP): object name, caption, keywords, by-line, copyright', async () => {
    const p = join(dir, 'iptc', 'pier.jpg');
    await T.writeJpegWithIptc(p, { title: 'Old pier', caption: 'Waves under the old pier at low tide', keywords: ['pier', 'waves', 'tide'], byline: 'Ann Shore', copyright: 'CC BY 4.0' });
    const m = await readPhotoMetadata(p);
    expect(m).toMatchObject({ title: 'Old pier', description: 'Waves under the old pier at low tide', keywords: ['pier', 'waves', 'tide'], creator: 'Ann Shore', copyright: 'CC BY 4.0' });
    expect(searchFields(m, [p], []).desc).toContain('low tide');
  });

  it('search columns and display groups carry every field', async () => {
    const m = await readAudioMetadata(files.bwf!);
    const f = searchFields(m, [files.bwf!], ['creaky']);
    expect(f.desc).toContain('slow hinge groan');
    expect(f.cat).toContain('DOORWood');
    expect(f.people).toContain('Jane Doe');
    expect(f.source).toContain('Harbour Film');
    expect(f.gear).toContain('MKH416');
    expect(f.tags).toBe('creaky');
    expect(f.name).toContain('Creak Slow Old Barn');
    expect(f.folder).toContain('doors');
    const titles = displayGroups(m).map((g) => g.title);
    expect(titles).toEqual(['Description', 'UCS', 'Broadcast WAV (bext)', 'iXML', 'RIFF INFO', 'Location', 'Encoding']);
  });

  it('lying chunk headers and broken XML: no throw, no huge allocation, a warning, the rest still read', async () => {
    const bad = join(dir, 'bad.wav');
    T.writeBwf(bad, { seconds: 0.5, bext: { description: 'ok', originator: 'x', originationDate: '', originationTime: '', timeReference: 0 }, ixml: '<BWFXML><PROJECT>unterminated' });
    let b = readFileSync(bad);
    const ix = b.indexOf('iXML');
    b.writeUInt32LE(0xfffffff0, ix + 4); // iXML claims 4 GiB
    writeFileSync(bad, b);
    const m = await readAudioMetadata(bad);
    expect(m.bext?.description).toBe('ok');
    expect(m.ixml).toBeUndefined();
    // a bext chunk larger than any real one is refused before reading
    b = readFileSync(files.bwf!);
    const bx = b.indexOf('bext');
    const big = Buffer.concat([b.subarray(0, bx + 4), Buffer.from([0, 0, 0x10, 0]), b.subarray(bx + 8), Buffer.alloc(0x100000)]);
    writeFileSync(bad, big);
    const m2 = await readAudioMetadata(bad);
    expect(m2.bext).toBeUndefined();
    expect(m2.warnings?.join(' ')).toMatch(/bext chunk unreadable/);
    // not audio at all / not an image at all
    writeFileSync(bad, Buffer.from('definitely not audio'));
    await expect(readAudioMetadata(bad)).resolves.toBeTypeOf('object');
    await expect(readPhotoMetadata(bad)).resolves.toEqual({});
  });
});

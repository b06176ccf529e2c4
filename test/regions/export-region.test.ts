import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseFile } from 'music-metadata';
import { exportRegion, ORIGINATOR, RegionError } from '../../src-main/regions/export-region';
import { planDrag } from '../../src-main/regions/drag-out';
import { readWavLayout } from '../../src-main/metadata/riff';
import { decodeAudio } from '../../src-main/preprocess/audio/decode';
import { openLibrary, tempDir } from '../library/helpers';
import { repoRoot } from '../helpers/fixtures';
import * as T from '../metadata/tagged-media';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
let t: ReturnType<typeof tempDir>;
let bwf: string;
let pcm: Buffer;
const IXML = T.ixmlDoc({ project: 'Harbour Film', scene: '12A', take: '3', note: 'gulls', user: { CATID: 'DOORWood' } });

beforeAll(() => {
  t = tempDir('regions');
  bwf = join(t.dir, 'src', 'DOORWood_Creak_JD_LIB.wav');
  pcm = T.writeBwf(bwf, {
    sampleRate: 48000, bits: 24, channels: 2, seconds: 3, seed: 4,
    bext: { description: 'barn door creak', originator: 'Zoom F8', originatorReference: 'ZF8-1', originationDate: '2024-05-01', originationTime: '06:15:00', timeReference: 1036800000 },
    ixml: IXML,
  });
});
afterAll(() => t?.cleanup());

/** The data chunk of a WAV file, read by our walker. */
async function dataOf(p: string) {
  const l = await readWavLayout(p);
  return { l, bytes: readFileSync(p).subarray(l.data!.offset, l.data!.offset + l.data!.size) };
}

describe('regions out', () => {
  it('WAV source: samples bit-identical, fmt kept, bext valid (read back by music-metadata), iXML carried over, source untouched', async () => {
    const before = sha(bwf);
    const out = join(t.dir, 'out', 'creak.wav');
    mkdirSync(join(t.dir, 'out'), { recursive: true });
    const r = await exportRegion({ source: bwf, startSec: 0.5, endSec: 1.25, out, description: 'creak, the loud part' });
    expect(r).toMatchObject({ path: out, sampleRate: 48000, channels: 2, bitsPerSample: 24, float: false, startFrame: 24000, frames: 36000, from: 'wav-bytes' });
    const { l, bytes } = await dataOf(out);
    const block = 2 * 3;
    expect(Buffer.compare(bytes, pcm.subarray(24000 * block, 60000 * block))).toBe(0);
    expect(l.fmt).toMatchObject({ formatTag: 1, channels: 2, sampleRate: 48000, bitsPerSample: 24, blockAlign: 6 });
    // bext, by an independent parser
    const mm = await parseFile(out);
    const tags = Object.fromEntries(mm.native.exif!.map((x) => [x.id, x.value]));
    expect(tags['bext.description']).toBe('creak, the loud part');
    expect(tags['bext.originator']).toBe(ORIGINATOR);
    expect(tags['bext.originatorReference']).toBe('ZF8-1');
    expect(tags['bext.originationDate']).toBe('2024-05-01');
    expect(tags['bext.timeReferenceLow'] as number + (tags['bext.timeReferenceHigh'] as number) * 2 ** 32).toBe(1036800000 + 24000);
    expect(mm.format).toMatchObject({ sampleRate: 48000, bitsPerSample: 24, numberOfChannels: 2 });
    expect(mm.format.duration).toBeCloseTo(0.75, 6);
    // iXML byte for byte
    const ix = l.chunks.find((c) => c.id === 'iXML')!;
    expect(readFileSync(out).subarray(ix.offset, ix.offset + ix.size).toString('utf8')).toBe(IXML);
    expect(sha(bwf)).toBe(before);
  });

  it('never overwrites: a second export gets a free name; the first file is unchanged', async () => {
    const out = join(t.dir, 'out', 'twice.wav');
    const a = await exportRegion({ source: bwf, startSec: 0, endSec: 0.1, out });
    const ha = sha(a.path);
    const b = await exportRegion({ source: bwf, startSec: 1, endSec: 1.1, out });
    expect(b.path).toBe(join(t.dir, 'out', 'twice (2).wav'));
    expect(sha(a.path)).toBe(ha);
    const c = await exportRegion({ source: bwf, startSec: 1, endSec: 1.1, out: join(t.dir, 'out'), outIsDir: true });
    expect(c.path).toBe(join(t.dir, 'out', 'DOORWood_Creak_JD_LIB_1-1.1s.wav'));
    await expect(exportRegion({ source: bwf, startSec: 0, endSec: 1, out: bwf })).rejects.toThrow(/replace its source/);
    // the region is clamped to the end of the sound; bad spans are refused with a reason
    const end = await exportRegion({ source: bwf, startSec: 2.5, endSec: 99, out: join(t.dir, 'out', 'tail.wav') });
    expect(end.frames).toBe(24000);
    await expect(exportRegion({ source: bwf, startSec: 2, endSec: 1, out: join(t.dir, 'x.wav') })).rejects.toThrow(RegionError);
    await expect(exportRegion({ source: bwf, startSec: 5, endSec: 6, out: join(t.dir, 'x.wav') })).rejects.toThrow(/after the end/);
    expect(existsSync(join(t.dir, 'x.wav'))).toBe(false);
  });

  it('FLAC source: its 16-bit samples come back exactly; MP3 (lossy): the decoder output as 32-bit float', async () => {
    const flac = join(T.AUDIO_DATA, 'flac-s16.flac');
    const before = sha(flac);
    const r = await exportRegion({ source: flac, startSec: 0.1, endSec: 0.4, out: join(t.dir, 'out', 'flac.wav') });
    expect(r).toMatchObject({ bitsPerSample: 16, float: false, from: 'lossless-decode' });
    const dec = await decodeAudio(flac);
    const s0 = Math.round(0.1 * dec.sampleRate);
    const { bytes } = await dataOf(r.path);
    const nc = dec.channels.length;
    for (let i = 0; i < r.frames; i++) for (let c = 0; c < nc; c++) expect(bytes.readInt16LE((i * nc + c) * 2)).toBe(dec.channels[c]![s0 + i]! * 32768);
    expect(sha(flac)).toBe(before);
    const mp3 = join(T.AUDIO_DATA, 'mp3-64k.mp3');
    const m = await exportRegion({ source: mp3, startSec: 0.2, endSec: 0.3, out: join(t.dir, 'out', 'mp3.wav') });
    expect(m).toMatchObject({ bitsPerSample: 32, float: true, from: 'lossy-decode' });
    const dm = await decodeAudio(mp3);
    const d = await dataOf(m.path);
    expect(d.l.fmt!.formatTag).toBe(3);
    const m0 = Math.round(0.2 * dm.sampleRate);
    for (let i = 0; i < m.frames; i += 97) expect(d.bytes.readFloatLE(i * dm.channels.length * 4)).toBe(dm.channels[0]![m0 + i]!);
  });

  it('molecule export-region writes the WAV of a library item', async () => {
    const db = join(t.dir, 'db.sqlite');
    const { lib } = await openLibrary(db);
    await lib.indexFolders([join(t.dir, 'src')]);
    const id = (await lib.listItems({ sort: 'name', offset: 0, limit: 5 })).items[0]!.id;
    await lib.close();
    const out = join(t.dir, 'cli', 'r.wav');
    mkdirSync(join(t.dir, 'cli'), { recursive: true });
    const cli = (...a: string[]) => spawnSync(process.execPath, [join(repoRoot, 'bin', 'molecule.js'), 'export-region', '--db', db, ...a], { encoding: 'utf8' });
    const r = cli('--item', String(id), '--start', '1', '--end', '2', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: bwf, path: out, frames: 48000, bitsPerSample: 24 });
    const { bytes } = await dataOf(out);
    expect(Buffer.compare(bytes, pcm.subarray(48000 * 6, 96000 * 6))).toBe(0);
    const again = cli('--item', String(id), '--start', '1', '--end', '2', '--out', out);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('r (2).wav');
    expect(cli('--item', '999', '--start', '0', '--end', '1', '--out', out).stderr).toMatch(/no library item 999/);
    expect(cli('--item', String(id), '--start', '1', '--out', out).status).toBe(2);
  }, 60_000);

  it('drag-out plan: only library files and exports, existing, absolute', () => {
    const ctx = { allowedDirs: [join(t.dir, 'src'), join(t.dir, 'out')], icon: '/icons/drag.png', exists: existsSync };
    expect(planDrag({ files: [bwf] }, ctx)).toEqual({ item: { file: bwf, icon: '/icons/drag.png' } });
    const two = planDrag({ files: [bwf, join(t.dir, 'out', 'creak.wav')] }, ctx);
    expect(two).toMatchObject({ item: { file: bwf, files: [bwf, join(t.dir, 'out', 'creak.wav')] } });
    expect(planDrag({ files: ['/etc/passwd'] }, ctx)).toEqual({ error: '/etc/passwd is neither in the library nor an export' });
    expect(planDrag({ files: [`${t.dir}/src/../db.sqlite`] }, ctx)).toMatchObject({ error: expect.stringMatching(/normalised/) });
    expect(planDrag({ files: ['relative.wav'] }, ctx)).toMatchObject({ error: expect.stringMatching(/absolute/) });
    expect(planDrag({ files: [join(t.dir, 'out', 'gone.wav')] }, ctx)).toMatchObject({ error: expect.stringMatching(/does not exist/) });
    expect(planDrag({ files: [] }, ctx)).toEqual({ error: 'nothing to drag' });
    writeFileSync(join(t.dir, 'outside.wav'), 'x');
    expect(planDrag({ files: [join(t.dir, 'out-of', 'x.wav')] }, ctx)).toMatchObject({ error: expect.stringMatching(/neither/) });
  });
});

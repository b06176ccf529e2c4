import { describe, expect, it } from 'vitest';
import { CHANNELS, ValidationError, validateRequest, type Channel } from '../../src-main/ipc/contract/contract';

const f = { text: 0.1, audio: 0.5 };
const long = (n: number) => 'x'.repeat(n);

/** For every channel: payloads that must pass, and payloads that must be rejected (with a message fragment). */
const cases: Record<Channel, { good: unknown[]; bad: [unknown, string][] }> = {
  'app:info': { good: [{}, undefined], bad: [[{ x: 1 }, 'unknown field "x"'], ['hi', 'must be an object']] },
  'settings:get': { good: [{}], bad: [[[], 'must be an object']] },
  'settings:set': {
    good: [{ theme: 'light' }, { preset: 'custom', customFactors: { text: 0, audio: 1 } }, { welcomeDone: true }, {}],
    bad: [
      [{ theme: 'pink' }, 'must be one of "dark", "light"'],
      [{ customFactors: { text: 1.5, audio: 0.5 } }, 'between 0 and 1'],
      [{ customFactors: { text: Number.NaN, audio: 0.5 } }, 'finite number'],
      [{ preset: 'fast' }, 'must be one of'],
      [{ welcomeDone: 'yes' }, 'true or false'],
      [{ activePack: '' }, 'at least 1'],
      [{ roots: [] }, 'unknown field "roots"'],
    ],
  },
  'dialog:openFolder': { good: [{}], bad: [[{ path: '/x' }, 'unknown field']] },
  'library:roots': { good: [{}], bad: [[5, 'must be an object']] },
  'library:addRoot': {
    good: [{ path: '/home/ann/Pictures' }, { path: 'C:\\Users\\ann\\Music' }, { path: '\\\\nas\\share' }],
    bad: [
      [{ path: 'Pictures' }, 'absolute path'],
      [{ path: '../etc' }, 'absolute path'],
      [{ path: '' }, 'at least 1'],
      [{ path: '/a\0b' }, 'NUL'],
      [{ path: '/' + long(5000) }, 'too long'],
      [{}, 'library:addRoot.path is required'],
      [{ path: 42 }, 'must be a string'],
    ],
  },
  'library:removeRoot': { good: [{ id: 3 }], bad: [[{ id: 0 }, 'between 1'], [{ id: 1.5 }, 'integer'], [{ id: '3' }, 'finite number']] },
  'library:installDemo': { good: [{}], bad: [[{ force: true }, 'unknown field']] },
  'library:list': {
    good: [
      { sort: 'name', offset: 0, limit: 100 },
      { sort: 'date', descending: true, offset: 500, limit: 2000, modality: 'audio', folder: '/m', dateFrom: 0, dateTo: 1e12, minDuration: 1, maxDuration: 9 },
    ],
    bad: [
      [{ sort: 'size', offset: 0, limit: 10 }, 'must be one of'],
      [{ sort: 'name', offset: -1, limit: 10 }, 'between 0'],
      [{ sort: 'name', offset: 0, limit: 5000 }, 'between 1 and 2000'],
      [{ sort: 'name', offset: 0, limit: 10, modality: 'text' }, 'must be one of "image", "audio", "video"'],
      [{ sort: 'name', offset: 0, limit: 10, folder: 'rel/dir' }, 'absolute path'],
      [{ offset: 0, limit: 10 }, 'sort is required'],
    ],
  },
  'library:item': { good: [{ id: 1 }], bad: [[{ id: -4 }, 'between 1'], [{}, 'required']] },
  'library:peaks': {
    good: [{ ids: [1, 2, 3], buckets: 48 }, { ids: [], buckets: 8 }],
    bad: [
      [{ ids: [1], buckets: 4 }, 'between 8 and 1024'],
      [{ ids: Array(501).fill(1), buckets: 32 }, 'too many entries'],
      [{ ids: [1] }, 'buckets is required'],
    ],
  },
  'library:failures': { good: [{}], bad: [[{ a: 1 }, 'unknown field']] },
  'index:start': { good: [{}, { roots: [1, 2] }], bad: [[{ roots: [0] }, 'between 1'], [{ roots: 'all' }, 'must be an array']] },
  'index:pause': { good: [{ jobId: 'job-1' }], bad: [[{ jobId: 'a b' }, 'not a job id'], [{ jobId: '' }, 'at least 1']] },
  'index:resume': { good: [{ jobId: 'j:2' }], bad: [[{ jobId: '../x' }, 'not a job id']] },
  'index:cancel': { good: [{ jobId: 'abc' }], bad: [[{}, 'required']] },
  'search:run': {
    good: [
      { text: 'a dog barking' },
      { imagePath: '/p/a.jpg', in: 'audio', k: 50, factors: f },
      { audioPath: '/p/a.wav', preset: 'at-expertise', minScore: 0.1 },
      { itemId: 7, in: 'all', filters: { folder: '/p', minDuration: 1 } },
      { query: '"train" + /p/station.jpg - "people"' },
    ],
    bad: [
      [{}, 'give exactly one of'],
      [{ text: 'a', itemId: 2 }, 'give exactly one of'],
      [{ text: '' }, 'at least 1'],
      [{ text: long(2001) }, 'too long'],
      [{ imagePath: 'a.jpg' }, 'absolute path'],
      [{ text: 'x', k: 0 }, 'between 1 and 1000'],
      [{ text: 'x', in: 'text' }, 'must be one of'],
      [{ text: 'x', preset: 'custom' }, 'must be one of "versatile", "at-expertise"'],
      [{ text: 'x', preset: 'versatile', factors: f }, 'either preset or factors'],
      [{ text: 'x', factors: { text: 0.1 } }, 'factors.audio is required'],
      [{ text: 'x', filters: { folder: 'x' } }, 'absolute path'],
      [{ text: 'x', extra: 1 }, 'unknown field "extra"'],
    ],
  },
  'search:rerank': {
    good: [{ queryId: 'q1', factors: f }, { queryId: 'q1', factors: f, wordsBalance: 0.7 }],
    bad: [
      [{ queryId: 'q1', factors: { text: -0.1, audio: 0 } }, 'between 0 and 1'],
      [{ factors: f }, 'queryId is required'],
    ],
  },
  'query:upload': {
    good: [{ name: 'dog.jpg', dataBase64: 'AAECAw==' }],
    bad: [
      [{ name: '../dog.jpg', dataBase64: 'AAECAw==' }, 'file name without folders'],
      [{ name: 'a\\b.wav', dataBase64: 'AAECAw==' }, 'file name without folders'],
      [{ name: 'dog.jpg', dataBase64: 'not base64!' }, 'base64'],
    ],
  },
  'space:matrix': {
    good: [
      {
        imageIds: [1, 2],
        audioIds: [3],
        texts: ['an audio of train'],
        presets: [
          { label: 'Versatile', factors: f },
          { label: 'AT Expertise', factors: { text: 0.5, audio: 0.8 } },
        ],
      },
    ],
    bad: [
      [{ imageIds: [1], audioIds: [], texts: [], presets: [{ label: 'A', factors: f }, { label: 'B', factors: f }] }, 'at least two'],
      [{ imageIds: [1, 2], audioIds: [], texts: [], presets: [{ label: 'A', factors: f }] }, 'must be a pair'],
      [{ imageIds: Array(17).fill(1), audioIds: [], texts: [], presets: [{ label: 'A', factors: f }, { label: 'B', factors: f }] }, 'too many entries'],
    ],
  },
  'packs:list': { good: [{}], bad: [[{ all: true }, 'unknown field']] },
  'packs:import': { good: [{ path: '/home/ann/packs/ib-pp' }], bad: [[{ path: 'packs/ib' }, 'absolute path']] },
  'packs:activate': {
    good: [{ id: 'ib-pp-test' }, { id: 'ib-pp-test', dir: '/home/ann/packs/ib-pp-test' }],
    bad: [[{ id: '' }, 'at least 1'], [{ id: 4 }, 'must be a string'], [{ id: 'ib-pp-test', dir: 'packs/ib-pp-test' }, 'absolute path']],
  },
  'packs:lookUp': { good: [{ source: 'org/pack@v1' }, { source: 'https://example.org/p/pack.json' }], bad: [[{ source: '' }, 'at least 1'], [{ source: long(2049) }, 'too long'], [{}, 'is required']] },
  'packs:download': {
    good: [{ source: 'org/pack', licenceSha256: 'a'.repeat(64) }, { source: 'org/pack', licenceSha256: 'a'.repeat(64), commit: 'b'.repeat(40), replace: true }],
    bad: [
      [{ source: 'org/pack' }, 'licenceSha256'],
      [{ source: 'org/pack', licenceSha256: 'A'.repeat(64) }, 'a sha256'],
      [{ source: 'org/pack', licenceSha256: 'a'.repeat(64), commit: 'main'.repeat(10) }, 'a commit id'],
      [{ source: 'org/pack', licenceSha256: 'a'.repeat(64), replace: 'yes' }, 'true or false'],
    ],
  },
  'packs:downloadPause': { good: [{ jobId: 'download-1-ab' }], bad: [[{ jobId: 'a b' }, 'a job id']] },
  'packs:downloadCancel': { good: [{ jobId: 'download-1-ab' }], bad: [[{}, 'is required']] },
  'packs:downloads': { good: [{}], bad: [[{ x: 1 }, 'unknown field']] },
  'packs:discardDownload': { good: [{ id: 'ib-pp-test' }], bad: [[{ id: '../x' }, 'a pack id'], [{ id: 'IB' }, 'a pack id']] },
  'packs:recommend': { good: [{}], bad: [[{ all: 1 }, 'unknown field']] },
  'engine:status': { good: [{}], bad: [[{ verbose: 1 }, 'unknown field']] },
  'tags:vocabularies': { good: [{}], bad: [[{ all: 1 }, 'unknown field']] },
  'tags:vocabulary': { good: [{ id: 'audioset' }, { id: 'my-vocab_2' }], bad: [[{ id: 'Bad Id' }, 'vocabulary id'], [{}, 'id is required']] },
  'tags:saveVocabulary': {
    good: [
      { id: 'kitchen', name: 'Kitchen', target: 'audio', labels: 'appliance > kettle\nappliance > blender' },
      { id: 'k2', name: '', target: 'image', promptTemplate: 'a picture of {label}', labels: 'cat' },
    ],
    bad: [
      [{ id: 'kitchen', name: 'K', target: 'video', labels: 'x' }, 'must be one of "image", "audio", "all"'],
      [{ id: 'kitchen', name: 'K', target: 'audio', promptTemplate: 'a sound', labels: 'x' }, 'must contain {label}'],
      [{ id: 'kitchen', name: 'K', target: 'audio', labels: '' }, 'at least 1'],
      [{ id: '../x', name: 'K', target: 'audio', labels: 'x' }, 'vocabulary id'],
    ],
  },
  'tags:deleteVocabulary': { good: [{ id: 'kitchen' }], bad: [[{ id: '' }, 'at least 1'], [{ id: 3 }, 'must be a string']] },
  'tags:items': {
    good: [{ vocab: 'audioset', itemIds: [1, 2] }, { vocab: 'photo', itemIds: [5], top: 10, threshold: 0.2, factors: f }],
    bad: [
      [{ vocab: 'audioset', itemIds: [] }, 'at least 1'],
      [{ vocab: 'audioset', itemIds: Array(501).fill(1) }, 'too many entries'],
      [{ vocab: 'audioset', itemIds: [1], threshold: 2 }, 'between -1 and 1'],
      [{ vocab: 'audioset', itemIds: [1], top: 0 }, 'between 1 and 100'],
    ],
  },
  'tags:set': {
    good: [{ itemId: 3, vocab: 'esc50', labelId: 'dog', state: 'confirmed' }, { itemId: 3, vocab: 'audioset', labelId: '/m/0bt9lr', state: 'removed' }],
    bad: [
      [{ itemId: 3, vocab: 'esc50', labelId: 'dog', state: 'maybe' }, 'must be one of "confirmed", "removed"'],
      [{ itemId: 3, vocab: 'esc50', labelId: '', state: 'confirmed' }, 'at least 1'],
      [{ vocab: 'esc50', labelId: 'dog', state: 'confirmed' }, 'itemId is required'],
    ],
  },
  'tags:clear': { good: [{ itemId: 1, vocab: 'esc50', labelId: 'rain' }], bad: [[{ itemId: 1, vocab: 'esc50' }, 'labelId is required']] },
  'tags:itemsWithTag': {
    good: [{ vocab: 'esc50', labelId: 'rain' }, { vocab: 'esc50', labelId: 'rain', top: 3, threshold: 0, factors: f }],
    bad: [[{ vocab: 'esc50' }, 'labelId is required'], [{ vocab: 'esc50', labelId: 'rain', factors: { text: 2, audio: 0 } }, 'between 0 and 1']],
  },
  'tags:findLabels': {
    good: [{ vocab: 'audioset', text: 'dog' }, { vocab: 'audioset', text: '', limit: 20 }],
    bad: [[{ vocab: 'audioset', text: long(201) }, 'too long'], [{ vocab: 'audioset', text: 'd', limit: 0 }, 'between 1 and 500']],
  },
  'organise:duplicates': {
    good: [{}, { threshold: 0.95, margin: 0.01 }],
    bad: [[{ threshold: 0.2 }, 'between 0.5 and 1'], [{ margin: -1 }, 'between 0 and 0.5']],
  },
  'organise:trash': {
    good: [{ paths: ['/home/ann/Pictures/a (2).jpg'] }],
    bad: [[{ paths: [] }, 'at least 1'], [{ paths: ['relative.jpg'] }, 'absolute path'], [{ path: '/a' }, 'unknown field']],
  },
  'organise:map': { good: [{}, { factors: f }], bad: [[{ factors: { text: 0.1 } }, 'factors.audio is required'], [{ epochs: 5 }, 'unknown field']] },
  'collections:list': { good: [{}], bad: [[{ kind: 'smart' }, 'unknown field']] },
  'collections:create': {
    good: [
      { name: 'Trip', kind: 'manual' },
      { name: 'Picked', kind: 'manual', itemIds: [1, 2, 3] },
      { name: 'Trains', kind: 'smart', rule: { search: { text: 'a train', in: 'all', k: 20, minScore: 0.2 } } },
      { name: 'Long sounds', kind: 'smart', rule: { filters: { modality: 'audio', minDuration: 10 } } },
    ],
    bad: [
      [{ name: '', kind: 'manual' }, 'at least 1'],
      [{ name: 'S', kind: 'smart' }, 'needs a rule'],
      [{ name: 'S', kind: 'smart', rule: {} }, 'needs a search or filters'],
      [{ name: 'S', kind: 'smart', rule: { search: { text: 'a', itemId: 1 } } }, 'give exactly one of'],
      [{ name: 'S', kind: 'smart', rule: { filters: { folder: 'rel' } } }, 'absolute path'],
      [{ name: 'M', kind: 'manual', rule: { filters: { modality: 'audio' } } }, 'has no rule'],
      [{ name: 'M', kind: 'folder' }, 'must be one of "manual", "smart"'],
    ],
  },
  'collections:rename': { good: [{ id: 1, name: 'New' }], bad: [[{ id: 1, name: '' }, 'at least 1'], [{ id: 0, name: 'x' }, 'between 1']] },
  'collections:remove': { good: [{ id: 2 }], bad: [[{ id: 'x' }, 'finite number']] },
  'collections:add': { good: [{ id: 2, itemIds: [4, 5] }], bad: [[{ id: 2, itemIds: [] }, 'at least 1'], [{ id: 2, itemIds: [1.5] }, 'integer']] },
  'collections:removeItems': { good: [{ id: 2, itemIds: [4] }], bad: [[{ id: 2 }, 'itemIds is required']] },
  'collections:members': { good: [{ id: 9 }], bad: [[{}, 'id is required']] },
  'collections:export': {
    good: [
      { id: 1, format: 'm3u', dest: '/home/ann/Music/trip.m3u' },
      { id: 1, format: 'folder', dest: 'C:\\Users\\ann\\Export' },
      { id: 1, format: 'csv', dest: '/tmp/list.csv' },
    ],
    bad: [
      [{ id: 1, format: 'zip', dest: '/tmp/x' }, 'must be one of "folder", "m3u", "csv"'],
      [{ id: 1, format: 'csv', dest: 'list.csv' }, 'absolute path'],
    ],
  },  'library:sameSession': {
    good: [{ id: 3 }, { id: 3, windowSec: 600, radiusM: 250, factors: f }],
    bad: [
      [{ id: 3, windowSec: 0 }, 'must be between'],
      [{ id: 3, radiusM: -1 }, 'must be between'],
      [{}, 'id is required'],
    ],
  },
  'regions:export': {
    good: [{ itemId: 2, startSec: 1.5, endSec: 3 }, { itemId: 2, startSec: 0, endSec: 0.1, dest: '/home/ann/Export', description: 'creak' }],
    bad: [
      [{ itemId: 2, startSec: 3, endSec: 1 }, 'end after it starts'],
      [{ itemId: 2, startSec: -1, endSec: 1 }, 'must be between'],
      [{ itemId: 2, startSec: 0, endSec: 1, dest: 'relative/dir' }, 'absolute'],
    ],
  },
  'regions:exportMany': {
    good: [{ regions: [{ itemId: 2, startSec: 0, endSec: 1 }] }, { regions: [{ itemId: 2, startSec: 0, endSec: 1 }, { itemId: 3, startSec: 4, endSec: 6 }], dest: '/tmp/x' }],
    bad: [
      [{ regions: [] }, 'at least 1'],
      [{ regions: [{ itemId: 2, startSec: 2, endSec: 2 }] }, 'end after it starts'],
    ],
  },

};

describe('IPC request validation', () => {
  it('has cases for every channel of the contract', () => {
    expect(Object.keys(cases).sort()).toEqual([...CHANNELS].sort());
    for (const c of CHANNELS) {
      expect(cases[c].good.length, c).toBeGreaterThan(0);
      expect(cases[c].bad.length, c).toBeGreaterThan(0);
    }
  });

  for (const channel of CHANNELS) {
    describe(channel, () => {
      it('accepts good payloads', () => {
        for (const p of cases[channel].good) expect(() => validateRequest(channel, p)).not.toThrow();
      });
      it('rejects bad payloads with a message naming the problem', () => {
        for (const [p, msg] of cases[channel].bad) {
          let err: unknown;
          try {
            validateRequest(channel, p);
          } catch (e) {
            err = e;
          }
          expect(err, `${channel} ${JSON.stringify(p)?.slice(0, 80)}`).toBeInstanceOf(ValidationError);
          expect((err as Error).message).toContain(msg);
          expect((err as Error).message).toContain(channel);
        }
      });
    });
  }

  it('rejects unknown channels', () => {
    expect(() => validateRequest('fs:readFile', { path: '/etc/passwd' })).toThrow(/unknown channel "fs:readFile"/);
    expect(() => validateRequest('__proto__', {})).toThrow(/unknown channel/);
    expect(() => validateRequest('toString', {})).toThrow(/unknown channel/);
  });

  it('returns only the known fields', () => {
    const out = validateRequest('search:run', { text: 'rain', k: 5 });
    expect(out).toEqual({ text: 'rain', k: 5 });
  });
});

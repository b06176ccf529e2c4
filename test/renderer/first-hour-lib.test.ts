// Plain helpers of the UI (issue 11, items 4, 7 and 9): typed paths, smart-collection rules in words, pack names, job toasts.
import { describe, expect, it } from 'vitest';
import { resolveUserPath } from '../../src-renderer/src/lib/user-path';
import { describeRule } from '../../src-renderer/src/lib/rules';
import { packDisplayName } from '../../src-renderer/src/lib/packs';
import { jobFinishedText } from '../../src-renderer/src/lib/job-text';
import type { IndexSummary } from '../../src-main/ipc/contract/contract';

describe('resolveUserPath', () => {
  const home = '/home/ada';
  const posix = (t: string) => resolveUserPath(t, home, 'linux');
  it('~ and ~/… are the home folder; a relative path starts there', () => {
    expect(posix('~')).toEqual({ path: '/home/ada', expanded: true });
    expect(posix('~/Pictures')).toEqual({ path: '/home/ada/Pictures', expanded: true });
    expect(posix('Pictures/2024 trip')).toEqual({ path: '/home/ada/Pictures/2024 trip', expanded: true });
    expect(posix('./Music/../Sounds/')).toEqual({ path: '/home/ada/Sounds', expanded: true });
  });
  it('absolute paths stay (normalised); quotes and file:// URLs from a paste are accepted', () => {
    expect(posix('/mnt/media//photos/./x')).toEqual({ path: '/mnt/media/photos/x', expanded: false });
    expect(posix(' "/mnt/My Photos" ')).toEqual({ path: '/mnt/My Photos', expanded: false });
    expect(posix("'~/a b'")).toEqual({ path: '/home/ada/a b', expanded: true });
    expect(posix('file:///mnt/My%20Photos')).toEqual({ path: '/mnt/My Photos', expanded: false });
    expect(posix('/../..')).toEqual({ path: '/', expanded: false });
  });
  it('what cannot be a path is said in plain words', () => {
    expect(posix('   ')).toEqual({ problem: 'Type the path of a folder, e.g. /home/ada/Pictures.' });
    expect(posix('~bob/x')).toEqual({ problem: '“~bob” is not a folder name here: type the full path, e.g. /home/ada/Pictures.' });
  });
  it('Windows: drive letters, UNC shares, backslashes', () => {
    const win = (t: string) => resolveUserPath(t, 'C:\\Users\\Ada', 'win32');
    expect(win('~\\Pictures')).toEqual({ path: 'C:\\Users\\Ada\\Pictures', expanded: true });
    expect(win('Music')).toEqual({ path: 'C:\\Users\\Ada\\Music', expanded: true });
    expect(win('D:/Photos/2024')).toEqual({ path: 'D:\\Photos\\2024', expanded: false });
    expect(win('D:')).toEqual({ path: 'D:\\', expanded: false });
    expect(win('\\\\nas\\media\\photos')).toEqual({ path: '\\\\nas\\media\\photos', expanded: false });
    expect(win('D:Photos')).toEqual({ problem: 'Add a backslash after the drive letter: D:\\Photos' });
  });
});

describe('describeRule', () => {
  it('a saved search reads as a sentence (no stray spaces before commas)', () => {
    expect(describeRule({ search: { text: 'dog barking', k: 6 } })).toBe('The 6 best matches for “dog barking”');
    expect(describeRule({ search: { text: 'rain', in: 'audio', k: 20 } })).toBe('The 20 best matches for “rain” among the sounds');
    expect(describeRule({ search: { query: '"train" + image:"/x/station.jpg" - "people"', k: 12 } })).toBe('The 12 best matches for “train” + station.jpg − “people”');
    expect(describeRule({ search: { itemId: 42 } })).toBe('The 50 best matches for item 42');
  });
  it('filters', () => {
    expect(describeRule({ filters: { modality: 'audio' } })).toBe('Sounds');
    expect(describeRule({ filters: { modality: 'image', root: 3, dateFrom: 1 } })).toBe('Photos in one folder within a date range');
    expect(describeRule({ filters: {} })).toBe('Everything');
    expect(describeRule({ filters: { modality: 'video' } })).toBe('Videos');
    expect(describeRule({ search: { text: 'a train passing', in: 'video', k: 8 }, filters: { modality: 'video' } })).toBe('The 8 best matches for “a train passing” among the videos, only videos');
  });
});

describe('packDisplayName', () => {
  it('a test pack keeps what tells it apart (its badge says "Test pack")', () => {
    expect(packDisplayName({ name: 'TEST PACK — random weights, no semantic meaning (IB_PP, 1024-d)', isTestPack: true })).toBe('IB_PP, 1024-d');
    expect(packDisplayName({ name: 'TEST PACK copy (IB_PP, 1024-d)', isTestPack: true })).toBe('IB_PP, 1024-d');
    expect(packDisplayName({ name: 'My own tiny pack', isTestPack: true })).toBe('My own tiny pack');
    expect(packDisplayName({ name: 'ImageBind + CLAP (IB_PP)', isTestPack: false })).toBe('ImageBind + CLAP (IB_PP)');
  });
});

describe('jobFinishedText', () => {
  const job = (o: Partial<IndexSummary>): IndexSummary => ({ jobId: 'j', phase: 'done', indexed: 0, unchanged: 0, skipped: 0, failed: 0, removed: 0, failures: [], elapsedSec: 1, ...o });
  it('a job the user started always reports, even when nothing was new', () => {
    expect(jobFinishedText(job({ unchanged: 30 }), true)).toEqual({ text: 'Indexing finished: 0 indexed, 30 unchanged, 0 failed', kind: 'ok' });
  });
  it("a watcher's job speaks only when the library changed, and names removed files", () => {
    expect(jobFinishedText(job({ unchanged: 1 }), false)).toBeNull();
    expect(jobFinishedText(job({ indexed: 1, unchanged: 0 }), false)?.text).toBe('Indexing finished: 1 indexed, 0 unchanged, 0 failed');
    expect(jobFinishedText(job({ removed: 2 }), false)?.text).toBe('Indexing finished: 0 indexed, 0 unchanged, 0 failed, 2 removed');
    expect(jobFinishedText(job({ failed: 1 }), false)?.text).toBe('Indexing finished: 0 indexed, 0 unchanged, 1 failed');
  });
  it('an error is always said; a cancelled job is not', () => {
    expect(jobFinishedText(job({ phase: 'error', error: 'disk full' }), false)).toEqual({ text: 'Indexing stopped: disk full', kind: 'error' });
    expect(jobFinishedText(job({ phase: 'cancelled' }), true)).toBeNull();
  });
});

// The UI words engine errors by their wire code (src-renderer/src/lib/error-words.ts).
import { describe, expect, it } from 'vitest';
import { wordError } from '../../src-renderer/src/lib/error-words';

describe('wordError', () => {
  it('leads environmental errors with what they are, so a file is never blamed', () => {
    expect(wordError('disk-full', 'ENOSPC: no space left on device, write')).toBe('The disk is full (nothing is wrong with the file): ENOSPC: no space left on device, write');
    expect(wordError('permission-denied', "EACCES: permission denied, open '/m/a.wav'")).toMatch(/^The system refused access \(permissions; nothing is wrong with the file\): EACCES/);
    expect(wordError('engine-down', 'the engine process exited (code 1)')).toBe('The search engine is not running: the engine process exited (code 1)');
  });
  it('points a bug at the log file, and leaves worded messages as they are', () => {
    expect(wordError('internal', 'Cannot read properties of undefined')).toBe('Cannot read properties of undefined. This is a bug: the log file (About → Report a problem) has the details.');
    expect(wordError('conflict', 'a collection named "A" exists already')).toBe('a collection named "A" exists already');
    expect(wordError(null, '')).toBe('unknown error');
  });
});

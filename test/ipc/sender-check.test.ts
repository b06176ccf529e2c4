import { describe, expect, it } from 'vitest';
import { isOurRendererUrl } from '../../src-main/ipc/server/sender-check';

const page = 'file:///opt/Molecule%20Space/resources/app.asar/out/renderer/index.html';

describe('IPC sender check', () => {
  it('accepts our renderer page, with or without a fragment or query', () => {
    expect(isOurRendererUrl(page, page)).toBe(true);
    expect(isOurRendererUrl(`${page}#/library`, page)).toBe(true);
    expect(isOurRendererUrl(`${page}?x=1`, page)).toBe(true);
  });
  it('refuses other files, other schemes, empty and malformed URLs', () => {
    expect(isOurRendererUrl('file:///tmp/evil.html', page)).toBe(false);
    expect(isOurRendererUrl('file:///opt/Molecule%20Space/resources/app.asar/out/renderer/other.html', page)).toBe(false);
    expect(isOurRendererUrl('https://evil.example/index.html', page)).toBe(false);
    expect(isOurRendererUrl('about:blank', page)).toBe(false);
    expect(isOurRendererUrl('', page)).toBe(false);
    expect(isOurRendererUrl(undefined, page)).toBe(false);
    expect(isOurRendererUrl('not a url', page)).toBe(false);
  });
  it('in development accepts only the dev server origin', () => {
    const dev = 'http://localhost:5173/';
    expect(isOurRendererUrl('http://localhost:5173/index.html', page, dev)).toBe(true);
    expect(isOurRendererUrl('http://localhost:5174/', page, dev)).toBe(false);
    expect(isOurRendererUrl(page, page, dev)).toBe(false);
  });
});

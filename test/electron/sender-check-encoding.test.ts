import { describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { isOurRendererUrl } from '../../src-main/ipc/server/sender-check';

describe('IPC sender check across URL encodings', () => {
  it('accepts our page when Chromium encodes the install path differently from pathToFileURL', () => {
    // A Windows 8.3 short name (ANNSMI~1) or any `~` in the install path: Node's pathToFileURL writes %7E,
    // Chromium's canonical URL (what senderFrame.url reports) has the unreserved `~` unescaped.
    const expected = pathToFileURL('/home/ANNSMI~1/Molécule Space/resources/app.asar/out/renderer/index.html').href;
    expect(expected).toContain('%7E');
    const chromium = 'file:///home/ANNSMI~1/Mol%C3%A9cule%20Space/resources/app.asar/out/renderer/index.html#/search';
    expect(isOurRendererUrl(chromium, expected)).toBe(true);
  });
  it('still refuses a different file whose name only differs by an encoded separator', () => {
    const expected = 'file:///opt/app/out/renderer/index.html';
    expect(isOurRendererUrl('file:///opt/app/out%2Frenderer/index.html', expected)).toBe(false);
    expect(isOurRendererUrl('file:///opt/app/out/renderer/index.html%3F', expected)).toBe(false);
    expect(isOurRendererUrl('file:///opt/app/out/renderer/%E0%A4%A.html', expected)).toBe(false);
  });
});

/**
 * Which frames may call the API: only our renderer page (the built index.html as a file URL, or the dev
 * server's origin in development). Plain module so it is unit-tested without Electron.
 */
export function isOurRendererUrl(frameUrl: string | null | undefined, rendererUrl: string, devServerUrl?: string): boolean {
  if (!frameUrl) return false;
  try {
    const u = new URL(frameUrl);
    if (devServerUrl) return u.origin === new URL(devServerUrl).origin && u.origin !== 'null';
    const expected = new URL(rendererUrl);
    // Chromium and Node's pathToFileURL may percent-encode different characters of an install path
    // (spaces, non-ASCII, `^`, `|`): compare the decoded forms (decodeURI keeps %2F, %23, %3F encoded).
    return u.protocol === expected.protocol && u.host === expected.host && sameDecodedPath(u.pathname, expected.pathname);
  } catch {
    return false;
  }
}

function sameDecodedPath(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return decodeURI(a) === decodeURI(b);
  } catch {
    return false;
  }
}

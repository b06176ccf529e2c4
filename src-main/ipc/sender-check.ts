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
    return u.protocol === expected.protocol && u.host === expected.host && u.pathname === expected.pathname;
  } catch {
    return false;
  }
}

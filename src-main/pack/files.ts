import { createHash } from 'node:crypto';
import { createReadStream, renameSync } from 'node:fs';

/** sha256 of a file, streamed (packs hold multi-GB ONNX files). */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    const s = createReadStream(path);
    s.on('error', reject);
    s.on('data', (d) => h.update(d));
    s.on('end', () => resolve(h.digest('hex')));
  });
}

/**
 * rename, retried for up to ~2 s on EPERM / EACCES / EBUSY: on Windows a file that was just written is often
 * held open for a moment by a virus scanner or the indexer, and renaming its folder fails until it lets go.
 */
export async function renameRetrying(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(from, to);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (attempt >= 20 || !(code === 'EPERM' || code === 'EACCES' || code === 'EBUSY')) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

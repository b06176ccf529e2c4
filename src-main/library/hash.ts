import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 of a file's bytes, streamed (constant memory), hex. `onBytes`: bytes read so far (long files show progress). */
export function hashFile(path: string, onBytes?: (n: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    const s = createReadStream(path, { highWaterMark: 1 << 20 });
    let n = 0;
    s.on('data', (chunk) => {
      h.update(chunk);
      n += chunk.length;
      onBytes?.(n);
    });
    s.on('error', reject);
    s.on('end', () => resolve(h.digest('hex')));
  });
}

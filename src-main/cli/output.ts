import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { Space } from '../space/types';
import type { PackManifest } from '../pack/manifest';

export const TEST_PACK_LABEL = 'TEST PACK — random weights, no semantic meaning';

/** Write a file via a temporary sibling + rename, so a failure never leaves a half-written file. */
export function writeFileAtomic(path: string, data: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Little-endian float32 bytes on any host. */
export function float32LE(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i]!, true);
  return out;
}

/** The pack block of JSON outputs (with the test-pack label when it is one). */
export function packJson(space: Space | (Pick<PackManifest, 'id' | 'name' | 'test' | 'space' | 'dim'>)) {
  const s = 'packId' in space ? { id: space.packId, name: space.packName, test: space.isTestPack, space: space.spaceClass, dim: space.dim } : { id: space.id, name: space.name, test: space.test, space: space.space, dim: space.dim };
  return s.test ? { ...s, label: TEST_PACK_LABEL } : s;
}

/** A one-line header for human output; test packs say so. */
export function packHeader(space: Space): string {
  const base = `pack ${space.packId} (${space.spaceClass}, ${space.dim}-d)`;
  return space.isTestPack ? `[${TEST_PACK_LABEL}] ${base}` : `${base}: ${space.packName}`;
}

export function providersJson(space: Space): Record<string, { provider: string; note: string; tried: { provider: string; error?: string }[] }> {
  const out: Record<string, { provider: string; note: string; tried: { provider: string; error?: string }[] }> = {};
  for (const p of space.providers()) out[p.encoder] = { provider: p.provider, note: p.note, tried: p.tried };
  return out;
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Library, type LibraryOptions } from '../../src-main/library/library';
import { openSpace } from '../../src-main/space/open-space';
import type { Space } from '../../src-main/space/types';
import { repoRoot } from '../helpers/fixtures';

export const PACK = join(repoRoot, 'models', 'test-packs', 'ib-pp-test');

export function tempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `molecule-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Counts how many items went through the encoders (to prove "no re-encode"). */
export interface EncodeCounter {
  images: number;
  audios: number;
  texts: number;
}

export async function openLibrary(dbPath: string, opts: LibraryOptions = {}): Promise<{ lib: Library; counts: EncodeCounter }> {
  const counts: EncodeCounter = { images: 0, audios: 0, texts: 0 };
  const lib = new Library({
    prepWorkers: 0,
    watchDebounceMs: 150,
    ...opts,
    openSpace: async (p) => {
      const s = (await openSpace(p, { checksums: false })) as Space;
      const ei = s.encodeImages.bind(s), ea = s.encodeAudios.bind(s), et = s.embedTexts.bind(s);
      s.encodeImages = async (x) => ((counts.images += x.length), ei(x));
      s.encodeAudios = async (x) => ((counts.audios += x.length), ea(x));
      s.embedTexts = async (x) => ((counts.texts += x.length), et(x));
      return s;
    },
  });
  await lib.open(dbPath, PACK);
  await lib.vectorsReady();
  return { lib, counts };
}

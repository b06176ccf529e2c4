import type { Space } from '../space/types';

/** Opens the engine's Space for a pack (indirection so the library builds before/independently of the engine). */
export async function loadSpace(packDir: string): Promise<Space> {
  void packDir;
  throw new Error('the embedding engine (openSpace) is not available in this build');
}

import { openSpace } from '../space/open-space';
import type { Space } from '../space/types';

/**
 * Opens the engine's Space for a pack. `verified` skips the pack checksum pass (the preprocessing workers
 * open a pack the main thread has already verified; they never create encoder sessions).
 */
export async function loadSpace(packDir: string, opts: { verified?: boolean } = {}): Promise<Space> {
  return openSpace(packDir, { checksums: !opts.verified });
}

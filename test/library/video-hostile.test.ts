/**
 * Videos whose sound track is too short for the encoders' inputs (found by the fuzzer, issue 15): the reason is the
 * file's own, worded as for a recording — not the catch-all "cannot prepare video: …" that stands for a bug.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareVideo } from '../../src-main/library/prepare-video';
import { loadSpace } from '../../src-main/library/space-access';
import { tone, writeVideoFile } from '../helpers/media/video';
import { PACK, tempDir } from './helpers';

const { dir, cleanup } = tempDir('video-hostile');
afterAll(cleanup);

describe('a video whose sound is shorter than one fbank frame (25 ms)', () => {
  it('sound only (MOV, 10 ms of PCM): refused with the audio reason', { timeout: 60_000 }, async () => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'blip.mov');
    await writeVideoFile(file, { format: 'mov', audio: { codec: 'pcm_s16le', sampleRate: 48000, channels: tone(0.01, 48000, 440, 0.3, 1) } });
    const space = await loadSpace(PACK, { verified: true });
    const r = await prepareVideo(space, { path: file, hash: 'e'.repeat(64), size: 1, mtimeMs: 0, thumbDir: join(dir, 'thumbs') }, async () => undefined);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toMatch(/^audio too short for ImageBind: \d+ samples at 16 kHz/);
    expect(r.environmental).toBeUndefined();
  });
});

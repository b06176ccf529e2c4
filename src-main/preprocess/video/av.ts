/**
 * node-av (FFmpeg 8 in a per-platform npm package), loaded on first use so that nothing pays for the native
 * module until a video (or HEIC) is read. FFmpeg's own log goes quiet except for errors: every failure the
 * app cares about comes back as a return code and is reported with the file's reason.
 */
type NodeAvLib = typeof import('node-av/lib');
type NodeAvConst = typeof import('node-av/constants');
export type AvLib = NodeAvLib;
export type AvConst = NodeAvConst;

let loaded: Promise<{ lib: NodeAvLib; c: NodeAvConst }> | null = null;

export function nodeAv(): Promise<{ lib: NodeAvLib; c: NodeAvConst }> {
  loaded ??= (async () => {
    const [lib, c] = await Promise.all([import('node-av/lib'), import('node-av/constants')]);
    lib.Log.setLevel(c.AV_LOG_QUIET);
    return { lib, c };
  })();
  return loaded;
}

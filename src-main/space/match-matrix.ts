/**
 * The match explorer's matrices: images, sounds and texts embedded once, then fused under each preset and
 * compared (row-wise softmax(10·cos), docs/REFERENCE.md §7). Re-fusing for another preset runs no model.
 */
import type { Factors } from '../domain/types';
import { fuse } from './components';
import { similarityMatrix } from './fusion';
import type { EmbeddingComponents, MatrixBlock, MatrixPreset, MatrixResponse, Space } from './types';

/** A named media file (the name labels its row or column). */
export interface NamedFile {
  name: string;
  path: string;
}

export async function matchMatrix(
  space: Space,
  inputs: { images: NamedFile[]; audios: NamedFile[]; texts: string[] },
  presets: MatrixPreset[],
): Promise<MatrixResponse> {
  const { images, audios, texts } = inputs;
  const t0 = performance.now();
  const [ic, ac, tc] = await Promise.all([
    images.length ? space.embedImages(images.map((x) => x.path)) : Promise.resolve([]),
    audios.length ? space.embedAudios(audios.map((x) => x.path)) : Promise.resolve([]),
    texts.length ? space.embedTexts(texts) : Promise.resolve([]),
  ]);
  const encodeMs = performance.now() - t0;
  const fused = (c: EmbeddingComponents[], f: Factors) => c.map((x) => fuse(x, f));
  const block = (rows: string[], cols: string[], a: Float32Array[], b: Float32Array[]): MatrixBlock => {
    if (!a.length || !b.length) return { rows: a.length ? rows : [], cols: b.length ? cols : [], cosine: [], softmax: [] };
    return { rows, cols, ...similarityMatrix(a, b, 10) };
  };
  const iN = images.map((x) => x.name);
  const aN = audios.map((x) => x.name);
  const results = presets.map((preset) => {
    const I = fused(ic, preset.factors);
    const A = fused(ac, preset.factors);
    const T = fused(tc, preset.factors);
    return { preset, audioImage: block(aN, iN, A, I), audioText: block(aN, texts, A, T), imageText: block(iN, texts, I, T) };
  });
  return { results, encodeMs };
}

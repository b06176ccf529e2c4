/** Match explorer selection (kept while navigating, so "Compare" from an item view adds to it). */
import type { MatrixResponse } from '../../../src-main/ipc/contract/contract';

export interface Picked {
  id: number;
  name: string;
  modality: 'image' | 'audio';
  thumbnailPath: string | null;
}

export const explorer = $state({
  picked: [] as Picked[],
  texts: [] as string[],
  presetA: 'versatile' as 'versatile' | 'at-expertise' | 'custom',
  presetB: 'at-expertise' as 'versatile' | 'at-expertise' | 'custom',
  mode: 'softmax' as 'softmax' | 'cosine',
  /** Colour scale: each matrix its own min..max, or one scale over every matrix shown. */
  scale: 'own' as 'own' | 'shared',
  result: null as MatrixResponse | null,
  running: false,
  error: null as string | null,
});

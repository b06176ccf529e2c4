import { extname } from 'node:path';
import type { ItemModality } from './service';

export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif', 'bmp'] as const;
export const AUDIO_EXTENSIONS = ['wav', 'mp3', 'flac', 'ogg', 'oga', 'opus', 'm4a', 'aac'] as const;

const byExt = new Map<string, ItemModality>([
  ...IMAGE_EXTENSIONS.map((e) => [e, 'image'] as const),
  ...AUDIO_EXTENSIONS.map((e) => [e, 'audio'] as const),
]);

/** Modality of a supported file by its extension (case-insensitive), or null. */
export function modalityOf(path: string): ItemModality | null {
  return byExt.get(extname(path).slice(1).toLowerCase()) ?? null;
}

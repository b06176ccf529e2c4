/**
 * The file types the library indexes, by extension. Pure (no node:path), so any layer — and the renderer,
 * through the IPC contract — can use it.
 */
import type { ItemModality } from './types';

/** Decoded by sharp/libvips, except BMP/GIF (own decoders), HEIC/HEIF (FFmpeg HEVC) and camera RAW (embedded preview). */
export const IMAGE_EXTENSIONS = [
  'jpg', 'jpeg', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif', 'bmp', 'heic', 'heif', 'hif',
  'dng', 'cr2', 'cr3', 'nef', 'nrw', 'arw', 'srf', 'sr2', 'raf', 'orf', 'rw2', 'pef', 'srw',
] as const;
export const AUDIO_EXTENSIONS = ['wav', 'mp3', 'flac', 'ogg', 'oga', 'opus', 'm4a', 'aac'] as const;
/** Decoded by FFmpeg (node-av). A file of these with sound only (an audio-only MP4) becomes an audio item. */
export const VIDEO_EXTENSIONS = ['mp4', 'mov', 'm4v', 'mkv', 'webm', 'avi'] as const;

const byExt = new Map<string, ItemModality>([
  ...IMAGE_EXTENSIONS.map((e) => [e, 'image'] as const),
  ...AUDIO_EXTENSIONS.map((e) => [e, 'audio'] as const),
  ...VIDEO_EXTENSIONS.map((e) => [e, 'video'] as const),
]);

/** The extension of the last path segment (either separator), without the dot, lower-cased; '' when none. */
export function extensionOf(path: string): string {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** Modality of a supported file by its extension (case-insensitive), or null. */
export function modalityOf(path: string): ItemModality | null {
  return byExt.get(extensionOf(path)) ?? null;
}

export * from './service';
export { Library, createLibraryService, lastPackDir, type LibraryOptions } from './library';
export { IMAGE_EXTENSIONS, AUDIO_EXTENSIONS, modalityOf } from './formats';

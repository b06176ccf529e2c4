export { downloadPack, lookUpPack, listPartialDownloads, discardPartialDownload, downloadPaths } from './download';
export type { DownloadProgress } from './download';
export { DownloadError, PAUSE, CANCEL } from './errors';
export { parsePackSource } from './source';
export type { RemotePack } from './remote';

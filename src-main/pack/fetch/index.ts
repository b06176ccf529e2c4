export { downloadPack, lookUpPack, listPartialDownloads, discardPartialDownload, downloadPaths } from './download';
export type { DownloadOptions, DownloadProgress, DownloadResult, DownloadPhase, PartialDownload } from './download';
export { DownloadError, PAUSE, CANCEL, type DownloadErrorKind } from './errors';
export { parsePackSource, hfEndpoint, describeSource, type PackSource } from './source';
export type { RemotePack, RemoteFile } from './remote';

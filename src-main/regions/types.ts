/** What a region export wrote (crosses IPC: plain data, no imports). */
export interface RegionResult {
  path: string;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  float: boolean;
  startFrame: number;
  frames: number;
  /** How the samples were made: copied bytes of a WAV, or re-written decoded samples. */
  from: 'wav-bytes' | 'lossless-decode' | 'lossy-decode';
  timeReference: number;
}

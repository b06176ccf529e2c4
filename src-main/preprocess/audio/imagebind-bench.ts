/**
 * Throughput of decode + ImageBind audio preprocessing, for the preprocess benchmark and reports.
 * Figures are seconds of audio per wall-clock second on the calling thread.
 */
import { readFile } from 'node:fs/promises';
import { decodeAudio } from './decode';
import { imagebindAudio, imagebindAudioClips } from './imagebind-audio';

export interface ImagebindAudioBenchRow {
  file: string;
  audioSeconds: number;
  decodeMs: number;
  preprocessMs: number;
  /** audio seconds per second for decode + imagebindAudio (file already in memory) */
  realtimeFactor: number;
  /** same for decode + imagebindAudioClips (every 2 s clip of the recording) */
  clipsRealtimeFactor: number;
}

async function timeMs(fn: () => unknown | Promise<unknown>, repeats: number): Promise<number> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up (JIT, plan caches)
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) await fn();
  return (performance.now() - t0) / repeats;
}

export async function benchImagebindAudio(files: string[], repeats = 5): Promise<ImagebindAudioBenchRow[]> {
  const rows: ImagebindAudioBenchRow[] = [];
  for (const file of files) {
    const bytes = await readFile(file);
    const audio = await decodeAudio(bytes, file);
    const audioSeconds = audio.channels[0]!.length / audio.sampleRate;
    const decodeMs = await timeMs(() => decodeAudio(bytes, file), repeats);
    const preprocessMs = await timeMs(() => imagebindAudio(audio), repeats);
    const clipsMs = await timeMs(() => imagebindAudioClips(audio), Math.max(1, Math.floor(repeats / 2)));
    rows.push({
      file,
      audioSeconds,
      decodeMs,
      preprocessMs,
      realtimeFactor: audioSeconds / ((decodeMs + preprocessMs) / 1000),
      clipsRealtimeFactor: audioSeconds / ((decodeMs + clipsMs) / 1000),
    });
  }
  return rows;
}

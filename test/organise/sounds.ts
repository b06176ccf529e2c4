import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { lcg } from '../helpers/random';

/** Deterministic noise in [−1, 1). */
function rng(seed: number): () => number {
  const u = lcg(seed);
  return () => u() * 2 - 1;
}

/**
 * 16 kHz mono PCM16 WAVs of clearly different kinds of sound (kind = i % 6): a low hum, white noise, a rising
 * sweep, a click train, an amplitude-modulated high tone and a chord — so that unrelated takes are not
 * near-duplicates even under a weak encoder.
 */
export function writeVariedWav(path: string, i: number, seconds: number, sampleRate = 16000): void {
  const n = Math.round(seconds * sampleRate);
  const x = new Float32Array(n);
  const r = rng(1000 + i);
  const kind = i % 6;
  for (let k = 0; k < n; k++) {
    const t = k / sampleRate;
    let v = 0;
    switch (kind) {
      case 0: v = 0.5 * Math.sin(2 * Math.PI * (90 + 7 * i) * t) + 0.2 * Math.sin(2 * Math.PI * 180 * t); break;
      case 1: v = 0.4 * r(); break;
      case 2: v = 0.5 * Math.sin(2 * Math.PI * (200 * t + (3800 / (2 * seconds)) * t * t)); break;
      case 3: v = k % Math.round(sampleRate / (8 + i)) < 40 ? 0.8 * r() : 0; break;
      case 4: v = 0.5 * Math.sin(2 * Math.PI * 3000 * t) * (0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t)); break;
      default: v = 0.2 * (Math.sin(2 * Math.PI * 261.6 * t) + Math.sin(2 * Math.PI * 329.6 * t) + Math.sin(2 * Math.PI * 392 * t)); break;
    }
    x[k] = v;
  }
  mkdirSync(dirname(path), { recursive: true });
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let k = 0; k < n; k++) b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(x[k]! * 32767))), 44 + 2 * k);
  writeFileSync(path, b);
}

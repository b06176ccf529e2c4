/** Hand-made WAV bytes for header tests. */
/** 16-bit PCM WAV of `frames` frames of silence whose header then gets `patch` applied. */
export function wav(frames: number, patch: (b: Buffer) => void = () => undefined, channels = 1, rate = 16000, bits = 16): Buffer {
  const align = channels * (bits / 8);
  const b = Buffer.alloc(44 + frames * align);
  b.write('RIFF', 0); b.writeUInt32LE(36 + frames * align, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(channels, 22); b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * align, 28); b.writeUInt16LE(align, 32); b.writeUInt16LE(bits, 34);
  b.write('data', 36); b.writeUInt32LE(frames * align, 40);
  if (bits === 8) b.fill(128, 44);
  patch(b);
  return b;
}

/** The repro: 16000 samples of silence, fmt rate 0xFFFFFFFF, byte rate 0xFFFFFFFE. */
export const reproWav = () => wav(16000, (b) => (b.writeUInt32LE(0xffffffff, 24), b.writeUInt32LE(0xfffffffe, 28)));


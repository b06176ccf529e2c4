import { CLAP_MAX_LEN, ClapInputError } from './clap-load';

export type ClapNonfusionRule = 'as_is' | 'repeatpad' | 'trunc_center';

/**
 * CLAP-Music (non-fusion) waveform input [480000] from the 48 kHz signal (docs/REFERENCE.md §4.2):
 * longer inputs take the centre window at floor((n − 480000)/2) (deterministic stand-in for the
 * reference's random crop); shorter ones are repeated trunc(480000/n) times and zero-padded.
 */
export function clapNonfusionWaveform(x48: Float32Array): { waveform: Float32Array; rule: ClapNonfusionRule; offset: number; repeats: number } {
  const n = x48.length;
  if (n === 0) throw new ClapInputError('no samples (empty audio)');
  if (n > CLAP_MAX_LEN) {
    const offset = Math.floor((n - CLAP_MAX_LEN) / 2);
    return { waveform: x48.slice(offset, offset + CLAP_MAX_LEN), rule: 'trunc_center', offset, repeats: 1 };
  }
  if (n === CLAP_MAX_LEN) return { waveform: Float32Array.from(x48), rule: 'as_is', offset: 0, repeats: 1 };
  return { waveform: clapRepeatPad(x48), rule: 'repeatpad', offset: 0, repeats: Math.trunc(CLAP_MAX_LEN / n) };
}

/** laion_clap "repeatpad": tile the signal trunc(480000/n) times, then zero-pad to 480000. */
export function clapRepeatPad(x48: Float32Array): Float32Array {
  const n = x48.length;
  if (n === 0) throw new ClapInputError('no samples (empty audio)');
  const out = new Float32Array(CLAP_MAX_LEN);
  const r = Math.trunc(CLAP_MAX_LEN / n);
  for (let k = 0; k < r; k++) out.set(x48, k * n);
  return out;
}

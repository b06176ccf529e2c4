/** Options shared by commands that open a pack: --pack, --preset, --text-factor/--audio-factor, --cpu, --providers. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openSpace } from '../space/open-space';
import { checkFactors } from '../space/components';
import { PRESETS, type Factors, type PresetId } from '../domain/types';
import type { Space } from '../space/types';
import { parseProviderList } from '../runtime/providers';
import { UsageError, str, type OptionSpec, type ParsedArgs } from './args';

export const PACK_OPTIONS: Record<string, OptionSpec> = {
  pack: { kind: 'string' },
  preset: { kind: 'string' },
  'text-factor': { kind: 'string' },
  'audio-factor': { kind: 'string' },
  cpu: { kind: 'boolean' },
  providers: { kind: 'string' },
  'no-checksums': { kind: 'boolean' },
};

function parseFactor(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const f = Number(v);
  if (v.trim() === '' || !Number.isFinite(f) || f < 0 || f > 1) throw new UsageError(`--${name} must be a number in [0, 1], got "${v}"`);
  return f;
}

export function factorsFrom(values: ParsedArgs['values']): { preset: PresetId | 'custom'; factors: Factors } {
  const p = str(values.preset) ?? 'versatile';
  if (!(p in PRESETS)) throw new UsageError(`--preset must be versatile or at-expertise, got "${p}"`);
  const base = PRESETS[p as PresetId];
  const t = parseFactor('text-factor', str(values['text-factor']));
  const a = parseFactor('audio-factor', str(values['audio-factor']));
  const factors = checkFactors({ text: t ?? base.text, audio: a ?? base.audio });
  return { preset: t === undefined && a === undefined ? (p as PresetId) : 'custom', factors };
}

export async function openFromArgs(values: ParsedArgs['values']): Promise<Space> {
  const dir = str(values.pack);
  if (!dir) throw new UsageError('--pack DIR is required');
  if (!existsSync(dir)) throw new Error(`${dir}: pack folder not found`);
  const providers = str(values.providers) ? parseProviderList(str(values.providers)!) : undefined;
  return openSpace(resolve(dir), {
    forceCpu: values.cpu === true,
    ...(providers ? { providers } : {}),
    checksums: values['no-checksums'] !== true,
    idleMs: 0,
  });
}

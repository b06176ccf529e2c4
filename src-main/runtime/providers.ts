/**
 * Execution-provider choice. onnxruntime-node 1.30 throws when the first provider of a list cannot be
 * loaded (['cuda','cpu'] does not fall back), so each provider is tried alone and we fall back by hand.
 */
import type { ProviderInfo } from '../domain/types';

export type ProviderName = ProviderInfo['provider'];
const KNOWN: readonly ProviderName[] = ['cuda', 'tensorrt', 'dml', 'coreml', 'cpu'];

export interface ProviderOptions {
  /** Only CPU (also env MOLECULE_FORCE_CPU=1). */
  forceCpu?: boolean;
  /** Explicit order to try (also env MOLECULE_PROVIDERS="cuda,cpu" or MOLECULE_PROVIDER=cpu); cpu is always appended last. */
  providers?: ProviderName[];
}

/** CUDA then TensorRT on Linux, DirectML on Windows, CoreML on macOS; CPU last everywhere. */
export function platformProviders(platform: NodeJS.Platform = process.platform): ProviderName[] {
  if (platform === 'linux') return ['cuda', 'tensorrt', 'cpu'];
  if (platform === 'win32') return ['dml', 'cpu'];
  if (platform === 'darwin') return ['coreml', 'cpu'];
  return ['cpu'];
}

export function parseProviderList(s: string): ProviderName[] {
  const out: ProviderName[] = [];
  for (const p of s.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean)) {
    const name = (p === 'directml' ? 'dml' : p) as ProviderName;
    if (!KNOWN.includes(name)) throw new Error(`unknown execution provider "${p}" (known: ${KNOWN.join(', ')})`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** The order in which providers will be tried for a session. */
export function providerOrder(opts: ProviderOptions = {}, env: NodeJS.ProcessEnv = process.env): ProviderName[] {
  const force = opts.forceCpu || (env.MOLECULE_FORCE_CPU !== undefined && env.MOLECULE_FORCE_CPU !== '' && env.MOLECULE_FORCE_CPU !== '0');
  if (force) return ['cpu'];
  const fromEnv = env.MOLECULE_PROVIDERS || env.MOLECULE_PROVIDER;
  const list = opts.providers ?? (fromEnv ? parseProviderList(fromEnv) : platformProviders());
  return list.includes('cpu') ? list : [...list, 'cpu'];
}

/** What this machine offers a model pack: memory, free disk where packs go, GPU providers that really load. */
import { existsSync, statfsSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { probeGpuProviders, type ProviderProbe } from './provider-probe';

export interface MachineInfo {
  totalMemBytes: number;
  freeMemBytes: number;
  /** Free bytes on the disk that holds `dir` (its nearest existing ancestor); null when unknown. */
  freeDiskBytes: number | null;
  platform: string;
  arch: string;
  gpu: ProviderProbe[];
}

export function freeDiskBytes(dir: string): number | null {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  try {
    const st = statfsSync(d);
    return Number(st.bavail) * Number(st.bsize);
  } catch {
    return null;
  }
}

export async function machineInfo(packsDir: string): Promise<MachineInfo> {
  return {
    totalMemBytes: totalmem(),
    freeMemBytes: freemem(),
    freeDiskBytes: freeDiskBytes(packsDir),
    platform: process.platform,
    arch: process.arch,
    gpu: await probeGpuProviders(),
  };
}

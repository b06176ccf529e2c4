import { UsageError, parseArgs, str } from '../args';
import type { CliIO } from '../command';
import { PACK_OPTIONS } from '../common';
import { packJson, TEST_PACK_LABEL } from '../output';
import { openOrganiser } from './organise-common';

/** `molecule duplicates` (help texts in commands/index.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs(argv, { ...PACK_OPTIONS, db: { kind: 'string' }, threshold: { kind: 'string' }, margin: { kind: 'string' }, json: { kind: 'boolean' } });
  const num = (name: string, lo: number, hi: number) => {
    const v = str(values[name]);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !(n >= lo && n <= hi)) throw new UsageError(`--${name} must be a number in [${lo}, ${hi}], got "${v}"`);
    return n;
  };
  const threshold = num('threshold', -1, 1);
  const margin = num('margin', 0, 2);
  const { lib, org } = await openOrganiser(values);
  try {
    const report = await org.duplicates({ ...(threshold !== undefined ? { threshold } : {}), ...(margin !== undefined ? { margin } : {}) });
    if (values.json) {
      io.out(JSON.stringify({ pack: packJson(lib.engineSpace), ...report }));
    } else {
      if (lib.engineSpace.isTestPack) io.out(`${TEST_PACK_LABEL} (${lib.engineSpace.packId})`);
      io.out(`${report.exact.length} exact duplicate group(s), ${report.near.length} near-duplicate group(s)`);
      for (const g of report.exact) io.out(`exact\t${g.paths.join('\t')}`);
      for (const g of report.near) io.out(`near ${g.modality} ${g.cohesion.toFixed(3)}\t${g.items.map((i) => i.path).join('\t')}`);
    }
    return 0;
  } finally {
    await lib.close();
  }
}

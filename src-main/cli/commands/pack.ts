import { resolve } from 'node:path';
import { importPack, listPacks, userPacksDir } from '../../pack/registry';
import { verifyPack } from '../../pack/verify';
import { listPartialDownloads } from '../../pack/fetch/download';
import { UsageError, parseArgs, str } from '../args';
import type { CliIO } from '../command';
import { TEST_PACK_LABEL, packJson } from '../output';

/** `molecule pack` (help texts in commands/index.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'get') return (await import('./pack-get')).runGet(rest, io);
  if (sub === 'discard') return (await import('./pack-get')).runDiscard(rest, io);
  if (sub === 'recommend') {
    const { values } = parseArgs(rest, { dest: { kind: 'string' }, json: { kind: 'boolean' } });
    const { machineInfo } = await import('../../runtime/machine');
    const { recommendPack, fmtGB } = await import('../../pack/recommend');
    const r = recommendPack(await machineInfo(str(values.dest) ? resolve(str(values.dest)!) : userPacksDir()));
    if (values.json) io.out(JSON.stringify(r));
    else {
      io.out(`Recommended for this machine: ${r.summary}`);
      for (const why of r.reasons) io.out(`  - ${why}`);
      io.out('Space classes:');
      for (const o of r.options) io.out(`  ${o.fits ? '✓' : '✗'} ${o.space.padEnd(18)} fp16 ${fmtGB(o.fp16Bytes).padStart(6)}  fp32 ${fmtGB(o.fp32Bytes).padStart(6)}  memory ≈ ${fmtGB(o.ramBytes).padStart(6)}  ${o.why}`);
    }
    return 0;
  }
  if (sub === 'verify') {
    const { values, positionals } = parseArgs(rest, { json: { kind: 'boolean' }, 'no-onnx': { kind: 'boolean' } }, { positionals: true });
    if (positionals.length !== 1) throw new UsageError('pack verify needs exactly one DIR');
    const r = await verifyPack(resolve(positionals[0]!), { onnx: values['no-onnx'] !== true });
    if (values.json) {
      io.out(JSON.stringify({ ok: r.ok, pack: r.manifest ? packJson(r.manifest) : null, errors: r.errors, files: r.files, onnx: r.onnx }));
    } else if (r.ok) {
      const m = r.manifest!;
      const label = m.test ? `[${TEST_PACK_LABEL}] ` : '';
      io.out(`${label}ok: ${m.id} (${m.space}, ${m.dim}-d) — ${r.files.length} files sha256-verified, ${r.onnx.length} ONNX signatures checked`);
    } else {
      io.err(`molecule pack verify: ${r.errors[0]}${r.errors.length > 1 ? ` (+${r.errors.length - 1} more)` : ''}`);
    }
    return r.ok ? 0 : 1;
  }
  if (sub === 'list') {
    const { values, positionals } = parseArgs(rest, { json: { kind: 'boolean' } }, { positionals: true });
    const roots = positionals.length ? positionals.map((p) => resolve(p)) : [userPacksDir()];
    const r = positionals.length ? listPacks(roots) : listPacks();
    // Downloads that were paused or broke off, resumable with `molecule pack get` (same source).
    const partial = roots.flatMap((root) => listPartialDownloads(root).map((d) => ({ ...d, dir: root })));
    if (values.json) io.out(JSON.stringify({ packs: r.packs.map((p) => ({ ...p, ...(p.test ? { label: TEST_PACK_LABEL } : {}) })), invalid: r.invalid, partial }));
    else {
      for (const p of r.packs) io.out(`${p.test ? `[${TEST_PACK_LABEL}] ` : ''}${p.id}\t${p.space}\t${p.dim}-d\t${p.dir}`);
      for (const p of r.invalid) io.out(`invalid\t${p.dir}\t${p.error}`);
      for (const d of partial) io.out(`partial\t${d.id}\t${d.bytesOnDisk} of ${d.totalBytes ?? '?'} bytes\t${d.source}${d.active ? '\t(downloading now)' : ''}`);
    }
    return 0;
  }
  if (sub === 'import') {
    const { values, positionals } = parseArgs(rest, { dest: { kind: 'string' }, replace: { kind: 'boolean' }, json: { kind: 'boolean' } }, { positionals: true });
    if (positionals.length !== 1) throw new UsageError('pack import needs exactly one DIR');
    const r = await importPack(resolve(positionals[0]!), str(values.dest) ? resolve(str(values.dest)!) : userPacksDir(), { replace: values.replace === true });
    if (values.json) io.out(JSON.stringify({ ok: true, installedDir: r.installedDir, pack: packJson(r.manifest!) }));
    else io.out(`${r.manifest!.test ? `[${TEST_PACK_LABEL}] ` : ''}imported ${r.manifest!.id} into ${r.installedDir}`);
    return 0;
  }
  throw new UsageError(sub ? `unknown pack sub-command "${sub}"` : 'pack needs a sub-command: verify, list, import, get, discard or recommend');
}

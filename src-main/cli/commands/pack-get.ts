/**
 * `molecule pack get SOURCE` and `molecule pack discard ID`: download a pack (Hugging Face repository or the
 * https address of a pack.json) into the packs folder, licence first, progress on stderr, Ctrl-C pauses
 * (the partial files stay; the same command resumes).
 */
import { createInterface } from 'node:readline/promises';
import { resolve } from 'node:path';
import { userPacksDir } from '../../pack/registry';
import { DownloadError, PAUSE, discardPartialDownload, downloadPack, downloadPaths, type DownloadProgress, type RemotePack } from '../../pack/fetch';
import { UsageError, parseArgs, str } from '../args';
import type { CliIO } from '../command';
import { TEST_PACK_LABEL, packJson } from '../output';

export function fmtBytes(b: number | null): string {
  if (b === null) return 'unknown size';
  if (b < 1e3) return `${b} B`;
  if (b < 1e6) return `${(b / 1e3).toFixed(1)} kB`;
  if (b < 1e9) return `${(b / 1e6).toFixed(1)} MB`;
  return `${(b / 1e9).toFixed(2)} GB`;
}

export function fmtEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

function progressLine(p: DownloadProgress): string {
  const pct = p.bytesTotal ? `${Math.floor((100 * p.bytesDone) / p.bytesTotal)}%`.padStart(4) : '';
  const rate = p.rateBps !== null ? `${fmtBytes(p.rateBps)}/s` : '';
  const eta = p.etaSec !== null ? `ETA ${fmtEta(p.etaSec)}` : '';
  const what = p.phase === 'installing' ? 'installing (checking every ONNX signature)' : `${p.phase} ${p.file ?? ''} (${p.fileIndex}/${p.fileCount})`;
  return [pct, `${fmtBytes(p.bytesDone)} of ${fmtBytes(p.bytesTotal)}`, rate, eta, what].filter(Boolean).join('  ');
}

function describe(pack: RemotePack, onDisk: number, io: CliIO): void {
  const m = pack.manifest;
  io.err(`Pack:     ${m.name} (${m.id})${m.test && !m.name.includes('TEST PACK') ? `  [${TEST_PACK_LABEL}]` : ''}`);
  io.err(`Space:    ${m.space}, ${m.dim}-d`);
  io.err(`Size:     ${fmtBytes(pack.totalBytes)} in ${pack.files.length} files + pack.json${onDisk ? ` (${fmtBytes(onDisk)} already downloaded: resuming)` : ''}`);
  io.err(`From:     ${pack.origin}`);
  io.err(`Made from: ${m.source}`);
  io.err('Licence:');
  for (const line of m.licence.split('\n')) io.err(`  ${line}`);
}

/** Asks on the terminal; false when there is none (then --accept-licence is needed). */
async function askLicence(pack: RemotePack): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const a = await rl.question(`Accept this licence and download ${fmtBytes(pack.totalBytes)}? [y/N] `);
    return /^y(es)?$/i.test(a.trim());
  } finally {
    rl.close();
  }
}

export async function runGet(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs(
    argv,
    { dest: { kind: 'string' }, replace: { kind: 'boolean' }, 'accept-licence': { kind: 'boolean' }, json: { kind: 'boolean' }, quiet: { kind: 'boolean' } },
    { positionals: true },
  );
  if (positionals.length !== 1) throw new UsageError('pack get needs exactly one SOURCE (org/name[@revision] or the https address of a pack.json)');
  const destRoot = str(values.dest) ? resolve(str(values.dest)!) : userPacksDir();
  const json = values.json === true;
  const quiet = values.quiet === true;
  const tty = process.stderr.isTTY === true;

  const ac = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    ac.abort(PAUSE);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  let lastLine = 0;
  let packId: string | null = null;
  const progress = (p: DownloadProgress) => {
    if (quiet) return;
    const now = Date.now();
    if (tty) process.stderr.write(`\r\x1b[K${progressLine(p)}`);
    else if (now - lastLine >= 2000 || p.phase === 'installing') {
      lastLine = now;
      io.err(progressLine(p));
    }
  };
  try {
    const r = await downloadPack(positionals[0]!, {
      destRoot,
      replace: values.replace === true,
      signal: ac.signal,
      onProgress: progress,
      acceptLicence: async (pack, onDisk) => {
        packId = pack.manifest.id;
        if (!quiet || values['accept-licence'] !== true) describe(pack, onDisk.bytes, io);
        if (values['accept-licence'] === true) return true;
        return askLicence(pack);
      },
    });
    if (tty && !quiet) process.stderr.write('\r\x1b[K');
    if (json) {
      io.out(JSON.stringify({ ok: true, installedDir: r.installedDir, pack: packJson(r.manifest), origin: r.origin, commit: r.commit, totalBytes: r.totalBytes, fetchedBytes: r.fetchedBytes, resumedBytes: r.resumedBytes, files: r.files, alreadyInstalled: r.alreadyInstalled, elapsedSec: Number(r.elapsedSec.toFixed(3)) }));
    } else if (r.alreadyInstalled) {
      io.out(`${r.manifest.test ? `[${TEST_PACK_LABEL}] ` : ''}${r.id} is installed already (same pack.json) in ${r.installedDir}`);
    } else {
      const resumed = r.resumedBytes ? `, ${fmtBytes(r.resumedBytes)} resumed from an earlier run` : '';
      io.out(`${r.manifest.test ? `[${TEST_PACK_LABEL}] ` : ''}installed ${r.id} (${r.manifest.space}, ${r.manifest.dim}-d) in ${r.installedDir} — ${fmtBytes(r.totalBytes)}, ${r.files} files sha256-verified; ${fmtBytes(r.fetchedBytes)} fetched${resumed}`);
    }
    return 0;
  } catch (e) {
    if (tty && !quiet) process.stderr.write('\r\x1b[K');
    if (!(e instanceof DownloadError)) throw e;
    let hint = '';
    if (e.kind === 'licence' && values['accept-licence'] !== true) hint = ' — read the licence above, then run the command again with --accept-licence (or answer y on a terminal)';
    else if (e.kind === 'offline') hint = ' — copy a pack folder from a computer that has the pack, then `molecule pack import DIR`';
    else if ((e.kind === 'paused' || e.kind === 'network') && packId) {
      hint = ` — the partial download is kept in ${downloadPaths(destRoot, packId).staging}; run the same command to resume, or \`molecule pack discard ${packId}\` to delete it`;
    } else if (e.kind === 'installed') hint = ' (--replace replaces it)';
    const msg = e.kind === 'paused' ? `interrupted${hint}` : `${e.message}${hint}`;
    if (json) io.out(JSON.stringify({ ok: false, kind: e.kind, error: msg }));
    io.err(`molecule pack get: ${msg}`);
    return e.kind === 'paused' ? 130 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

export async function runDiscard(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs(argv, { dest: { kind: 'string' } }, { positionals: true });
  if (positionals.length !== 1) throw new UsageError('pack discard needs exactly one pack ID');
  const destRoot = str(values.dest) ? resolve(str(values.dest)!) : userPacksDir();
  const removed = discardPartialDownload(destRoot, positionals[0]!);
  io.out(removed ? `removed the partial download of ${positionals[0]} from ${destRoot}` : `no partial download of ${positionals[0]} in ${destRoot}`);
  return 0;
}

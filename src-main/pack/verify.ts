/**
 * Loading and verifying a pack folder: manifest schema, presence and sha256 of every listed file, and (optionally)
 * each ONNX file's real input/output names, dtypes and ranks as ONNX Runtime reports them.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { sha256File } from './files';
import { listedFiles, PackError, validateManifest, type PackManifest, type TensorSpec } from './manifest';
import { signatureIssues } from './onnx-signature';
import { JsonDepthError, parseJsonBounded } from '../runtime/json-bounded';
import { LIMITS } from '../domain/limits';
import { checkRegular, FileRefusedError, readRegularTextSync } from '../runtime/safe-read';
import type { VerificationCheck } from './types';

if (!process.env.MOLECULE_ORT_LOG) ort.env.logLevel = 'fatal';

export interface FileCheck {
  file: string;
  bytes: number | null;
  sha256: string | null;
  ok: boolean;
  error?: string;
}

export interface OnnxCheck {
  file: string;
  ok: boolean;
  inputs?: string[];
  outputs?: string[];
  error?: string;
}

export interface VerifyReport {
  ok: boolean;
  packDir: string;
  manifest: PackManifest | null;
  files: FileCheck[];
  onnx: OnnxCheck[];
  /** Every problem found, each naming the field or file. Empty when ok. */
  errors: string[];
}

export interface VerifyOptions {
  /** Compare sha256 of every file (default true). */
  checksums?: boolean;
  /** Open each ONNX file on CPU and compare its signature with the manifest (default true). */
  onnx?: boolean;
}

/** Parse and validate pack.json; throws PackError naming the file or field. */
export function readManifest(packDir: string): PackManifest {
  const path = join(packDir, 'pack.json');
  if (!existsSync(packDir) || !statSync(packDir).isDirectory()) throw new PackError(`${packDir}: not a folder`);
  if (!existsSync(path)) throw new PackError(`${path}: missing (not a model pack folder)`);
  let text: string;
  try {
    text = readRegularTextSync(path, LIMITS.fileBytes.packManifest);
  } catch (e) {
    throw new PackError(`${path}: ${e instanceof FileRefusedError ? e.reason : ((e as NodeJS.ErrnoException).code ?? String(e))}`);
  }
  let raw: unknown;
  try {
    raw = parseJsonBounded(text, 'pack.json');
  } catch (e) {
    if (e instanceof JsonDepthError) throw new PackError(e.message);
    throw new PackError(`pack.json: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return validateManifest(raw, 'pack.json');
}

/** Size limit of one listed pack file: model weights may be gigabytes, everything else is small. */
export function packFileLimit(file: string): number {
  return /\.onnx($|[._-]data$)|\.data$/.test(file) ? LIMITS.fileBytes.onnx : file.endsWith('tokenizer.json') ? LIMITS.fileBytes.tokenizer : LIMITS.fileBytes.packOther;
}

async function checkFile(packDir: string, file: string, sha256: string, checksums: boolean): Promise<FileCheck> {
  const abs = join(packDir, file);
  if (!existsSync(abs)) return { file, bytes: null, sha256: null, ok: false, error: `${file}: missing` };
  const st = statSync(abs);
  try {
    checkRegular(file, st, packFileLimit(file)); // a FIFO or /dev/zero behind a link is refused before it is read
  } catch (e) {
    return { file, bytes: null, sha256: null, ok: false, error: (e as Error).message };
  }
  if (!checksums) return { file, bytes: st.size, sha256: null, ok: true };
  const got = await sha256File(abs);
  if (got !== sha256) return { file, bytes: st.size, sha256: got, ok: false, error: `${file}: sha256 mismatch (expected ${sha256}, got ${got})` };
  return { file, bytes: st.size, sha256: got, ok: true };
}

async function checkOnnx(packDir: string, file: string, inputs: TensorSpec[], outputs: TensorSpec[]): Promise<OnnxCheck> {
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(join(packDir, file), { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled' });
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return { file, ok: false, error: `${file}: cannot be loaded by ONNX Runtime (corrupt or truncated?): ${msg}` };
  }
  try {
    const issues = signatureIssues(file, session, inputs, outputs);
    return {
      file,
      ok: issues.length === 0,
      inputs: [...session.inputNames],
      outputs: [...session.outputNames],
      ...(issues.length ? { error: issues.join('; ') } : {}),
    };
  } finally {
    await session.release().catch(() => undefined);
  }
}

/** Full verification; never throws for pack defects (they are in report.errors). */
export async function verifyPack(packDir: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const dir = resolve(packDir);
  const report: VerifyReport = { ok: false, packDir: dir, manifest: null, files: [], onnx: [], errors: [] };
  let m: PackManifest;
  try {
    m = readManifest(dir);
  } catch (e) {
    report.errors.push(...(e instanceof PackError ? e.issues : [String(e)]));
    return report;
  }
  report.manifest = m;
  for (const f of listedFiles(m)) {
    const c = await checkFile(dir, f.file, f.sha256, opts.checksums ?? true);
    report.files.push(c);
    if (c.error) report.errors.push(c.error);
  }
  if (opts.onnx ?? true) {
    const bad = new Set(report.files.filter((f) => !f.ok).map((f) => f.file));
    const models: [string, TensorSpec[], TensorSpec[]][] = [
      ...Object.values(m.encoders).map((e): [string, TensorSpec[], TensorSpec[]] => [e.file, e.inputs, e.outputs]),
      ...Object.values(m.projectors).map((p): [string, TensorSpec[], TensorSpec[]] => [p.file, [p.input], [p.output]]),
    ];
    for (const [file, ins, outs] of models) {
      if (bad.has(file)) continue;
      const c = await checkOnnx(dir, file, ins, outs);
      report.onnx.push(c);
      if (c.error) report.errors.push(c.error);
    }
  }
  report.ok = report.errors.length === 0;
  return report;
}

/** readManifest + file presence (+ sha256 unless disabled); throws PackError with the first defect. */
export async function loadPack(packDir: string, opts: { checksums?: boolean } = {}): Promise<PackManifest> {
  const r = await verifyPack(packDir, { checksums: opts.checksums ?? true, onnx: false });
  if (!r.ok) throw new PackError(r.errors[0]! + (r.errors.length > 1 ? ` (+${r.errors.length - 1} more)` : ''), r.errors);
  return r.manifest!;
}

/** The report as a list of named checks: the manifest, every file's size and sha256, every ONNX signature. */
export function verificationChecks(r: VerifyReport): VerificationCheck[] {
  const checks: VerificationCheck[] = [];
  checks.push(
    r.manifest
      ? { name: 'pack.json', ok: true, detail: `${r.manifest.id} · ${r.manifest.space} · ${r.manifest.dim}-d${r.manifest.test ? ' · TEST PACK' : ''}` }
      : { name: 'pack.json', ok: false, detail: r.errors[0] ?? 'invalid manifest' },
  );
  for (const f of r.files) {
    checks.push({
      name: f.file,
      ok: f.ok,
      detail: f.ok ? `${(f.bytes ?? 0).toLocaleString('en-US')} bytes · sha256 ${f.sha256?.slice(0, 12) ?? ''}… ✓` : (f.error ?? 'failed'),
    });
  }
  for (const o of r.onnx) {
    checks.push({ name: `${o.file} (ONNX signature)`, ok: o.ok, detail: o.ok ? `in ${o.inputs?.join(', ') ?? ''} → out ${o.outputs?.join(', ') ?? ''}` : (o.error ?? 'failed') });
  }
  return checks;
}

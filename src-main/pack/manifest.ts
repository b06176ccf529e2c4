/**
 * pack.json, format "molecule-pack" version 1 (docs/PACK-FORMAT.md): the types and a hand-written validator
 * whose messages name the field, e.g. `pack.json: encoders.imagebind_vision.file: missing`.
 */
import type { Factors, PresetId, SpaceClass } from '../domain/types';

export const PACK_FORMAT = 'molecule-pack';
export const PACK_FORMAT_VERSION = 1;
export const SPACE_CLASSES: readonly SpaceClass[] = [
  'ImageBind',
  'IB_PP',
  'InternVL_IB',
  'InternVL_IB_PP',
  'InternVL_IB_FT',
  'InternVL_IB_FT_PP',
];
export const HEAD_ORDER = ['mix', 'A', 'T', 'V', 'AT', 'AV', 'TV'] as const;
export const TENSOR_DTYPES = ['float32', 'int64', 'bool'] as const;
export type TensorDType = (typeof TENSOR_DTYPES)[number];

/** A dimension is a fixed size or a symbolic batch axis name ("B", "N"). */
export type Dim = number | string;

export interface TensorSpec {
  name: string;
  dtype: TensorDType;
  shape: Dim[];
}

export interface FileRef {
  /** Path relative to the pack folder (forward slashes, no `..`). */
  file: string;
  sha256: string;
}

export interface EncoderEntry extends FileRef {
  /** Which preprocessing produces its input: imagebind_vision, imagebind_audio, clap_fusion_mel, … */
  preprocessing: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export interface ProjectorEntry extends FileRef {
  inDim: number;
  outDim: number;
  /** Always the seven data modes in order mix, A, T, V, AT, AV, TV. */
  heads: string[];
  input: TensorSpec;
  output: TensorSpec;
}

export interface TokenizerEntry extends FileRef {
  /** tokenizer_config.json beside a tokenizer.json (optional). */
  config?: string;
  configSha256?: string;
}

export interface PackRoles {
  /** Crat: the 14-projector CLAP → space combination (G family on CLAP-General, M family on CLAP-Music). */
  combination?: { general: string; music: string };
  /** Drvt: the InternVL_IB_Proj family (ImageBind 1024 → InternVL-C 768). */
  displacement?: string;
  /** The fine-tuned ImageBind audio trunk's own 7-projector head (1024 → 768), §7.4 item 4. */
  ftAudioHead?: string;
}

export interface PackManifest {
  format: typeof PACK_FORMAT;
  formatVersion: 1;
  id: string;
  name: string;
  test: boolean;
  space: SpaceClass;
  dim: number;
  encoders: Record<string, EncoderEntry>;
  projectors: Record<string, ProjectorEntry>;
  roles: PackRoles;
  tokenizers: Partial<Record<'clip_bpe' | 'roberta' | 'internvl', TokenizerEntry>>;
  presets: Record<PresetId, Factors>;
  factorRange: { min: number; max: number };
  rawDims: Record<string, number>;
  licence: string;
  source: string;
  extraFiles?: FileRef[];
  /** Written by the exporter (tools/export): where every checkpoint came from and the readings adopted. Informational. */
  provenance?: PackProvenance;
}

/** A checkpoint a pack was exported from (hub repository + commit + path, or a URL, or a local file). */
export interface ProvenanceCheckpoint {
  role: string;
  repo?: string;
  commit?: string;
  path?: string;
  url?: string;
  local?: string;
  sha256?: string;
  size?: number;
  note?: string;
}

/** A choice made where the upstream release is ambiguous, with the alternatives and the exporter flag selecting one. */
export interface ProvenanceReading {
  id: string;
  adopted: string;
  alternatives: string[];
  why: string;
  flag?: string;
  [extra: string]: unknown;
}

export interface PackProvenance {
  exporter: string;
  checkpoints: ProvenanceCheckpoint[];
  readings: ProvenanceReading[];
  derivedFrom?: string;
}

export class PackError extends Error {
  constructor(
    message: string,
    readonly issues: string[] = [message],
  ) {
    super(message);
    this.name = 'PackError';
  }
}

/** What each space class needs (docs/REFERENCE.md §7.3 with the §7.4 readings). */
export interface ClassRequirements {
  encoders: string[];
  roles: (keyof PackRoles)[];
  tokenizers: ('clip_bpe' | 'roberta' | 'internvl')[];
}

const CLAP = ['clap_general_audio', 'clap_general_text', 'clap_music_audio', 'clap_music_text'];
const IB = ['imagebind_vision', 'imagebind_text'];
const VLC = ['internvl_vision', 'internvl_text'];

export const CLASS_REQUIREMENTS: Record<SpaceClass, ClassRequirements> = {
  ImageBind: { encoders: [...IB, 'imagebind_audio'], roles: [], tokenizers: ['clip_bpe'] },
  IB_PP: { encoders: [...IB, 'imagebind_audio', ...CLAP], roles: ['combination'], tokenizers: ['clip_bpe', 'roberta'] },
  InternVL_IB: { encoders: [...IB, 'imagebind_audio', ...VLC], roles: ['displacement'], tokenizers: ['clip_bpe', 'internvl'] },
  InternVL_IB_PP: {
    encoders: [...IB, 'imagebind_audio', ...VLC, ...CLAP],
    roles: ['displacement', 'combination'],
    tokenizers: ['clip_bpe', 'internvl', 'roberta'],
  },
  InternVL_IB_FT: {
    encoders: [...IB, 'imagebind_ft_audio', ...VLC],
    roles: ['displacement', 'ftAudioHead'],
    tokenizers: ['clip_bpe', 'internvl'],
  },
  InternVL_IB_FT_PP: {
    encoders: [...IB, 'imagebind_ft_audio', ...VLC, ...CLAP],
    roles: ['displacement', 'ftAudioHead', 'combination'],
    tokenizers: ['clip_bpe', 'internvl', 'roberta'],
  },
};

/** The fixed signatures of docs/ARCHITECTURE.md that the app's preprocessing produces. */
/** Both CLAP checkpoints carry their own RoBERTa text branch with the same inputs (§5). */
const CLAP_TEXT_SIGNATURE = {
  preprocessing: 'roberta_tokens',
  inputs: [
    { name: 'input_ids', dtype: 'int64', shape: ['B', 77] },
    { name: 'attention_mask', dtype: 'int64', shape: ['B', 77] },
  ],
  outDim: 512,
} satisfies { preprocessing: string; inputs: TensorSpec[]; outDim: number };

export const ENCODER_SIGNATURES: Record<string, { preprocessing: string; inputs: TensorSpec[]; outDim: number }> = {
  imagebind_vision: { preprocessing: 'imagebind_vision', inputs: [{ name: 'image', dtype: 'float32', shape: ['B', 3, 224, 224] }], outDim: 1024 },
  imagebind_text: { preprocessing: 'imagebind_tokens', inputs: [{ name: 'tokens', dtype: 'int64', shape: ['B', 77] }], outDim: 1024 },
  imagebind_audio: { preprocessing: 'imagebind_audio', inputs: [{ name: 'clips', dtype: 'float32', shape: ['N', 1, 128, 204] }], outDim: 1024 },
  imagebind_ft_audio: { preprocessing: 'imagebind_audio', inputs: [{ name: 'clips', dtype: 'float32', shape: ['N', 1, 128, 204] }], outDim: 1024 },
  clap_general_audio: {
    preprocessing: 'clap_fusion_mel',
    inputs: [
      { name: 'mel_fusion', dtype: 'float32', shape: ['B', 4, 1001, 64] },
      { name: 'longer', dtype: 'bool', shape: ['B'] },
    ],
    outDim: 512,
  },
  clap_general_text: CLAP_TEXT_SIGNATURE,
  clap_music_text: CLAP_TEXT_SIGNATURE,
  clap_music_audio: { preprocessing: 'clap_nonfusion_waveform', inputs: [{ name: 'waveform', dtype: 'float32', shape: ['B', 480000] }], outDim: 512 },
  internvl_vision: { preprocessing: 'internvl_vision', inputs: [{ name: 'image', dtype: 'float32', shape: ['B', 3, 224, 224] }], outDim: 768 },
  internvl_text: { preprocessing: 'internvl_tokens', inputs: [{ name: 'input_ids', dtype: 'int64', shape: ['B', 80] }], outDim: 768 },
};

// ------------------------------------------------------------------------------------------ validator

type Json = unknown;
const isObj = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  issues: string[] = [];
  constructor(private readonly where: string) {}
  add(path: string, msg: string): void {
    this.issues.push(`${this.where}: ${path}: ${msg}`);
  }
  field(o: Record<string, Json>, key: string, path: string): Json {
    if (!(key in o) || o[key] === undefined || o[key] === null) {
      this.add(`${path}${key}`, 'missing');
      return undefined;
    }
    return o[key];
  }
  str(o: Record<string, Json>, key: string, path: string): string | undefined {
    const v = this.field(o, key, path);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0) {
      this.add(`${path}${key}`, `expected a non-empty string, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  }
  posInt(o: Record<string, Json>, key: string, path: string): number | undefined {
    const v = this.field(o, key, path);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      this.add(`${path}${key}`, `expected a positive integer, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  }
  unit(o: Record<string, Json>, key: string, path: string): number | undefined {
    const v = this.field(o, key, path);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
      this.add(`${path}${key}`, `expected a number in [0, 1], got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  }
  obj(o: Record<string, Json>, key: string, path: string): Record<string, Json> | undefined {
    const v = this.field(o, key, path);
    if (v === undefined) return undefined;
    if (!isObj(v)) {
      this.add(`${path}${key}`, 'expected an object');
      return undefined;
    }
    return v;
  }
  relPath(o: Record<string, Json>, key: string, path: string): string | undefined {
    const v = this.str(o, key, path);
    if (v === undefined) return undefined;
    if (v.startsWith('/') || v.includes('\\') || v.split('/').some((s) => s === '..' || s === '')) {
      this.add(`${path}${key}`, `must be a relative path inside the pack, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  }
  sha(o: Record<string, Json>, key: string, path: string): void {
    const v = this.str(o, key, path);
    if (v !== undefined && !/^[0-9a-f]{64}$/.test(v)) this.add(`${path}${key}`, 'expected 64 lower-case hex digits');
  }
  fileRef(o: Record<string, Json>, path: string): void {
    this.relPath(o, 'file', path);
    this.sha(o, 'sha256', path);
  }
  tensor(v: Json, path: string): void {
    if (!isObj(v)) return this.add(path, 'expected an object {name, dtype, shape}');
    this.str(v, 'name', `${path}.`);
    const dt = this.field(v, 'dtype', `${path}.`);
    if (dt !== undefined && !TENSOR_DTYPES.includes(dt as TensorDType)) {
      this.add(`${path}.dtype`, `expected one of ${TENSOR_DTYPES.join(', ')}, got ${JSON.stringify(dt)}`);
    }
    const sh = this.field(v, 'shape', `${path}.`);
    if (sh !== undefined) {
      if (!Array.isArray(sh)) this.add(`${path}.shape`, 'expected an array');
      else
        sh.forEach((d, i) => {
          const ok = (typeof d === 'number' && Number.isInteger(d) && d > 0) || (typeof d === 'string' && d.length > 0);
          if (!ok) this.add(`${path}.shape[${i}]`, `expected a positive integer or an axis name, got ${JSON.stringify(d)}`);
        });
    }
  }
}

function checkProvenance(c: Checker, p: Json): void {
  if (!isObj(p)) return c.add('provenance', 'expected an object');
  c.str(p, 'exporter', 'provenance.');
  const cps = c.field(p, 'checkpoints', 'provenance.');
  if (cps !== undefined && !Array.isArray(cps)) c.add('provenance.checkpoints', 'expected an array');
  else if (Array.isArray(cps))
    cps.forEach((e, i) => {
      const at = `provenance.checkpoints[${i}].`;
      if (!isObj(e)) return c.add(at.slice(0, -1), 'expected an object');
      c.str(e, 'role', at);
      for (const k of ['repo', 'commit', 'path', 'url', 'local', 'note']) {
        if (e[k] !== undefined && (typeof e[k] !== 'string' || e[k] === '')) c.add(`${at}${k}`, 'expected a non-empty string');
      }
      if (e.sha256 !== undefined) c.sha(e, 'sha256', at);
      if (e.size !== undefined && !(typeof e.size === 'number' && Number.isInteger(e.size) && e.size >= 0)) c.add(`${at}size`, 'expected a byte count');
    });
  const rds = c.field(p, 'readings', 'provenance.');
  if (rds !== undefined && !Array.isArray(rds)) c.add('provenance.readings', 'expected an array');
  else if (Array.isArray(rds))
    rds.forEach((r, i) => {
      const at = `provenance.readings[${i}].`;
      if (!isObj(r)) return c.add(at.slice(0, -1), 'expected an object');
      c.str(r, 'id', at);
      c.str(r, 'adopted', at);
      if (!Array.isArray(r.alternatives) || r.alternatives.some((a) => typeof a !== 'string')) c.add(`${at}alternatives`, 'expected an array of strings');
    });
}

/** Validate parsed pack.json; throws PackError listing every issue (first one in the message). */
export function validateManifest(raw: Json, where = 'pack.json'): PackManifest {
  const c = new Checker(where);
  if (!isObj(raw)) throw new PackError(`${where}: expected a JSON object`);
  const fmt = c.field(raw, 'format', '');
  if (fmt !== undefined && fmt !== PACK_FORMAT) c.add('format', `expected "${PACK_FORMAT}", got ${JSON.stringify(fmt)}`);
  const ver = c.field(raw, 'formatVersion', '');
  if (ver !== undefined && ver !== PACK_FORMAT_VERSION) {
    c.add('formatVersion', `unsupported version ${JSON.stringify(ver)} (this build reads version ${PACK_FORMAT_VERSION})`);
  }
  const id = c.str(raw, 'id', '');
  if (id !== undefined && !/^[a-z0-9][a-z0-9._-]*$/.test(id)) c.add('id', `expected lower-case letters, digits, . _ -, got ${JSON.stringify(id)}`);
  c.str(raw, 'name', '');
  const test = c.field(raw, 'test', '');
  if (test !== undefined && typeof test !== 'boolean') c.add('test', 'expected true or false');
  const space = c.field(raw, 'space', '');
  const spaceOk = typeof space === 'string' && (SPACE_CLASSES as readonly string[]).includes(space);
  if (space !== undefined && !spaceOk) {
    c.add('space', `unknown space class ${JSON.stringify(space)} (expected one of ${SPACE_CLASSES.join(', ')})`);
  }
  const dim = c.posInt(raw, 'dim', '');
  if (spaceOk && dim !== undefined) {
    const want = space === 'ImageBind' || space === 'IB_PP' ? 1024 : 768;
    if (dim !== want) c.add('dim', `space ${space} has dimension ${want}, got ${dim}`);
  }

  const encoders = c.obj(raw, 'encoders', '') ?? {};
  for (const [eid, e] of Object.entries(encoders)) {
    const p = `encoders.${eid}`;
    if (!isObj(e)) {
      c.add(p, 'expected an object');
      continue;
    }
    c.fileRef(e, `${p}.`);
    c.str(e, 'preprocessing', `${p}.`);
    for (const k of ['inputs', 'outputs'] as const) {
      const arr = c.field(e, k, `${p}.`);
      if (arr === undefined) continue;
      if (!Array.isArray(arr) || arr.length === 0) c.add(`${p}.${k}`, 'expected a non-empty array');
      else arr.forEach((t, i) => c.tensor(t, `${p}.${k}[${i}]`));
    }
    const sig = ENCODER_SIGNATURES[eid];
    if (sig && Array.isArray(e.inputs)) {
      if (e.preprocessing !== undefined && e.preprocessing !== sig.preprocessing) {
        c.add(`${p}.preprocessing`, `expected "${sig.preprocessing}" for ${eid}, got ${JSON.stringify(e.preprocessing)}`);
      }
      const names = (e.inputs as Json[]).map((t) => (isObj(t) ? t.name : undefined));
      const want = sig.inputs.map((t) => t.name);
      if (JSON.stringify(names) !== JSON.stringify(want)) {
        c.add(`${p}.inputs`, `expected inputs ${want.join(', ')} for ${eid}, got ${names.join(', ')}`);
      } else {
        sig.inputs.forEach((s, i) => {
          const t = (e.inputs as Record<string, Json>[])[i]!;
          if (t.dtype !== s.dtype) c.add(`${p}.inputs[${i}].dtype`, `expected ${s.dtype}, got ${JSON.stringify(t.dtype)}`);
          if (!shapeMatches(t.shape as Dim[], s.shape)) {
            c.add(`${p}.inputs[${i}].shape`, `expected ${fmtShape(s.shape)}, got ${fmtShape(t.shape as Dim[])}`);
          }
        });
      }
      const out = Array.isArray(e.outputs) ? (e.outputs as Json[])[0] : undefined;
      if (isObj(out) && Array.isArray(out.shape) && out.shape[out.shape.length - 1] !== sig.outDim) {
        c.add(`${p}.outputs[0].shape`, `expected last dimension ${sig.outDim}, got ${fmtShape(out.shape as Dim[])}`);
      }
    }
  }

  const projectors = c.obj(raw, 'projectors', '') ?? {};
  for (const [fam, e] of Object.entries(projectors)) {
    const p = `projectors.${fam}`;
    if (!isObj(e)) {
      c.add(p, 'expected an object');
      continue;
    }
    c.fileRef(e, `${p}.`);
    const din = c.posInt(e, 'inDim', `${p}.`);
    const dout = c.posInt(e, 'outDim', `${p}.`);
    const heads = c.field(e, 'heads', `${p}.`);
    if (heads !== undefined && JSON.stringify(heads) !== JSON.stringify(HEAD_ORDER)) {
      c.add(`${p}.heads`, `expected ${JSON.stringify(HEAD_ORDER)}, got ${JSON.stringify(heads)}`);
    }
    const inp = c.field(e, 'input', `${p}.`);
    if (inp !== undefined) c.tensor(inp, `${p}.input`);
    const out = c.field(e, 'output', `${p}.`);
    if (out !== undefined) c.tensor(out, `${p}.output`);
    if (isObj(inp) && din !== undefined && !shapeMatches(inp.shape as Dim[], ['B', din])) {
      c.add(`${p}.input.shape`, `expected [B,${din}], got ${fmtShape(inp.shape as Dim[])}`);
    }
    if (isObj(out) && dout !== undefined && !shapeMatches(out.shape as Dim[], ['B', 7, dout])) {
      c.add(`${p}.output.shape`, `expected [B,7,${dout}], got ${fmtShape(out.shape as Dim[])}`);
    }
  }

  const roles = c.obj(raw, 'roles', '') ?? {};
  const famCheck = (name: Json, path: string, inDim: number, outDim: number | undefined) => {
    if (typeof name !== 'string') return c.add(path, 'expected a projector family name');
    const f = projectors[name];
    if (!isObj(f)) return c.add(path, `names projector family "${name}", which is not in projectors`);
    if (f.inDim !== inDim) c.add(path, `family "${name}" takes ${String(f.inDim)}-d input, this role needs ${inDim}`);
    if (outDim !== undefined && f.outDim !== outDim) c.add(path, `family "${name}" outputs ${String(f.outDim)}-d, the space is ${outDim}-d`);
  };
  if (roles.combination !== undefined) {
    if (!isObj(roles.combination)) c.add('roles.combination', 'expected {general, music}');
    else {
      famCheck(c.field(roles.combination, 'general', 'roles.combination.'), 'roles.combination.general', 512, dim);
      famCheck(c.field(roles.combination, 'music', 'roles.combination.'), 'roles.combination.music', 512, dim);
    }
  }
  if (roles.displacement !== undefined) famCheck(roles.displacement, 'roles.displacement', 1024, 768);
  if (roles.ftAudioHead !== undefined) famCheck(roles.ftAudioHead, 'roles.ftAudioHead', 1024, 768);

  const tokenizers = c.obj(raw, 'tokenizers', '') ?? {};
  for (const [tid, t] of Object.entries(tokenizers)) {
    if (!['clip_bpe', 'roberta', 'internvl'].includes(tid)) {
      c.add(`tokenizers.${tid}`, 'unknown tokenizer id (expected clip_bpe, roberta, internvl)');
      continue;
    }
    if (!isObj(t)) {
      c.add(`tokenizers.${tid}`, 'expected an object');
      continue;
    }
    c.fileRef(t, `tokenizers.${tid}.`);
    if (t.config !== undefined) {
      c.relPath(t, 'config', `tokenizers.${tid}.`);
      c.sha(t, 'configSha256', `tokenizers.${tid}.`);
    }
  }

  if (spaceOk) {
    const req = CLASS_REQUIREMENTS[space as SpaceClass];
    for (const e of req.encoders) if (!(e in encoders)) c.add(`encoders.${e}`, `missing (space ${space} needs it)`);
    for (const r of req.roles) if (!(r in roles)) c.add(`roles.${r}`, `missing (space ${space} needs it)`);
    for (const t of req.tokenizers) if (!(t in tokenizers)) c.add(`tokenizers.${t}`, `missing (space ${space} needs it)`);
  }

  const presets = c.obj(raw, 'presets', '');
  if (presets) {
    for (const pid of ['versatile', 'at-expertise']) {
      const pr = c.obj(presets, pid, 'presets.');
      if (pr) {
        c.unit(pr, 'text', `presets.${pid}.`);
        c.unit(pr, 'audio', `presets.${pid}.`);
      }
    }
  }
  const range = c.obj(raw, 'factorRange', '');
  if (range) {
    const lo = c.unit(range, 'min', 'factorRange.');
    const hi = c.unit(range, 'max', 'factorRange.');
    if (lo !== undefined && hi !== undefined && lo > hi) c.add('factorRange', 'min must not exceed max');
  }
  const rawDims = c.obj(raw, 'rawDims', '');
  if (rawDims) {
    for (const eid of Object.keys(encoders)) {
      if (!(eid in rawDims)) c.add(`rawDims.${eid}`, 'missing');
      else c.posInt(rawDims, eid, 'rawDims.');
    }
  }
  c.str(raw, 'licence', '');
  c.str(raw, 'source', '');
  if (raw.extraFiles !== undefined) {
    if (!Array.isArray(raw.extraFiles)) c.add('extraFiles', 'expected an array');
    else raw.extraFiles.forEach((f, i) => (isObj(f) ? c.fileRef(f, `extraFiles[${i}].`) : c.add(`extraFiles[${i}]`, 'expected an object')));
  }
  if (raw.provenance !== undefined) checkProvenance(c, raw.provenance);
  if (c.issues.length) throw new PackError(c.issues[0]! + (c.issues.length > 1 ? ` (+${c.issues.length - 1} more)` : ''), c.issues);
  return raw as unknown as PackManifest;
}

export function shapeMatches(got: Dim[] | undefined, want: Dim[]): boolean {
  if (!Array.isArray(got) || got.length !== want.length) return false;
  return want.every((w, i) => (typeof w === 'string' ? typeof got[i] === 'string' || got[i] === -1 : got[i] === w));
}

export function fmtShape(s: Dim[] | undefined): string {
  return Array.isArray(s) ? `[${s.join(',')}]` : String(s);
}

/** Every file the manifest lists, with its expected sha256. */
export function listedFiles(m: PackManifest): FileRef[] {
  const out: FileRef[] = [];
  for (const e of Object.values(m.encoders)) out.push({ file: e.file, sha256: e.sha256 });
  for (const p of Object.values(m.projectors)) out.push({ file: p.file, sha256: p.sha256 });
  for (const t of Object.values(m.tokenizers)) {
    if (!t) continue;
    out.push({ file: t.file, sha256: t.sha256 });
    if (t.config) out.push({ file: t.config, sha256: t.configSha256 ?? '' });
  }
  for (const f of m.extraFiles ?? []) out.push(f);
  return out;
}

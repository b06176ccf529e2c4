/**
 * openSpace(packDir): the Space of a model pack — preprocessing, ONNX encoders and projector ensembles, and
 * the §7.3 composition per space class. Returns components (base, expert, c, raw) so callers can fuse for
 * any factors without running a model again.
 */
import { join } from 'node:path';
import { decodeAudio, type DecodedAudio } from '../preprocess/audio/decode';
import { CLAP_CHUNK_FRAMES, clapFusionMel } from '../preprocess/audio/clap-fusion';
import { CLAP_N_MELS, clapLogMel } from '../preprocess/audio/clap-mel';
import { clapLoad48k } from '../preprocess/audio/clap-load';
import { clapNonfusionWaveform, clapRepeatPad } from '../preprocess/audio/clap-nonfusion';
import { clapLoad48kWindow } from '../preprocess/audio/clap-load';
import { IMAGEBIND_CLIP_VALUES, imagebindAudio, imagebindAudioClips, imagebindClipFromWindow } from '../preprocess/audio/imagebind-audio';
import { decodeImageRGB } from '../preprocess/image/decode';
import { imagebindVision } from '../preprocess/image/imagebind-vision';
import { internvlVision } from '../preprocess/image/internvl-vision';
import type { RgbImage } from '../preprocess/image/types';
import { ClipTokenizer } from '../preprocess/text/clip-tokenizer';
import { loadInternVLTokenizer, loadRobertaTokenizer, type PackTokenizer } from '../preprocess/text/hf-tokenizer';
import { loadPack } from '../pack/verify';
import { HEAD_ORDER, PackError, type PackManifest } from '../pack/manifest';
import { signatureIssues } from '../pack/onnx-signature';
import { ort, sharedSessionPool, type SessionPool, type SessionPoolOptions } from '../runtime/sessions';
import { dot, ensembleMean, headsOf, l2normalize, mix } from './fusion';
import { SPACE_CLASS_INFO, factorForClass, type ClassInfo } from './space-classes';
import type { ClipVector, EmbeddingComponents, PreparedAudio, PreparedClips, PreparedImage, SoundClipWindow, Space } from './types';
import type { Factors, Modality, ProviderInfo, SpaceClass } from '../domain/types';
import { EnvironmentError } from '../runtime/env-error';

export interface OpenSpaceOptions extends SessionPoolOptions {
  /** Verify sha256 of every pack file on open (default true; the app may skip it for packs it imported). */
  checksums?: boolean;
  /** Items per encoder run (default 8). */
  batchSize?: number;
  /** Use this session pool instead of the process-wide shared one. */
  pool?: SessionPool;
  /** Clip length for per-clip vectors (seconds, default 2). */
  clipSec?: number;
}

/** An input file that could not be read or decoded; the message names the file. */
export class MediaError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message.includes(file) ? message : `${file}: ${message}`);
    this.name = 'MediaError';
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function mediaStep<T>(file: string, f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof MediaError || e instanceof EnvironmentError) throw e; // the disk's fault is not the file's
    const msg = errText(e);
    throw new MediaError(file, msg);
  }
}

const i64 = (ids: readonly number[]) => BigInt64Array.from(ids, (v) => BigInt(v));

class PackSpace implements Space {
  readonly packId: string;
  readonly packName: string;
  readonly isTestPack: boolean;
  readonly spaceClass: SpaceClass;
  readonly dim: number;
  private readonly info: ClassInfo;
  private readonly batch: number;
  private readonly clipSec: number;
  private clipTok?: ClipTokenizer;
  private roberta?: PackTokenizer;
  private internvlTok?: PackTokenizer;
  private readonly used = new Map<string, ProviderInfo>();
  private closed = false;

  constructor(
    readonly packDir: string,
    readonly manifest: PackManifest,
    private readonly pool: SessionPool,
    opts: OpenSpaceOptions,
  ) {
    this.packId = manifest.id;
    this.packName = manifest.name;
    this.isTestPack = manifest.test;
    this.spaceClass = manifest.space;
    this.dim = manifest.dim;
    this.info = SPACE_CLASS_INFO[manifest.space];
    this.batch = Math.max(1, opts.batchSize ?? 8);
    this.clipSec = opts.clipSec ?? 2;
  }

  factorFor(modality: Modality): keyof Factors | null {
    return factorForClass(this.spaceClass, modality);
  }

  providers(): ProviderInfo[] {
    return [...this.used.values()];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.release();
  }

  // ------------------------------------------------------------------------------------------ running

  private file(rel: string): string {
    return join(this.packDir, rel);
  }

  /** Run encoder `eid` on n items; feeds(start, count) builds the batch. Returns n unit vectors. */
  private async encode(eid: string, n: number, feeds: (start: number, count: number) => Record<string, ort.Tensor>): Promise<Float32Array[]> {
    if (this.closed) throw new Error(`space ${this.packId} is closed`);
    const e = this.manifest.encoders[eid];
    if (!e) throw new PackError(`pack.json: encoders.${eid}: missing (space ${this.spaceClass} needs it)`);
    const out: Float32Array[] = [];
    for (let s = 0; s < n; s += this.batch) {
      const count = Math.min(this.batch, n - s);
      const { outputs, info } = await this.pool.run(this.file(e.file), eid, feeds(s, count), (sess) => signatureIssues(e.file, sess, e.inputs, e.outputs));
      this.used.set(eid, { ...info, encoder: eid });
      const y = outputs[e.outputs[0]!.name]!;
      const d = y.dims[y.dims.length - 1]!;
      if (y.dims[0] !== count || y.dims.length !== 2) throw new Error(`${e.file}: output has shape [${y.dims.join(',')}], expected [${count},${d}]`);
      const data = y.data as Float32Array;
      for (let i = 0; i < count; i++) {
        const v = data.subarray(i * d, (i + 1) * d);
        for (let j = 0; j < d; j++) if (!Number.isFinite(v[j]!)) throw new Error(`${e.file}: output contains non-finite values`);
        out.push(l2normalize(v));
      }
    }
    return out;
  }

  /** Projector family → for each input vector, its 7 heads. */
  private async project(family: string, xs: Float32Array[]): Promise<Float32Array[][]> {
    const p = this.manifest.projectors[family];
    if (!p) throw new PackError(`pack.json: projectors.${family}: missing`);
    const out: Float32Array[][] = [];
    const bs = Math.max(this.batch, 32);
    for (let s = 0; s < xs.length; s += bs) {
      const chunk = xs.slice(s, s + bs);
      const x = new Float32Array(chunk.length * p.inDim);
      chunk.forEach((v, i) => {
        if (v.length !== p.inDim) throw new Error(`${p.file}: input has ${v.length} dims, the projector takes ${p.inDim}`);
        x.set(v, i * p.inDim);
      });
      const { outputs, info } = await this.pool.run(
        this.file(p.file),
        family,
        { [p.input.name]: new ort.Tensor('float32', x, [chunk.length, p.inDim]) },
        (sess) => signatureIssues(p.file, sess, [p.input], [p.output]),
      );
      this.used.set(family, { ...info, encoder: family });
      const y = outputs[p.output.name]!;
      const data = y.data as Float32Array;
      for (let i = 0; i < chunk.length; i++) out.push(headsOf(data, i, HEAD_ORDER.length, p.outDim).map((h) => Float32Array.from(h)));
    }
    return out;
  }

  /** Drvt(x): ensemble of the displacement family (InternVL_IB_Proj) on each x. */
  private async displace(xs: Float32Array[]): Promise<Float32Array[]> {
    const heads = await this.project(this.manifest.roles.displacement!, xs);
    return heads.map((h) => ensembleMean(h));
  }

  /** FT audio head ensemble on each (normalised, clip-averaged) fine-tuned trunk vector. */
  private async ftHead(xs: Float32Array[]): Promise<Float32Array[]> {
    const heads = await this.project(this.manifest.roles.ftAudioHead!, xs);
    return heads.map((h) => ensembleMean(h));
  }

  /** Crat: ensemble of the 14 projectors (G family on CLAP-General, M family on CLAP-Music). */
  private async combine(general: Float32Array[], music: Float32Array[]): Promise<Float32Array[]> {
    const c = this.manifest.roles.combination!;
    const g = await this.project(c.general, general);
    const m = await this.project(c.music, music);
    return g.map((heads, i) => ensembleMean([...heads, ...m[i]!]));
  }

  private components(modality: Modality, base: Float32Array[], expert: Float32Array[] | null, raw: Record<string, Float32Array>[]): EmbeddingComponents[] {
    const factor = expert ? this.factorFor(modality) : null;
    return base.map((b, i) => {
      const x = expert ? expert[i]! : null;
      return { modality, base: b, expert: x, c: x ? dot(x, b) : 1, factor, raw: raw[i]! };
    });
  }

  // ---------------------------------------------------------------------------------------------- text

  private tokenizers(): { clip: ClipTokenizer; roberta?: PackTokenizer; internvl?: PackTokenizer } {
    const t = this.manifest.tokenizers;
    try {
      this.clipTok ??= ClipTokenizer.load(this.file(t.clip_bpe!.file));
      if (this.info.pp && !this.roberta) this.roberta = loadRobertaTokenizer(this.file(t.roberta!.file));
      if (this.info.internvl && !this.internvlTok) this.internvlTok = loadInternVLTokenizer(this.file(t.internvl!.file));
    } catch (e) {
      throw new PackError(`${this.packDir}: tokenizer: ${errText(e)}`);
    }
    return { clip: this.clipTok, roberta: this.roberta, internvl: this.internvlTok };
  }

  async embedTexts(texts: string[]): Promise<EmbeddingComponents[]> {
    if (texts.length === 0) return [];
    texts.forEach((t, i) => {
      if (typeof t !== 'string') throw new TypeError(`text #${i + 1} is not a string`);
    });
    const tok = this.tokenizers();
    const clipIds = texts.map((t) => tok.clip.encode(t).ids);
    const ib = await this.encode('imagebind_text', texts.length, (s, n) => ({
      tokens: new ort.Tensor('int64', i64(clipIds.slice(s, s + n).flat()), [n, 77]),
    }));
    const raw: Record<string, Float32Array>[] = ib.map((v) => ({ imagebind_text: v }));
    let base = ib;
    if (this.info.internvl) {
      const vlIds = texts.map((t) => tok.internvl!.encode(t).inputIds);
      const vlc = await this.encode('internvl_text', texts.length, (s, n) => ({
        input_ids: new ort.Tensor('int64', i64(vlIds.slice(s, s + n).flat()), [n, tok.internvl!.length]),
      }));
      const drvt = await this.displace(ib);
      base = drvt.map((d, i) => mix(d, vlc[i]!, this.info.inner!));
      vlc.forEach((v, i) => (raw[i]!.internvl_text = v));
    }
    let expert: Float32Array[] | null = null;
    if (this.info.pp) {
      const enc = texts.map((t) => tok.roberta!.encode(t));
      const feeds = (s: number, n: number) => ({
        input_ids: new ort.Tensor('int64', i64(enc.slice(s, s + n).flatMap((e) => e.inputIds)), [n, 77]),
        attention_mask: new ort.Tensor('int64', i64(enc.slice(s, s + n).flatMap((e) => e.attentionMask)), [n, 77]),
      });
      const g = await this.encode('clap_general_text', texts.length, feeds);
      const m = await this.encode('clap_music_text', texts.length, feeds);
      g.forEach((v, i) => Object.assign(raw[i]!, { clap_general_text: v, clap_music_text: m[i]! }));
      expert = await this.combine(g, m);
    }
    return this.components('text', base, expert, raw);
  }

  // -------------------------------------------------------------------------------------------- images

  async prepareImage(file: string, decoded?: RgbImage): Promise<PreparedImage> {
    return mediaStep(file, async () => {
      const img = decoded ?? (await decodeImageRGB(file));
      const tensors: Record<string, Float32Array> = { imagebind_vision: imagebindVision(img).tensor };
      if (this.info.internvl) tensors.internvl_vision = internvlVision(img).tensor;
      return { source: file, width: img.width, height: img.height, tensors };
    });
  }

  async encodeImages(items: PreparedImage[]): Promise<EmbeddingComponents[]> {
    if (items.length === 0) return [];
    const stack = (key: string, s: number, n: number) => {
      const x = new Float32Array(n * 3 * 224 * 224);
      for (let i = 0; i < n; i++) {
        const t = items[s + i]!.tensors[key];
        if (!t || t.length !== 3 * 224 * 224) throw new Error(`${items[s + i]!.source}: prepared ${key} tensor missing or not [3,224,224]`);
        x.set(t, i * 3 * 224 * 224);
      }
      return new ort.Tensor('float32', x, [n, 3, 224, 224]);
    };
    const ib = await this.encode('imagebind_vision', items.length, (s, n) => ({ image: stack('imagebind_vision', s, n) }));
    const raw: Record<string, Float32Array>[] = ib.map((v) => ({ imagebind_vision: v }));
    let base = ib;
    if (this.info.internvl) {
      const vlc = await this.encode('internvl_vision', items.length, (s, n) => ({ image: stack('internvl_vision', s, n) }));
      const drvt = await this.displace(ib);
      base = drvt.map((d, i) => mix(d, vlc[i]!, this.info.inner!));
      vlc.forEach((v, i) => (raw[i]!.internvl_vision = v));
    }
    return this.components('image', base, null, raw);
  }

  async embedImages(files: string[]): Promise<EmbeddingComponents[]> {
    const prepared: PreparedImage[] = [];
    for (const f of files) prepared.push(await this.prepareImage(f));
    return this.encodeImages(prepared);
  }

  // -------------------------------------------------------------------------------------------- audios

  private audioTrunk(): string {
    return this.info.ftAudio ? 'imagebind_ft_audio' : 'imagebind_audio';
  }

  async prepareAudio(file: string, opts: { clips?: boolean } = {}, decoded?: DecodedAudio): Promise<PreparedAudio> {
    return mediaStep(file, async () => {
      const a: DecodedAudio = decoded ?? (await decodeAudio(file));
      const n = a.channels[0]?.length ?? 0;
      if (n === 0) throw new Error('audio has no samples');
      const tensors: Record<string, Float32Array> = { imagebind_audio: imagebindAudio(a).tensor };
      let longer = false;
      let x48: Float32Array | null = null;
      if (this.info.pp) {
        x48 = clapLoad48k(a);
        const fusion = clapFusionMel(x48);
        tensors.clap_fusion_mel = fusion.mel;
        longer = fusion.longer;
        tensors.clap_nonfusion_waveform = clapNonfusionWaveform(x48).waveform;
      }
      const out: PreparedAudio = { source: file, sampleRate: a.sampleRate, channels: a.channels.length, durationSec: n / a.sampleRate, tensors, longer };
      if (opts.clips) {
        const c = imagebindAudioClips(a, this.clipSec);
        out.clipTensors = c.tensor;
        out.clipSpans = c.spans.map(([s, e]) => [s / 16000, e / 16000]);
        if (x48 && out.durationSec <= MAX_CLIP_EXPERT_SEC) Object.assign(out, clapClipInputs(x48, c.spans));
      }
      return out;
    });
  }

  async prepareClips(source: string, windows: SoundClipWindow[], opts: { experts?: boolean } = {}): Promise<PreparedClips> {
    return mediaStep(source, () => {
      const n = windows.length;
      const clipTensors = new Float32Array(n * IMAGEBIND_CLIP_VALUES);
      windows.forEach((w, k) => imagebindClipFromWindow(w, w.span16k[0], w.span16k[1], clipTensors, k * IMAGEBIND_CLIP_VALUES));
      const out: PreparedClips = { source, clipTensors, clipSpans: windows.map((w) => [w.span16k[0] / 16000, w.span16k[1] / 16000]) };
      if (this.info.pp && opts.experts) {
        const MEL = CLAP_CHUNK_FRAMES * CLAP_N_MELS;
        const x48 = windows.map((w) => clapLoad48kWindow(w, 3 * w.span16k[0], 3 * w.span16k[1]));
        const offsets = new Int32Array(n + 1);
        x48.forEach((x, j) => (offsets[j + 1] = offsets[j]! + x.length));
        const wave = new Float32Array(offsets[n]!);
        const mel = new Float32Array(n * MEL);
        x48.forEach((x, j) => {
          if (x.length === 0) throw new Error(`clip ${j + 1} has no 48 kHz samples`);
          wave.set(x, offsets[j]!);
          mel.set(clapLogMel(clapRepeatPad(x)), j * MEL);
        });
        Object.assign(out, { clipClapMel: mel, clipClap48: wave, clipClap48Offsets: offsets });
      }
      return out;
    });
  }

  async encodeClips(p: PreparedClips): Promise<ClipVector[]> {
    if (p.clipSpans.length === 0) return [];
    return this.clipVectors(p as PreparedAudio);
  }

  /** Trunk vectors → the space's audio base (IB, Drvt(IB) or FT head), one per input vector. */
  private async audioBase(trunk: Float32Array[]): Promise<Float32Array[]> {
    if (this.info.ftAudio) return this.ftHead(trunk);
    if (this.info.internvl) return this.displace(trunk);
    return trunk;
  }

  async encodeAudios(items: PreparedAudio[]): Promise<EmbeddingComponents[]> {
    if (items.length === 0) return [];
    const CLIP = 128 * 204;
    const trunkId = this.audioTrunk();
    // 3 reference clips per file, run as one batch of clips; per file normalize(mean_k normalize(h_k)) (§3.6)
    const clipVecs = await this.encode(trunkId, items.length * 3, (s, n) => {
      const x = new Float32Array(n * CLIP);
      for (let k = 0; k < n; k++) {
        const item = items[Math.floor((s + k) / 3)]!;
        const t = item.tensors.imagebind_audio;
        if (!t || t.length !== 3 * CLIP) throw new Error(`${item.source}: prepared imagebind_audio tensor missing or not [3,1,128,204]`);
        const c = (s + k) % 3;
        x.set(t.subarray(c * CLIP, (c + 1) * CLIP), k * CLIP);
      }
      return { clips: new ort.Tensor('float32', x, [n, 1, 128, 204]) };
    });
    const trunk = items.map((_, i) => ensembleMean(clipVecs.slice(3 * i, 3 * i + 3)));
    const raw: Record<string, Float32Array>[] = trunk.map((v) => ({ [trunkId]: v }));
    const base = await this.audioBase(trunk);
    let expert: Float32Array[] | null = null;
    if (this.info.pp) {
      const g = await this.encode('clap_general_audio', items.length, (s, n) => {
        const x = new Float32Array(n * 4 * 1001 * 64);
        const longer = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          const it = items[s + i]!;
          const t = it.tensors.clap_fusion_mel;
          if (!t || t.length !== 4 * 1001 * 64) throw new Error(`${it.source}: prepared clap_fusion_mel tensor missing or not [4,1001,64]`);
          x.set(t, i * 4 * 1001 * 64);
          longer[i] = it.longer ? 1 : 0;
        }
        return { mel_fusion: new ort.Tensor('float32', x, [n, 4, 1001, 64]), longer: new ort.Tensor('bool', longer, [n]) };
      });
      const m = await this.encode('clap_music_audio', items.length, (s, n) => {
        const x = new Float32Array(n * 480000);
        for (let i = 0; i < n; i++) {
          const it = items[s + i]!;
          const t = it.tensors.clap_nonfusion_waveform;
          if (!t || t.length !== 480000) throw new Error(`${it.source}: prepared clap_nonfusion_waveform tensor missing or not [480000]`);
          x.set(t, i * 480000);
        }
        return { waveform: new ort.Tensor('float32', x, [n, 480000]) };
      });
      g.forEach((v, i) => Object.assign(raw[i]!, { clap_general_audio: v, clap_music_audio: m[i]! }));
      expert = await this.combine(g, m);
    }
    const comps = this.components('audio', base, expert, raw);
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (it.clipTensors && it.clipSpans) comps[i]!.clips = await this.clipVectors(it);
    }
    return comps;
  }

  /** Per-clip base-space vectors: the trunk on each consecutive clip, then the same audio base mapping. */
  private async clipVectors(it: PreparedAudio): Promise<ClipVector[]> {
    const CLIP = 128 * 204;
    const n = it.clipSpans!.length;
    if (it.clipTensors!.length !== n * CLIP) throw new Error(`${it.source}: clip tensors do not match ${n} clip spans`);
    const trunk = await this.encode(this.audioTrunk(), n, (s, c) => ({
      clips: new ort.Tensor('float32', it.clipTensors!.slice(s * CLIP, (s + c) * CLIP), [c, 1, 128, 204]),
    }));
    const vecs = await this.audioBase(trunk);
    const experts = it.clipClapMel && it.clipClap48 && it.clipClap48Offsets ? await this.clipExperts(it, n) : null;
    return vecs.map((vector, k) => ({
      startSec: it.clipSpans![k]![0], endSec: it.clipSpans![k]![1], vector, ...(experts ? { expert: experts[k]! } : {}),
    }));
  }

  /** Per-clip expert vectors: the CLAP experts on each clip alone (repeat-padded to 10 s), then Crat. */
  private async clipExperts(it: PreparedAudio, n: number): Promise<Float32Array[]> {
    const MEL = CLAP_CHUNK_FRAMES * CLAP_N_MELS;
    const mel = it.clipClapMel!, w = it.clipClap48!, off = it.clipClap48Offsets!;
    if (mel.length !== n * MEL || off.length !== n + 1) throw new Error(`${it.source}: clip CLAP inputs do not match ${n} clip spans`);
    const g = await this.encode('clap_general_audio', n, (s, c) => {
      const x = new Float32Array(c * 4 * MEL);
      for (let i = 0; i < c; i++) for (let k = 0; k < 4; k++) x.set(mel.subarray((s + i) * MEL, (s + i + 1) * MEL), (4 * i + k) * MEL);
      return { mel_fusion: new ort.Tensor('float32', x, [c, 4, 1001, 64]), longer: new ort.Tensor('bool', new Uint8Array(c), [c]) };
    });
    const m = await this.encode('clap_music_audio', n, (s, c) => {
      const x = new Float32Array(c * 480000);
      for (let i = 0; i < c; i++) x.set(clapRepeatPad(w.subarray(off[s + i]!, off[s + i + 1]!)), i * 480000);
      return { waveform: new ort.Tensor('float32', x, [c, 480000]) };
    });
    return this.combine(g, m);
  }

  async embedAudios(files: string[], opts: { clips?: boolean } = {}): Promise<EmbeddingComponents[]> {
    const prepared: PreparedAudio[] = [];
    for (const f of files) prepared.push(await this.prepareAudio(f, opts));
    return this.encodeAudios(prepared);
  }
}

/** Recordings longer than this get clip base vectors only (per-clip CLAP inputs would need ~0.6 MB a clip). */
export const MAX_CLIP_EXPERT_SEC = 600;

/** Each clip's own CLAP inputs: log-mel of the repeat-padded clip, and its 48 kHz samples. */
function clapClipInputs(x48: Float32Array, spans16k: [number, number][]): Pick<PreparedAudio, 'clipClapMel' | 'clipClap48' | 'clipClap48Offsets'> {
  const MEL = CLAP_CHUNK_FRAMES * CLAP_N_MELS;
  const n = spans16k.length;
  const offsets = new Int32Array(n + 1);
  const slices = spans16k.map(([s, e]) => x48.subarray(Math.min(x48.length, s * 3), Math.min(x48.length, e * 3)));
  slices.forEach((sl, j) => (offsets[j + 1] = offsets[j]! + sl.length));
  const wave = new Float32Array(offsets[n]!);
  const mel = new Float32Array(n * MEL);
  slices.forEach((sl, j) => {
    if (sl.length === 0) throw new Error(`clip ${j + 1} has no 48 kHz samples`);
    wave.set(sl, offsets[j]!);
    mel.set(clapLogMel(clapRepeatPad(sl)), j * MEL);
  });
  return { clipClapMel: mel, clipClap48: wave, clipClap48Offsets: offsets };
}

/** Open a pack folder as a Space (validates pack.json, checks every file and its sha256 unless disabled). */
export async function openSpace(packDir: string, opts: OpenSpaceOptions = {}): Promise<Space & { readonly manifest: PackManifest }> {
  const manifest = await loadPack(packDir, { checksums: opts.checksums ?? true });
  const pool = opts.pool ?? sharedSessionPool(opts);
  pool.retain();
  return new PackSpace(packDir, manifest, pool, opts);
}

// ImageBind's CLIP BPE tokenizer (docs/REFERENCE.md §2), from OpenAI's bpe_simple_vocab_16e6.txt.gz.
import { existsSync } from 'node:fs';
import { LIMITS } from '../../domain/limits';
import { FileRefusedError, readRegularFileSync } from '../../runtime/safe-read';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { cleanText, REGEX_WS } from './text-clean';

export const CONTEXT_LENGTH = 77;
export const SOT_ID = 49406;
export const EOT_ID = 49407;
const MERGE_COUNT = 49152 - 256 - 2; // lines 2 … 48,895 of the merges file

export interface ClipEncoding {
  /** 77 token ids, right-padded with 0. */
  ids: number[];
  /** Index the model pools at: argmax of ids, first maximum wins (§2.6). */
  eotIndex: number;
  /** Number of BPE tokens of the cleaned text (without SOT/EOT). */
  bpeTokenCount: number;
  /** True when the BPE tokens did not all fit (more than 75). */
  truncated: boolean;
}

/** GPT-2's byte → printable character table, in its construction order (this order defines ids 0–255). */
export function bytesToUnicode(): { bytes: number[]; chars: string[] } {
  const bytes: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bytes.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bytes.push(b);
  for (let b = 0xae; b <= 0xff; b++) bytes.push(b);
  const codes = bytes.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      codes.push(256 + n++);
    }
  }
  return { bytes, chars: codes.map((c) => String.fromCodePoint(c)) };
}

// <|startoftext|> | <|endoftext|> | contractions | letters+ | one digit | other non-space run (case-insensitive).
// \s spelled out as the `regex` module's set (JS \s differs: it has U+FEFF, lacks U+0085).
const PRETOKENIZE = new RegExp(
  `<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^${REGEX_WS}\\p{L}\\p{N}]+`,
  'giu',
);

/** The pre-tokeniser pieces of already-cleaned text (§2.3). */
export function pretokenize(cleaned: string): string[] {
  return Array.from(cleaned.matchAll(PRETOKENIZE), (m) => m[0]);
}

/** The app root: MOLECULE_APP_ROOT (packaged app), else the folder with package.json above this module. */
function findRoot(): string {
  if (process.env.MOLECULE_APP_ROOT) return process.env.MOLECULE_APP_ROOT;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 10; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error('ClipTokenizer: cannot find the project root (no package.json above the module)');
}

/** MOLECULE_CLIP_BPE, else <app root>/resources/vocab/bpe_simple_vocab_16e6.txt.gz. */
export function defaultBpePath(): string {
  return process.env.MOLECULE_CLIP_BPE ?? join(findRoot(), 'resources', 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
}

export class ClipTokenizer {
  private readonly byteChar: string[] = new Array(256);
  private readonly encoder = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();

  private constructor(merges: string[]) {
    const { bytes, chars } = bytesToUnicode();
    bytes.forEach((b, i) => (this.byteChar[b] = chars[i]!));
    const vocab: string[] = [...chars, ...chars.map((c) => c + '</w>')];
    merges.forEach((m, rank) => {
      const [a, b] = m.split(' ');
      this.ranks.set(`${a} ${b}`, rank);
      vocab.push(a! + b!);
    });
    vocab.push('<|startoftext|>', '<|endoftext|>');
    vocab.forEach((tok, id) => this.encoder.set(tok, id));
    if (vocab.length !== EOT_ID + 1) throw new Error(`ClipTokenizer: vocabulary has ${vocab.length} entries, expected ${EOT_ID + 1}`);
  }

  /** Load the merges file (gzip). Default: the shipped resources/vocab/bpe_simple_vocab_16e6.txt.gz. */
  static load(bpeGzPath: string = defaultBpePath()): ClipTokenizer {
    let text: string;
    try {
      // a regular file of bounded size, and a bounded expansion (a gzip bomb stops at the limit)
      text = gunzipSync(readRegularFileSync(bpeGzPath, LIMITS.fileBytes.vocabulary), { maxOutputLength: 4 * LIMITS.fileBytes.vocabulary }).toString('utf8');
    } catch (e) {
      const why = e instanceof FileRefusedError ? e.reason : (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? `expands to more than ${(4 * LIMITS.fileBytes.vocabulary) / 2 ** 20} MiB` : (e as Error).message;
      throw new Error(`ClipTokenizer: cannot read BPE merges file ${bpeGzPath}: ${why}`);
    }
    const lines = text.split('\n').slice(1, 1 + MERGE_COUNT);
    if (lines.length !== MERGE_COUNT || lines.some((l) => l.split(' ').length !== 2)) {
      throw new Error(`ClipTokenizer: ${bpeGzPath} is not a CLIP BPE merges file (need ${MERGE_COUNT} merge lines)`);
    }
    return new ClipTokenizer(lines);
  }

  private bpe(piece: string): number[] {
    const hit = this.cache.get(piece);
    if (hit) return hit;
    const utf8 = Buffer.from(piece, 'utf8');
    let word: string[] = Array.from(utf8, (b) => this.byteChar[b]!);
    word[word.length - 1] += '</w>';
    while (word.length > 1) {
      let best = Infinity;
      let pair: [string, string] | undefined;
      for (let i = 0; i < word.length - 1; i++) {
        const r = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < best) {
          best = r;
          pair = [word[i]!, word[i + 1]!];
        }
      }
      if (!pair) break;
      const [a, b] = pair;
      const merged: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (i < word.length - 1 && word[i] === a && word[i + 1] === b) {
          merged.push(a + b);
          i += 2;
        } else merged.push(word[i++]!);
      }
      word = merged;
    }
    const ids = word.map((s) => {
      const id = this.encoder.get(s);
      if (id === undefined) throw new Error(`ClipTokenizer: symbol ${JSON.stringify(s)} not in vocabulary`);
      return id;
    });
    if (this.cache.size >= 100_000) this.cache.clear(); // bounded memory in a long-running app
    this.cache.set(piece, ids);
    return ids;
  }

  /** BPE ids of the cleaned text, without SOT/EOT. */
  tokenize(text: string): number[] {
    const ids: number[] = [];
    for (const piece of pretokenize(cleanText(text))) {
      if (piece === '<|startoftext|>') ids.push(SOT_ID);
      else if (piece === '<|endoftext|>') ids.push(EOT_ID);
      else ids.push(...this.bpe(piece));
    }
    return ids;
  }

  /**
   * The [77] ids ImageBind feeds its text model. Default = current upstream rule (EOT always kept at
   * index ≤ 76); `legacy: true` = the 2024 rule FreeBind ran with (plain cut after 77, EOT may be lost).
   */
  encode(text: string, opts: { legacy?: boolean } = {}): ClipEncoding {
    if (typeof text !== 'string') throw new TypeError('ClipTokenizer.encode: text must be a string');
    const bpe = this.tokenize(text);
    let seq: number[];
    if (opts.legacy) seq = [SOT_ID, ...bpe, EOT_ID].slice(0, CONTEXT_LENGTH);
    else seq = [...[SOT_ID, ...bpe].slice(0, CONTEXT_LENGTH - 1), EOT_ID];
    const ids = seq.concat(new Array(CONTEXT_LENGTH - seq.length).fill(0));
    let eotIndex = 0;
    for (let i = 1; i < ids.length; i++) if (ids[i]! > ids[eotIndex]!) eotIndex = i;
    return { ids, eotIndex, bpeTokenCount: bpe.length, truncated: bpe.length > CONTEXT_LENGTH - 2 };
  }
}

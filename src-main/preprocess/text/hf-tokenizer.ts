// Tokenizers a model pack carries as Hugging Face tokenizer.json files:
//   CLAP text (RoBERTa, docs/REFERENCE.md §5) and InternVL-C text (Llama/SentencePiece, §6).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { parseJsonBounded } from '../../runtime/json-bounded';
import { LIMITS } from '../../domain/limits';
import { FileRefusedError, readRegularTextSync } from '../../runtime/safe-read';

/** A tokenizer file of a pack cannot be read or used; the message names the file and the reason. */
export class TokenizerFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerFileError';
  }
}

export interface TextIds {
  /** Token ids, padded to the model's fixed length. */
  inputIds: number[];
  /** 1 on real tokens (including BOS/EOS), 0 on padding. */
  attentionMask: number[];
}

export interface PackTokenizer {
  /** Fixed sequence length of the encoder input. */
  readonly length: number;
  encode(text: string): TextIds;
}

export const ROBERTA_LENGTH = 77;
export const INTERNVL_LENGTH = 80;
export const INTERNVL_PREFIX = 'summarize:';

/** A JSON object from a regular file of at most LIMITS.fileBytes.tokenizer bytes, nesting bounded. */
function readJsonObject(path: string, what: string, file: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = parseJsonBounded(readRegularTextSync(path, LIMITS.fileBytes.tokenizer), file);
  } catch (e) {
    const why = e instanceof FileRefusedError ? e.reason : (e as Error).message;
    throw new TokenizerFileError(`${what}: cannot read ${file} ${path}: ${why}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TokenizerFileError(`${what}: ${path} is not a JSON object`);
  return v as Record<string, unknown>;
}

function loadHf(tokenizerJsonPath: string, what: string): Tokenizer {
  const json = readJsonObject(tokenizerJsonPath, what, 'tokenizer file');
  const cfgPath = join(dirname(tokenizerJsonPath), 'tokenizer_config.json');
  const config = existsSync(cfgPath) ? readJsonObject(cfgPath, what, 'tokenizer_config.json') : {};
  try {
    return new Tokenizer(json, config);
  } catch (e) {
    throw new TokenizerFileError(`${what}: ${tokenizerJsonPath} is not a usable tokenizer.json: ${(e as Error)?.message ?? String(e)}`);
  }
}

function requireId(tok: Tokenizer, token: string, what: string, path: string): number {
  const id = tok.token_to_id(token);
  if (id === undefined) throw new TokenizerFileError(`${what}: ${path} has no "${token}" token`);
  return id;
}

function pieces(tok: Tokenizer, text: string, what: string, path: string): number[] {
  if (typeof text !== 'string') throw new TypeError(`${what}: text must be a string`);
  try {
    return tok.encode(text, { add_special_tokens: false }).ids;
  } catch (e) {
    // a tokenizer.json that loads but whose parts are malformed (a post_processor of the wrong shape …) fails here
    throw new TokenizerFileError(`${what}: ${path} cannot encode text: ${(e as Error)?.message ?? String(e)}`);
  }
}

function pad(ids: number[], length: number, padId: number): TextIds {
  const attentionMask = ids.map(() => 1);
  while (ids.length < length) {
    ids.push(padId);
    attentionMask.push(0);
  }
  return { inputIds: ids, attentionMask };
}

/**
 * CLAP's RoBERTa tokenizer (§5): `[<s>] + first 75 BPE ids + [</s>]`, right-padded with `<pad>` to 77.
 * Special tokens are looked up by name (roberta-base: <s>=0, <pad>=1, </s>=2).
 */
export function loadRobertaTokenizer(tokenizerJsonPath: string): PackTokenizer {
  const what = 'RoBERTa tokenizer';
  const tok = loadHf(tokenizerJsonPath, what);
  const bos = requireId(tok, '<s>', what, tokenizerJsonPath);
  const eos = requireId(tok, '</s>', what, tokenizerJsonPath);
  const padId = requireId(tok, '<pad>', what, tokenizerJsonPath);
  return {
    length: ROBERTA_LENGTH,
    encode(text: string): TextIds {
      const body = pieces(tok, text, what, tokenizerJsonPath).slice(0, ROBERTA_LENGTH - 2);
      return pad([bos, ...body, eos], ROBERTA_LENGTH, padId);
    },
  };
}

/**
 * InternVL-C's Llama tokenizer (§6): `[1] + pieces("summarize:" + text)` cut to 78 pieces `+ [2]`,
 * right-padded with 0 to 80 (the model's mask is ids > 0, it pools at the EOS). A pack exported with the other
 * reading (`--internvl-pad tokenizer`, FreeBind's code) declares `pad_token_id` in its tokenizer_config.json.
 */
export function loadInternVLTokenizer(tokenizerJsonPath: string): PackTokenizer {
  const what = 'InternVL tokenizer';
  const tok = loadHf(tokenizerJsonPath, what);
  const bos = requireId(tok, '<s>', what, tokenizerJsonPath);
  const eos = requireId(tok, '</s>', what, tokenizerJsonPath);
  const padId = configPadId(tokenizerJsonPath, what);
  return {
    length: INTERNVL_LENGTH,
    encode(text: string): TextIds {
      const body = pieces(tok, INTERNVL_PREFIX + text, what, tokenizerJsonPath).slice(0, INTERNVL_LENGTH - 2);
      return pad([bos, ...body, eos], INTERNVL_LENGTH, padId);
    },
  };
}

/**
 * `pad_token_id` of the tokenizer_config.json beside the tokenizer (0 when absent). The id may be an added token
 * the model knows but tokenizer.json does not list (InternVL's [PAD]), so it is only bounded, not looked up.
 */
function configPadId(tokenizerJsonPath: string, what: string): number {
  const cfgPath = join(dirname(tokenizerJsonPath), 'tokenizer_config.json');
  if (!existsSync(cfgPath)) return 0;
  const v = readJsonObject(cfgPath, what, 'tokenizer_config.json').pad_token_id;
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 1 << 24) {
    throw new TokenizerFileError(`${what}: ${cfgPath}: pad_token_id ${JSON.stringify(v)} is not a token id`);
  }
  return v;
}

/** int64 tensor data for ONNX Runtime. */
export function toInt64(ids: readonly number[]): BigInt64Array {
  return BigInt64Array.from(ids, (v) => BigInt(v));
}

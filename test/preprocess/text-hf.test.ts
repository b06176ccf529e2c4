// Pack tokenizers (§5 RoBERTa for CLAP, §6 Llama/SentencePiece for InternVL-C) on small tokenizer.json
// files written here: a byte-level BPE in the roberta-base layout and a Llama-style BPE with byte fallback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInternVLTokenizer, loadRobertaTokenizer, toInt64, TokenizerFileError } from '../../src-main/preprocess/text/hf-tokenizer';

let dir: string;

const special = (id: number, content: string, extra: Record<string, unknown> = {}) => ({
  id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...extra,
});

/** GPT-2 byte→char table written out independently: printable ranges first, then the rest from U+0100. */
function byteChars(): string[] {
  const printable: number[] = [];
  for (let b = 0; b < 256; b++) if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)) printable.push(b);
  const rest: number[] = [];
  for (let b = 0; b < 256; b++) if (!printable.includes(b)) rest.push(b);
  return [...printable.map((b) => String.fromCharCode(b)), ...rest.map((_, i) => String.fromCharCode(0x100 + i))];
}

function robertaJson() {
  // ids: <s>=0 <pad>=1 </s>=2 <unk>=3, byte chars 4..259, merged tokens 260.., <mask> last
  const vocab: Record<string, number> = { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 };
  byteChars().forEach((c, i) => (vocab[c] = 4 + i));
  const merges = ['h e', 'l l', 'he ll', 'hell o', 'Ġ w', 'o r', 'Ġw or', 'Ġwor l', 'Ġworl d'];
  merges.forEach((m, i) => (vocab[m.replace(' ', '')] = 260 + i));
  vocab['<mask>'] = 269;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<s>'), special(1, '<pad>'), special(2, '</s>'), special(3, '<unk>'), special(269, '<mask>', { lstrip: true })],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges },
  };
}

function llamaJson(style: 'normalizer' | 'metaspace') {
  // ids: <unk>=0 <s>=1 </s>=2, <0x00>..<0xFF> = 3..258, pieces 259.., merged pieces 272..
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  ['▁', 's', 'u', 'm', 'a', 'r', 'i', 'z', 'e', ':', 'd', 'o', 'g'].forEach((p, i) => (vocab[p] = 259 + i));
  const merges = ['▁ s', 'u m', '▁s um', 'm a', 'r i', 'ma ri', 'z e', '▁sum mari', '▁summari ze', 'd o', '▁ do', '▁do g'];
  merges.forEach((m, i) => (vocab[m.replace(' ', '')] = 272 + i));
  const normalizer =
    style === 'normalizer'
      ? { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] }
      : null;
  const pre_tokenizer = style === 'metaspace' ? { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false } : null;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
    normalizer,
    pre_tokenizer,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: null,
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges },
  };
}

const write = (name: string, obj: unknown) => {
  const p = join(dir, name);
  mkdirSync(p, { recursive: true });
  writeFileSync(join(p, 'tokenizer.json'), JSON.stringify(obj));
  return join(p, 'tokenizer.json');
};

let robertaPath: string;
let llamaPaths: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'molecule-tok-'));
  robertaPath = write('roberta', robertaJson());
  llamaPaths = [write('llama-normalizer', llamaJson('normalizer')), write('llama-metaspace', llamaJson('metaspace'))];
  // tokenizer_config.json beside the files, as the pack exporter writes them
  writeFileSync(join(dir, 'roberta', 'tokenizer_config.json'), JSON.stringify({
    tokenizer_class: 'RobertaTokenizer', model_max_length: 77, bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>',
    sep_token: '</s>', cls_token: '<s>', pad_token: '<pad>', mask_token: '<mask>', add_prefix_space: false, errors: 'replace',
  }));
  writeFileSync(join(dir, 'llama-normalizer', 'tokenizer_config.json'), JSON.stringify({
    tokenizer_class: 'LlamaTokenizer', model_max_length: 80, bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>',
    pad_token: '<unk>', add_bos_token: true, add_eos_token: true,
  }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const padTo = (ids: number[], n: number, p: number) => [...ids, ...new Array(n - ids.length).fill(p)];
const maskOf = (real: number, n: number) => [...new Array(real).fill(1), ...new Array(n - real).fill(0)];

describe('RoBERTa tokenizer (§5)', () => {
  it('adds <s>/</s>, pads with <pad>=1 to 77 and masks the padding', () => {
    const t = loadRobertaTokenizer(robertaPath);
    const e = t.encode('hello world');
    expect(e.inputIds).toEqual(padTo([0, 263, 268, 2], 77, 1));
    expect(e.attentionMask).toEqual(maskOf(4, 77));
  });

  it('byte-level BPE: no prefix space, case kept, bytes of non-ASCII characters', () => {
    const t = loadRobertaTokenizer(robertaPath);
    // 'H' = 4 + (0x48 − 0x21) = 43; 'e' = 4 + 0x44 = 72; 'll' = 261; 'o' = 4 + 0x4e = 82
    expect(t.encode('Hello').inputIds.slice(0, 6)).toEqual([0, 43, 72, 261, 82, 2]);
    // ' hello' → 'Ġ' (byte 0x20 = 221st entry → 4 + 220 = 224) + 'hello'
    expect(t.encode(' hello').inputIds.slice(0, 4)).toEqual([0, 224, 263, 2]);
    // 'é' = C3 A9 → 4 + 127 = 131, 4 + 102 = 106
    expect(t.encode('é').inputIds.slice(0, 4)).toEqual([0, 131, 106, 2]);
  });

  it('recognises <mask> and strips the space before it', () => {
    const t = loadRobertaTokenizer(robertaPath);
    expect(t.encode('hello <mask>').inputIds.slice(0, 4)).toEqual([0, 263, 269, 2]);
  });

  it('truncates to <s> + 75 tokens + </s>', () => {
    const t = loadRobertaTokenizer(robertaPath);
    const e = t.encode(Array(100).fill('hello').join(' '));
    expect(e.inputIds.length).toBe(77);
    expect(e.inputIds[0]).toBe(0);
    expect(e.inputIds[76]).toBe(2);
    expect(e.inputIds.slice(1, 4)).toEqual([263, 224, 263]);
    expect(e.attentionMask).toEqual(maskOf(77, 77));
    expect(toInt64(e.inputIds)[76]).toBe(2n);
  });

  it('empty text gives <s></s> + padding', () => {
    const e = loadRobertaTokenizer(robertaPath).encode('');
    expect(e.inputIds).toEqual(padTo([0, 2], 77, 1));
  });

  it('clear errors for a missing or broken file', () => {
    expect(() => loadRobertaTokenizer(join(dir, 'nope.json'))).toThrow(/cannot read tokenizer file/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{not json');
    expect(() => loadRobertaTokenizer(bad)).toThrow(/RoBERTa tokenizer/);
  });
});

describe('InternVL tokenizer (§6)', () => {
  for (const which of [0, 1]) {
    const style = which === 0 ? 'Prepend+Replace normalizer' : 'Metaspace pre-tokenizer';
    it(`${style}: "summarize:" prefix, BOS 1, EOS 2, pad 0 to 80`, () => {
      const t = loadInternVLTokenizer(llamaPaths[which]!);
      const e = t.encode('dog');
      // ▁summarize=280 ':'=268 'do'=281 'g'=271
      expect(e.inputIds).toEqual(padTo([1, 280, 268, 281, 271, 2], 80, 0));
      expect(e.attentionMask).toEqual(maskOf(6, 80));
      // a space becomes ▁ and '▁dog' merges (283)
      expect(t.encode(' dog').inputIds.slice(0, 5)).toEqual([1, 280, 268, 283, 2]);
    });

    it(`${style}: pad_token_id in tokenizer_config.json (an export with --internvl-pad tokenizer) pads with it`, () => {
      const d = join(dir, `llama-pad-${which}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'tokenizer.json'), readFileSync(llamaPaths[which]!));
      writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'LlamaTokenizer', pad_token: '[PAD]', pad_token_id: 49953 }));
      const e = loadInternVLTokenizer(join(d, 'tokenizer.json')).encode('dog');
      expect(e.inputIds).toEqual(padTo([1, 280, 268, 281, 271, 2], 80, 49953));
      expect(e.attentionMask).toEqual(maskOf(6, 80));
      writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify({ pad_token_id: -3 }));
      expect(() => loadInternVLTokenizer(join(d, 'tokenizer.json'))).toThrow(/pad_token_id -3 is not a token id/);
    });

    it(`${style}: byte fallback for characters outside the vocabulary`, () => {
      const t = loadInternVLTokenizer(llamaPaths[which]!);
      expect(t.encode('é').inputIds.slice(0, 6)).toEqual([1, 280, 268, 3 + 0xc3, 3 + 0xa9, 2]);
    });

    it(`${style}: truncation keeps BOS and EOS (78 pieces)`, () => {
      const t = loadInternVLTokenizer(llamaPaths[which]!);
      const e = t.encode(Array(100).fill(' dog').join(''));
      expect(e.inputIds.length).toBe(80);
      expect(e.inputIds[0]).toBe(1);
      expect(e.inputIds[79]).toBe(2);
      expect(e.inputIds.slice(1, 5)).toEqual([280, 268, 283, 283]);
      expect(e.inputIds.filter((v) => v > 0).length).toBe(80);
      expect(e.attentionMask).toEqual(maskOf(80, 80));
    });
  }
});

describe('a tokenizer.json that loads but cannot encode (issue 15 fuzzer, seed 15 case 7159)', () => {
  it('a TemplateProcessing post_processor without "single": the encode names the file (it was a bare TypeError)', () => {
    const src = join(import.meta.dirname, '..', '..', 'models', 'test-packs', 'internvl-ib-ft-pp-test', 'tokenizers', 'internvl', 'tokenizer.json');
    const json = JSON.parse(readFileSync(src, 'utf8'));
    delete json.post_processor.single;
    const dir = mkdtempSync(join(tmpdir(), 'tok-bad-'));
    try {
      writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
      const tok = loadInternVLTokenizer(join(dir, 'tokenizer.json'));
      expect(() => tok.encode('a dog barking')).toThrow(TokenizerFileError);
      expect(() => tok.encode('a dog barking')).toThrow(/InternVL tokenizer: .*tokenizer\.json cannot encode text: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

"""Tokenizer files of a pack.

* CLIP BPE (ImageBind text): the merges file `bpe_simple_vocab_16e6.txt.gz` copied verbatim (PREPROCESSING §2);
  the app's own tokenizer reads it. Its sha256 is checked against the one the spec gives.
* RoBERTa (both CLAP text towers, §5): a Hugging Face `tokenizer.json` built from roberta-base `vocab.json` +
  `merges.txt` (byte-level BPE, no prefix space, <s> … </s>), plus `tokenizer_config.json`.
* InternVL (§6): `tokenizer.json` converted from the SentencePiece `tokenizer.model` the way transformers'
  LlamaConverter does (BPE over the SentencePiece pieces, merges ordered by piece score, byte fallback,
  normaliser Prepend("▁") + Replace(" " -> "▁")). Conversion refuses models whose normaliser or options it
  cannot express, instead of writing a tokenizer.json that tokenises differently.
"""
import gzip
import hashlib
import json
import os
import shutil

from .manifest import write_json

CLIP_BPE_SHA256 = "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a"
CLIP_BPE_NAME = "bpe_simple_vocab_16e6.txt.gz"


def _sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_clip_bpe(src, out_dir, expect_sha256=CLIP_BPE_SHA256):
    """Copy the CLIP merges file into out_dir/tokenizers/. Returns the manifest entry (path relative to the pack)."""
    if expect_sha256 is not None and _sha(src) != expect_sha256:
        raise ValueError("%s: sha256 %s is not the CLIP BPE file ImageBind ships (%s)" % (src, _sha(src), expect_sha256))
    with gzip.open(src, "rt", encoding="utf-8") as f:
        header = f.readline()
    if not header.startswith("\"bpe_simple_vocab_16e6.txt#version"):
        raise ValueError("%s: not a CLIP BPE merges file (first line %r)" % (src, header[:60]))
    rel = os.path.join("tokenizers", CLIP_BPE_NAME)
    os.makedirs(os.path.join(out_dir, "tokenizers"), exist_ok=True)
    shutil.copyfile(src, os.path.join(out_dir, rel))
    return {"file": rel}


# ------------------------------------------------------------------------------------------ RoBERTa

ROBERTA_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def roberta_tokenizer_json(vocab, merges):
    """tokenizer.json for RobertaTokenizer(roberta-base) as CLAP calls it (§5). vocab: {token: id}; merges: [(a, b)]."""
    missing = [t for t in ROBERTA_SPECIALS if t not in vocab]
    if missing:
        raise ValueError("RoBERTa vocab lacks special tokens %s" % missing)
    for a, b in merges:
        if (a + b) not in vocab:
            raise ValueError("RoBERTa merge %r %r produces %r, which is not in the vocab" % (a, b, a + b))
    added = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": t == "<mask>", "rstrip": False,
              "normalized": False, "special": True} for t in ROBERTA_SPECIALS]
    added.sort(key=lambda e: e["id"])
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", vocab["</s>"]], "cls": ["<s>", vocab["<s>"]],
                           "trim_offsets": True, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": ["%s %s" % m for m in merges]},
    }


ROBERTA_CONFIG = {"tokenizer_class": "RobertaTokenizer", "model_max_length": 77, "bos_token": "<s>", "eos_token": "</s>",
                  "unk_token": "<unk>", "sep_token": "</s>", "cls_token": "<s>", "pad_token": "<pad>",
                  "mask_token": "<mask>", "add_prefix_space": False, "errors": "replace"}


def read_roberta_files(vocab_json, merges_txt):
    with open(vocab_json, encoding="utf-8") as f:
        vocab = json.load(f)
    merges = []
    with open(merges_txt, encoding="utf-8") as f:
        for i, line in enumerate(f):
            line = line.rstrip("\n")
            if i == 0 and line.startswith("#version"):
                continue
            if not line:
                continue
            parts = line.split(" ")
            if len(parts) != 2:
                raise ValueError("%s line %d: expected two symbols, got %r" % (merges_txt, i + 1, line))
            merges.append((parts[0], parts[1]))
    return vocab, merges


def write_roberta(vocab_json, merges_txt, out_dir):
    vocab, merges = read_roberta_files(vocab_json, merges_txt)
    d = os.path.join(out_dir, "tokenizers", "roberta")
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "tokenizer.json"), roberta_tokenizer_json(vocab, merges))
    write_json(os.path.join(d, "tokenizer_config.json"), ROBERTA_CONFIG)
    return {"file": "tokenizers/roberta/tokenizer.json", "config": "tokenizers/roberta/tokenizer_config.json"}


# ------------------------------------------------------------------------------- InternVL (SentencePiece)

def _load_sp_proto(model_path):
    from sentencepiece import sentencepiece_model_pb2 as pb2  # python3-sentencepiece / pip sentencepiece

    m = pb2.ModelProto()
    with open(model_path, "rb") as f:
        m.ParseFromString(f.read())
    return m


def sentencepiece_to_tokenizer_json(model_path):
    """Llama-style tokenizer.json from a SentencePiece BPE model (what LlamaConverter in transformers 4.30 builds)."""
    proto = _load_sp_proto(model_path)
    spec, norm = proto.trainer_spec, proto.normalizer_spec
    if spec.model_type != 2:  # 1 = UNIGRAM, 2 = BPE
        raise ValueError("%s: SentencePiece model_type %d is not BPE; only BPE (Llama family) is supported" % (model_path, spec.model_type))
    if norm.name not in ("identity", "") or len(norm.precompiled_charsmap) > 0:
        raise ValueError("%s: normaliser %r with a charsmap cannot be expressed by this converter" % (model_path, norm.name))
    if not norm.add_dummy_prefix or norm.remove_extra_whitespaces:
        raise ValueError("%s: expected add_dummy_prefix=true, remove_extra_whitespaces=false (Llama); got %s, %s"
                         % (model_path, norm.add_dummy_prefix, norm.remove_extra_whitespaces))
    pieces = [(p.piece, p.score, p.type) for p in proto.pieces]
    vocab = {piece: i for i, (piece, _, _) in enumerate(pieces)}
    scores = {piece: score for piece, score, _ in pieces}
    # merges: every split (l, r) of a piece whose halves are both pieces, ordered by the merged piece's score
    # (higher first), ties by the ids of the halves -- as transformers' SentencePieceExtractor.extract(vocab_scores).
    merges = []
    for merged, score in scores.items():
        local = []
        for k in range(1, len(merged)):
            left, right = merged[:k], merged[k:]
            if left in vocab and right in vocab:
                local.append((left, right, score))
        local.sort(key=lambda m: (vocab[m[0]], vocab[m[1]]))
        merges.extend(local)
    merges.sort(key=lambda m: m[2], reverse=True)
    unk = pieces[spec.unk_id][0]
    bos = pieces[spec.bos_id][0] if spec.bos_id >= 0 else None
    eos = pieces[spec.eos_id][0] if spec.eos_id >= 0 else None
    # CONTROL (3) and USER_DEFINED (4) pieces are matched literally, UNKNOWN (2) is the unk piece.
    added = [{"id": i, "content": piece, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True}
             for i, (piece, _, t) in enumerate(pieces) if t in (2, 3)]
    single = ([{"SpecialToken": {"id": bos, "type_id": 0}}] if bos else []) + [{"Sequence": {"id": "A", "type_id": 0}}] + \
             ([{"SpecialToken": {"id": eos, "type_id": 0}}] if eos else [])
    pair = single + [{"Sequence": {"id": "B", "type_id": 1}}] + ([{"SpecialToken": {"id": eos, "type_id": 1}}] if eos else [])
    special = {}
    for t in (bos, eos):
        if t:
            special[t] = {"id": t, "ids": [vocab[t]], "tokens": [t]}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                                                           {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing", "single": single, "pair": pair, "special_tokens": special},
        "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                                                      {"type": "ByteFallback"}, {"type": "Fuse"},
                                                      {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": unk, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": bool(spec.byte_fallback),
                  "vocab": vocab, "merges": ["%s %s" % (a, b) for a, b, _ in merges]},
    }


def internvl_tokenizer_config(tok_json, model_max_length=80, pad_id=0):
    m = tok_json["model"]
    inv = {i: p for p, i in m["vocab"].items()}
    cfg = {"tokenizer_class": "LlamaTokenizer", "model_max_length": model_max_length,
           "bos_token": inv.get(1, "<s>"), "eos_token": inv.get(2, "</s>"), "unk_token": m["unk_token"],
           # §6: pad id 0 (the model pools at sum(ids > 0) - 1) unless --internvl-pad tokenizer chose FreeBind's reading
           "pad_token": inv.get(pad_id, m["unk_token"] if pad_id == 0 else "<pad %d>" % pad_id),
           "add_bos_token": True, "add_eos_token": True}
    if pad_id:
        cfg["pad_token_id"] = int(pad_id)
    return cfg


def write_internvl(sp_model_path, out_dir, pad_id=0):
    tok = sentencepiece_to_tokenizer_json(sp_model_path)
    d = os.path.join(out_dir, "tokenizers", "internvl")
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "tokenizer.json"), tok)
    write_json(os.path.join(d, "tokenizer_config.json"), internvl_tokenizer_config(tok, pad_id=pad_id))
    return {"file": "tokenizers/internvl/tokenizer.json", "config": "tokenizers/internvl/tokenizer_config.json"}

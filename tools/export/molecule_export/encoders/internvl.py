"""InternVL-C from OpenGVLab/InternVL-14B-224px (Hugging Face, trust_remote_code).

Source read: FreeBind models/experts.py (`AutoModel.from_pretrained(path, torch_dtype=bfloat16,
low_cpu_mem_usage=True, trust_remote_code=True)`, `model.encode_image(pixel_values, mode='InternVL-C')`,
`model.encode_text(input_ids)`, `AutoTokenizer(path, use_fast=False, add_eos_token=True)`, prefix 'summarize:'),
and OpenGVLab/InternVL clip_benchmark/.../modeling_internvl.py (InternVL_C.encode_text: attention_mask = ids > 0,
QLLaMA text features pooled at attention_mask.sum(1) - 1, then @ text_projection; encode_image: InternViT-6B ->
clip_projector attention pooling).

The export runs in float32 (FreeBind ran bf16; PREPROCESSING §6 notes the small difference). Both graphs are far
above 2 GB and are written with one external-data file each.

Verified here: nothing (no weights, no network; the HF remote code could not be read offline beyond the GitHub
copy named above). Check `preprocessor_config.json` (mean/std, crop) against PREPROCESSING §6 after download.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

HF_REPO = "OpenGVLab/InternVL-14B-224px"


def load_internvl(path_or_repo):
    from transformers import AutoModel

    model = AutoModel.from_pretrained(path_or_repo, torch_dtype=torch.float32, low_cpu_mem_usage=True,
                                      trust_remote_code=True)
    return model.eval()


class InternVLVision(nn.Module):
    """image float32 [B,3,224,224] -> [B,768]."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image):
        return F.normalize(self.model.encode_image(image, mode="InternVL-C"), dim=-1)


class InternVLText(nn.Module):
    """input_ids int64 [B,80] (pad 0; the model pools at sum(ids > 0) - 1) -> [B,768]."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        return F.normalize(self.model.encode_text(input_ids), dim=-1)


def example_inputs(eid, batch=2):
    g = torch.Generator().manual_seed(0)
    if eid == "internvl_vision":
        return (torch.randn(batch, 3, 224, 224, generator=g),)
    if eid == "internvl_text":
        ids = torch.zeros(batch, 80, dtype=torch.int64)
        for i in range(batch):
            n = 8 + 5 * i
            ids[i, 0] = 1
            ids[i, 1:n - 1] = torch.randint(100, 30000, (n - 2,), generator=g)
            ids[i, n - 1] = 2
        return (ids,)
    raise KeyError(eid)


def tokenizer_pad_id(model_dir):
    """The pad id InternVL's own tokenizer files give: what FreeBind's experts.py pads with, since it never sets
    pad_token_id (the reading selected by --internvl-pad tokenizer)."""
    import json
    import os

    pad = None
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        p = os.path.join(model_dir, name)
        if os.path.isfile(p):
            with open(p, encoding="utf-8") as f:
                v = json.load(f).get("pad_token")
            if isinstance(v, dict):
                v = v.get("content")
            if v:
                pad = v
                break
    if pad is None:
        raise ValueError("%s: no pad_token in special_tokens_map.json or tokenizer_config.json" % model_dir)
    p = os.path.join(model_dir, "added_tokens.json")
    if os.path.isfile(p):
        with open(p, encoding="utf-8") as f:
            added = json.load(f)
        if pad in added:
            return int(added[pad])
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=os.path.join(model_dir, "tokenizer.model"))
    i = sp.piece_to_id(pad)
    if sp.id_to_piece(i) != pad:
        raise ValueError("%s: pad token %r is neither an added token nor a SentencePiece piece" % (model_dir, pad))
    return int(i)

"""ImageBind (facebookresearch/ImageBind @ a4eb56f, `imagebind.models.imagebind_model`).

Source read: ImageBindModel.forward = per modality: modality_preprocessors[m](**{m: x}) -> {"trunk": ..., "head": ...};
modality_trunks[m](**trunk); modality_heads[m](x, **head); modality_postprocessors[m] (Normalize, plus a logit
scale for text (learnable) and audio (20.0)). Audio/video inputs with ndim >= 5 are reshaped to clips and the
clip embeddings averaged; the app feeds clips [N,1,128,204] (ndim 4), so the export is per clip and the app
normalises + averages (PREPROCESSING §3.6). The logit scales are dropped: the app L2-normalises every output.

Verified here (one-off, with ImageBind @ a4eb56f's models/*.py, a small ImageBindModel (64-d, 2 blocks per
modality, random weights) and stub timm/einops/iopath modules): ImageBindModality equals F.normalize of the
library's forward for vision, text and per-clip audio (max abs <= 6e-8); the clip average the app does equals
the library's 5-d audio call; the graphs exported by export_module (traced at batch 2) run in onnxruntime-node
at batch 1 and 3 with cosine 1.0000000 (max abs <= 2.6e-7). Not verified: the real `imagebind_huge` weights and
the size of its export.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGEBIND_HUGE_URL = "https://dl.fbaipublicfiles.com/imagebind/imagebind_huge.pth"


class ImageBindModality(nn.Module):
    """One ImageBind modality: input tensor -> L2-normalised embedding (no logit scale)."""

    def __init__(self, model, modality):
        super().__init__()
        self.pre = model.modality_preprocessors[modality]
        self.trunk = model.modality_trunks[modality]
        self.head = model.modality_heads[modality]
        self.modality = modality

    def forward(self, x):
        out = self.pre(**{self.modality: x})
        h = self.trunk(**out["trunk"])
        h = self.head(h, **out["head"])
        return F.normalize(h, dim=-1)


def load_imagebind_huge(checkpoint_path):
    """imagebind_huge() with the official weights from a local file (the library would download to ./.checkpoints)."""
    from imagebind.models import imagebind_model

    model = imagebind_model.imagebind_huge(pretrained=False)
    model.load_state_dict(plain_state_dict(torch.load(checkpoint_path, map_location="cpu"), checkpoint_path))
    return model.eval()


def plain_state_dict(obj, where):
    """The state dict inside a checkpoint: unwrapped from {"state_dict"|"model": ...}, `module.` (DataParallel)
    prefixes removed. imagebind_huge.pth is a plain state dict; re-saved or fine-tuned copies often are not."""
    if isinstance(obj, dict):
        for key in ("state_dict", "model", "model_state_dict"):
            if key in obj and isinstance(obj[key], dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj:
        raise ValueError("%s: not a state dict (got %s)" % (where, type(obj).__name__))
    if all(k.startswith("module.") for k in obj):
        obj = {k[len("module."):]: v for k, v in obj.items()}
    return obj


def load_imagebind_ft_audio(ft_checkpoint_path):
    """The fine-tuned ImageBind audio trunk of InternVL_IB_FT (FreeBind models/experts.py: `ib_with_uni_head`,
    keys `ib.*` for an audio-only ImageBindModel and `ib_head.projectors.<i>.Head2.*`).

    FreeBind's audio-only class (models/imagebind_audio.py) has the same module names as imagebind_huge's audio
    parts, so the `ib.` keys load into a full imagebind_huge; every audio key must be present."""
    from imagebind.models import imagebind_model

    raw = torch.load(ft_checkpoint_path, map_location="cpu")
    sd = plain_state_dict(raw, ft_checkpoint_path)
    trunk = {k[len("ib."):]: v for k, v in sd.items() if k.startswith("ib.")}
    if not trunk:
        raise ValueError("%s: no `ib.*` keys (not the fine-tuned audio checkpoint?)" % ft_checkpoint_path)
    model = imagebind_model.imagebind_huge(pretrained=False)
    audio_keys = [k for k in model.state_dict() if ".audio." in k or k.endswith(".audio")]
    missing = [k for k in audio_keys if k not in trunk]
    if missing:
        raise ValueError("%s: fine-tuned audio trunk lacks %d audio keys, e.g. %s" % (ft_checkpoint_path, len(missing), missing[:3]))
    unexpected = [k for k in trunk if k not in model.state_dict()]
    if unexpected:
        raise ValueError("%s: unexpected keys for ImageBind audio: %s" % (ft_checkpoint_path, unexpected[:5]))
    model.load_state_dict({**model.state_dict(), **trunk})
    return model.eval(), raw


def example_inputs(eid, batch=2):
    g = torch.Generator().manual_seed(0)
    if eid == "imagebind_vision":
        return (torch.randn(batch, 3, 224, 224, generator=g),)
    if eid == "imagebind_text":
        t = torch.zeros(batch, 77, dtype=torch.int64)
        t[:, 0] = 49406
        t[0, 1:4] = torch.tensor([320, 3198, 539]); t[0, 4] = 49407
        t[1, 1:9] = torch.tensor([320, 3198, 539, 1865, 320, 2390, 1294, 518]); t[1, 9] = 49407
        return (t,)
    if eid in ("imagebind_audio", "imagebind_ft_audio"):
        return (torch.randn(batch, 1, 128, 204, generator=g),)
    raise KeyError(eid)


MODALITY = {"imagebind_vision": "vision", "imagebind_text": "text", "imagebind_audio": "audio", "imagebind_ft_audio": "audio"}

"""Projector ensembles (PREPROCESSING.md §7.1/§7.2): load the release's checkpoints, fold BatchNorm, export
each family as ONE graph  x [B,in] -> heads [B,7,out]  (heads in MODES order, each L2-normalised).

Checkpoint layouts handled (the release's, see models/projector.py and models/experts.py of FreeBind):
  * `<root>/<Family>/<mode>/best.pt`: a state dict of `Reaction_Head_mini` with keys
    `Head2.mlps.{0,1,3,4}.{weight,bias[,running_mean,running_var,num_batches_tracked]}`
    (optionally wrapped in {"state_dict": ...} / {"model": ...} or prefixed with `module.`);
  * the fine-tuned ImageBind audio checkpoint: `ib_head.projectors.<i>.Head2.mlps.*` for i = 0..6.
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from .signatures import MODES

BN_EPS = 1e-5


class ReactionHeadMini(nn.Module):
    """Same parameter names and maths as FreeBind's Reaction_Head_mini (Head2 = Proj_Head_mini): eval-mode reference."""

    def __init__(self, d_in, d_out, hidden=2048):
        super().__init__()
        self.Head2 = nn.Module()
        self.Head2.mlps = nn.Sequential(nn.Linear(d_in, hidden), nn.BatchNorm1d(hidden, eps=BN_EPS), nn.ReLU(),
                                        nn.Linear(hidden, d_out), nn.BatchNorm1d(d_out, eps=BN_EPS))

    def forward(self, x):
        return F.normalize(self.Head2.mlps(x), dim=-1)


class ReferenceFamily(nn.Module):
    """Un-folded eval-mode family, the PyTorch reference the folded export is checked against."""

    def __init__(self, heads):
        super().__init__()
        self.heads = nn.ModuleList(heads)

    def forward(self, x):
        return torch.stack([h(x) for h in self.heads], dim=1)


def fold_linear_bn(weight, bias, gamma, beta, running_mean, running_var, eps=BN_EPS):
    """Linear(W,b) followed by eval BatchNorm == Linear(diag(s)W, s(b-mean)+beta), s = gamma/sqrt(var+eps).

    Computed in float64 and returned in the input dtype."""
    dt = weight.dtype
    w, b = weight.double(), bias.double()
    s = gamma.double() / torch.sqrt(running_var.double() + eps)
    return (w * s.unsqueeze(1)).to(dt), (s * (b - running_mean.double()) + beta.double()).to(dt)


class FoldedFamily(nn.Module):
    """7 projectors with BN folded, stacked: x [B,in] -> heads [B,7,out], each head L2-normalised."""

    def __init__(self, heads):
        super().__init__()
        w1, b1, w2, b2 = [], [], [], []
        for h in heads:
            l1, bn1, l2, bn2 = (h.Head2.mlps[i] for i in (0, 1, 3, 4))
            a, b = fold_linear_bn(l1.weight.data, l1.bias.data, bn1.weight.data, bn1.bias.data,
                                  bn1.running_mean, bn1.running_var, bn1.eps)
            c, d = fold_linear_bn(l2.weight.data, l2.bias.data, bn2.weight.data, bn2.bias.data,
                                  bn2.running_mean, bn2.running_var, bn2.eps)
            w1.append(a.t()); b1.append(b); w2.append(c.t()); b2.append(d)
        self.w1 = nn.Parameter(torch.stack(w1), requires_grad=False)  # [7,in,h]
        self.b1 = nn.Parameter(torch.stack(b1).unsqueeze(1), requires_grad=False)  # [7,1,h]
        self.w2 = nn.Parameter(torch.stack(w2), requires_grad=False)  # [7,h,out]
        self.b2 = nn.Parameter(torch.stack(b2).unsqueeze(1), requires_grad=False)  # [7,1,out]

    def forward(self, x):
        h = torch.relu(torch.matmul(x.unsqueeze(0), self.w1) + self.b1)  # [7,B,h]
        o = torch.matmul(h, self.w2) + self.b2  # [7,B,out]
        # F.normalize semantics (x / max(|x|, 1e-12)) written out so the graph is plain ops.
        o = o / torch.sqrt((o * o).sum(dim=-1, keepdim=True)).clamp(min=1e-12)
        return o.transpose(0, 1)


def _unwrap_state_dict(obj, where):
    if isinstance(obj, dict):
        for key in ("state_dict", "model", "model_state_dict"):
            if key in obj and isinstance(obj[key], dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj:
        raise ValueError("%s: not a state dict (got %s)" % (where, type(obj).__name__))
    return {(k[len("module."):] if k.startswith("module.") else k): v for k, v in obj.items()}


def head_from_state_dict(sd, where, prefix="Head2.mlps."):
    """Build a ReactionHeadMini from the `Head2.mlps.{0,1,3,4}.*` entries of a state dict (dims taken from it)."""
    need = ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
            "3.weight", "3.bias", "4.weight", "4.bias", "4.running_mean", "4.running_var"]
    missing = [prefix + k for k in need if prefix + k not in sd]
    if missing:
        raise ValueError("%s: projector checkpoint lacks %s" % (where, ", ".join(missing)))
    w0, w3 = sd[prefix + "0.weight"], sd[prefix + "3.weight"]
    hidden, d_in = w0.shape
    d_out = w3.shape[0]
    if w3.shape[1] != hidden:
        raise ValueError("%s: layer shapes do not chain (%s then %s)" % (where, tuple(w0.shape), tuple(w3.shape)))
    head = ReactionHeadMini(d_in, d_out, hidden)
    own = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
    head.Head2.mlps.load_state_dict(own, strict=False)
    unexpected = set(own) - set(head.Head2.mlps.state_dict())
    if unexpected:
        raise ValueError("%s: unexpected projector keys %s" % (where, sorted(unexpected)))
    for t in head.state_dict().values():
        if t.is_floating_point() and not torch.isfinite(t).all():
            raise ValueError("%s: non-finite values in the projector weights" % where)
    return head.float().eval()


def load_family(root, family, expect=None):
    """The 7 heads of `<root>/<family>/<mode>/best.pt`, in MODES order. `expect` = (in, out) to check dims."""
    heads = []
    for mode in MODES:
        path = os.path.join(root, family, mode, "best.pt")
        if not os.path.isfile(path):
            raise FileNotFoundError("projector checkpoint missing: %s" % path)
        sd = _unwrap_state_dict(torch.load(path, map_location="cpu"), path)
        head = head_from_state_dict(sd, path)
        dims = (head.Head2.mlps[0].in_features, head.Head2.mlps[3].out_features)
        if expect is not None and tuple(expect) != dims:
            raise ValueError("%s: expected %s -> %s, checkpoint is %s -> %s" % (path, expect[0], expect[1], dims[0], dims[1]))
        heads.append(head)
    return heads


def load_ft_audio_head(state_dict, where, expect=(1024, 768)):
    """The 7-projector `ib_head` of the fine-tuned ImageBind audio checkpoint (PREPROCESSING §7.4 item 4)."""
    sd = _unwrap_state_dict(state_dict, where)
    heads = []
    for i in range(len(MODES)):
        head = head_from_state_dict(sd, where, prefix="ib_head.projectors.%d.Head2.mlps." % i)
        dims = (head.Head2.mlps[0].in_features, head.Head2.mlps[3].out_features)
        if tuple(expect) != dims:
            raise ValueError("%s: ib_head.projectors.%d is %s -> %s, expected %s -> %s" % (where, i, dims[0], dims[1], *expect))
        heads.append(head)
    return heads

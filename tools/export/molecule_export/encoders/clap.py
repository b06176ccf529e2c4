"""LAION CLAP (laion-clap 1.1.4, LAION-AI/CLAP @ 1fd4c37: src/laion_clap/hook.py, clap_module/model.py, htsat.py).

Source read:
* `CLAP_Module(enable_fusion, device, amodel='HTSAT-tiny', tmodel='roberta')`, `.load_ckpt(path)`; `.model` is the
  CLAP nn.Module with `audio_branch` (HTSAT_Swin_Transformer), `audio_projection`, `text_branch` (RobertaModel),
  `text_projection`.
* `CLAP.get_audio_embedding`: audio_branch(input_dict)["embedding"] -> audio_projection -> F.normalize.
* `CLAP.encode_text` (roberta): text_branch(input_ids, attention_mask)["pooler_output"] -> text_projection; then
  `get_text_embedding` normalises.
* HTSAT fusion (`aff_2d`), eval mode: mel_fusion [B,4,1001,64] -> bn0 over the mel axis -> reshape_wav2img ->
  forward_features, where PatchEmbed projects channel 0 (`proj`) and, only for items with `longer`, fuses it with
  `mel_conv2d` of channels 1..3 through `fusion_model` (AFF). The library selects those items with
  torch.where(longer) (data-dependent indexing that a traced graph would freeze); the export computes the fused
  branch for every item and selects per item with torch.where(longer, fused, global) -- identical per item
  because AFF's BatchNorms run on running statistics in eval mode.
* HTSAT non-fusion (CLAP-Music, HTSAT-base): waveform -> spectrogram_extractor -> logmel_extractor (torchlibrosa,
  inside the graph) -> bn0 -> reshape_wav2img -> forward_features.

Verified here (one-off, with LAION-AI/CLAP @ 1fd4c37's htsat.py/feature_fusion.py on a randomly initialised
HTSAT-tiny aff_2d model with randomised BatchNorm statistics; torchlibrosa stubbed since the fusion path does not
use it): ClapGeneralAudio equals the library's `audio_branch({"mel_fusion", "longer"})["embedding"]` ->
projection -> normalize exactly (max abs 0.0) for mixed / no / all `longer` batches and single items; the ONNX
export run by onnxruntime-node matches PyTorch at batch sizes other than the traced one only with the
window_reverse fix below (cosine >= 0.9999995 at B = 1, 2, 4). ClapMusicAudio likewise equals the library's
non-fusion forward (max abs 0.0) with torchlibrosa HEAD's STFT/log-mel in the graph (librosa's window and mel
filter stubbed: structure only), and its ONNX graph matches at B = 1 and 3 (cosine >= 0.9999997). Not verified:
the real checkpoints, HTSAT-base itself (same code, bigger config), the RoBERTa text export (no transformers here).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

HF_REPO = "lukewys/laion_clap"
GENERAL_FILE = "630k-fusion-best.pt"
MUSIC_FILE = "music_speech_audioset_epoch_15_esc_89.98.pt"


def _window_reverse_any_batch(windows, window_size, H, W):
    """htsat.window_reverse without `B = int(windows.shape[0] / ...)`: int() freezes the traced batch size, so the
    exported graph would only be right for the batch size it was traced with (measured here: cosine 0.99 at B=4
    for a graph traced at B=2). Same arithmetic, batch axis inferred."""
    c = windows.shape[-1]
    x = windows.view(-1, H // window_size, W // window_size, window_size, window_size, c)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, H, W, c)


def make_batch_dynamic(htsat):
    """Point the HTSAT module's global window_reverse at the batch-free version (export process only)."""
    import sys

    mod = sys.modules[type(htsat).__module__]
    if not hasattr(mod, "window_reverse"):
        raise ValueError("%s has no window_reverse; the HTSAT code changed, re-check the export" % mod.__name__)
    mod.window_reverse = _window_reverse_any_batch


def load_clap(checkpoint_path, fusion):
    """CLAP-General (fusion, HTSAT-tiny) or CLAP-Music (non-fusion, HTSAT-base) as FreeBind builds them."""
    import laion_clap

    if fusion:
        module = laion_clap.CLAP_Module(enable_fusion=True, device="cpu")
    else:
        module = laion_clap.CLAP_Module(enable_fusion=False, amodel="HTSAT-base", device="cpu")
    module.load_ckpt(checkpoint_path)
    module.eval()
    return module


class _PerItemFusionPatchEmbed(nn.Module):
    """HTSAT PatchEmbed (aff_2d) with the `longer` selection done per item by torch.where."""

    def __init__(self, pe):
        super().__init__()
        if not (pe.enable_fusion and pe.fusion_type == "aff_2d"):
            raise ValueError("expected the CLAP-General patch embedding with fusion_type aff_2d, got %r" % pe.fusion_type)
        self.pe = pe
        self.longer = None  # set by ClapGeneralAudio.forward for the current batch

    def forward(self, x, longer_idx=None):
        pe = self.pe
        global_x = pe.proj(x[:, 0:1, :, :])
        tw = global_x.size(-1)
        local_x = x[:, 1:, :, :]
        b, c, h, w = local_x.shape
        local_x = pe.mel_conv2d(local_x.reshape(b * c, 1, h, w))
        local_x = local_x.view(b, c, local_x.size(1), local_x.size(2), local_x.size(3))
        local_x = local_x.permute((0, 2, 3, 1, 4)).contiguous().flatten(3)
        tb, tc, th, _ = local_x.size()
        if local_x.size(-1) < tw:
            local_x = torch.cat([local_x, torch.zeros((tb, tc, th, tw - local_x.size(-1)), dtype=local_x.dtype)], dim=-1)
        else:
            local_x = local_x[:, :, :, :tw]
        fused = pe.fusion_model(global_x, local_x)
        x = torch.where(self.longer.reshape(-1, 1, 1, 1), fused, global_x)
        if pe.flatten:
            x = x.flatten(2).transpose(1, 2)
        return pe.norm(x)


class ClapGeneralAudio(nn.Module):
    """mel_fusion float32 [B,4,1001,64], longer bool [B] -> [B,512] (PREPROCESSING §4.3)."""

    def __init__(self, clap_module):
        super().__init__()
        model = clap_module.model
        self.htsat = model.audio_branch
        self.projection = model.audio_projection
        self.htsat.patch_embed = _PerItemFusionPatchEmbed(self.htsat.patch_embed)
        make_batch_dynamic(self.htsat)

    def forward(self, mel_fusion, longer):
        h = self.htsat
        x = mel_fusion.transpose(1, 3)
        x = h.bn0(x)
        x = x.transpose(1, 3)
        x = h.reshape_wav2img(x)
        h.patch_embed.longer = longer
        emb = h.forward_features(x)["embedding"]
        return F.normalize(self.projection(emb), dim=-1)


class ClapMusicAudio(nn.Module):
    """waveform float32 [B,480000] -> [B,512]; the log-mel front end stays inside the graph (PREPROCESSING §4.2)."""

    def __init__(self, clap_module):
        super().__init__()
        model = clap_module.model
        self.htsat = model.audio_branch
        self.projection = model.audio_projection
        if self.htsat.enable_fusion:
            raise ValueError("CLAP-Music must be the non-fusion model")
        make_batch_dynamic(self.htsat)

    def forward(self, waveform):
        h = self.htsat
        x = h.spectrogram_extractor(waveform)
        x = h.logmel_extractor(x)
        x = x.transpose(1, 3)
        x = h.bn0(x)
        x = x.transpose(1, 3)
        x = h.reshape_wav2img(x)
        emb = h.forward_features(x)["embedding"]
        return F.normalize(self.projection(emb), dim=-1)


class ClapText(nn.Module):
    """input_ids, attention_mask int64 [B,77] -> [B,512] (PREPROCESSING §5)."""

    def __init__(self, clap_module):
        super().__init__()
        model = clap_module.model
        if getattr(model, "text_branch_type", "roberta") != "roberta":
            raise ValueError("expected a RoBERTa text branch, got %r" % model.text_branch_type)
        self.text = model.text_branch
        self.projection = model.text_projection

    def forward(self, input_ids, attention_mask):
        pooled = self.text(input_ids=input_ids, attention_mask=attention_mask)["pooler_output"]
        return F.normalize(self.projection(pooled), dim=-1)


def example_inputs(eid, batch=2):
    g = torch.Generator().manual_seed(0)
    if eid == "clap_general_audio":
        return (torch.randn(batch, 4, 1001, 64, generator=g) * 15 - 40, torch.tensor([False, True][:batch]))
    if eid == "clap_music_audio":
        return (torch.randn(batch, 480000, generator=g) * 0.1,)
    if eid in ("clap_general_text", "clap_music_text"):
        ids = torch.ones(batch, 77, dtype=torch.int64)
        mask = torch.zeros(batch, 77, dtype=torch.int64)
        rows = [[0, 260, 6063, 9, 2828, 2], [0, 260, 6063, 9, 3225, 19, 5, 1514, 2]]  # "<s> an audio of ... </s>"
        for i in range(batch):
            r = rows[i % len(rows)]
            ids[i, :len(r)] = torch.tensor(r)
            mask[i, :len(r)] = 1
        return ids, mask
    raise KeyError(eid)

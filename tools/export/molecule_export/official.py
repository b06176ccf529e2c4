"""PackSources for the official checkpoints (ImageBind huge, CLAP-General/Music, InternVL-14B-224px, the authors'
projectors). Needs internet on first use and the pinned requirements.txt; nothing here runs in the offline tests."""
import os

import torch

from . import fetch
from .build import PackSources
from .encoders import clap, imagebind, internvl
from .projectors import load_family, load_ft_audio_head
from .signatures import SPACES

LICENCES = {
    "imagebind": "ImageBind weights (Meta, facebookresearch/ImageBind): CC BY-NC 4.0 per its README (the repository's "
                 "LICENSE file is CC BY-NC-SA 4.0) -- non-commercial use only.",
    "clap": "LAION CLAP checkpoints (HF lukewys/laion_clap; LAION-AI/CLAP, whose LICENSE is CC0 1.0). roberta-base "
            "tokenizer files: MIT.",
    "internvl": "InternVL-14B-224px (OpenGVLab): MIT per the OpenGVLab/InternVL repository and model card; check the "
                "model card for terms of the LLaMA-derived QLLaMA parts.",
    "projectors": "Molecule-Space/FreeBind projector weights (HF %s); the authors' GitHub repository "
                  "(zehanwang01/FreeBind) is CC BY 4.0.",
    "tools": "CLIP BPE merges (OpenAI CLIP, MIT).",
}

FT_AUDIO_FILE_CANDIDATES = ["DrvtFT_audio_with_head.pt", "InternVL_IB_audio_with_head.pt"]


class OfficialSources:
    """Lazily loads each model once; `sources()` returns the PackSources for build_pack."""

    def __init__(self, space_key, cache, clap_general=None, clap_music=None, imagebind_ckpt=None, internvl_dir=None,
                 projector_dir=None, ft_audio_ckpt=None):
        self.space_key = space_key
        self.spec = SPACES[space_key]
        self.cache = os.path.abspath(os.path.expanduser(cache))
        os.makedirs(self.cache, exist_ok=True)
        self.paths = {"clap_general": clap_general, "clap_music": clap_music, "imagebind": imagebind_ckpt,
                      "internvl": internvl_dir, "projectors": projector_dir, "ft_audio": ft_audio_ckpt}
        self._models = {}
        self.projector_repo = None
        self.notes = []

    # ------------------------------------------------------------------ checkpoints
    def _imagebind_path(self):
        p = self.paths["imagebind"] or fetch.download_url(imagebind.IMAGEBIND_HUGE_URL, os.path.join(self.cache, "imagebind_huge.pth"))
        self.paths["imagebind"] = p
        return p

    def _clap_path(self, which):
        key = "clap_general" if which == "general" else "clap_music"
        if not self.paths[key]:
            self.paths[key] = fetch.hf_file(clap.HF_REPO, clap.GENERAL_FILE if which == "general" else clap.MUSIC_FILE, self.cache)
        return self.paths[key]

    def _projector_root(self):
        fams = [f for f in self.spec["projectors"] if f != "InternVL_IB_FT_audio_head"]
        if self.paths["projectors"]:
            return self.paths["projectors"]
        if fams:
            repo, root, files = fetch.fetch_projectors(fams, self.cache)
            self.projector_repo, self.paths["projectors"], self._repo_files = repo, root, files
        return self.paths["projectors"]

    def _ft_audio_path(self):
        if self.paths["ft_audio"]:
            return self.paths["ft_audio"]
        self._projector_root()
        files = getattr(self, "_repo_files", None)
        if not files:
            raise FileNotFoundError("pass --ft-audio-ckpt: the fine-tuned ImageBind audio checkpoint (%s)" % " or ".join(FT_AUDIO_FILE_CANDIDATES))
        hits = [f for f in files if os.path.basename(f) in FT_AUDIO_FILE_CANDIDATES]
        if not hits:
            raise FileNotFoundError("%s has none of %s; pass --ft-audio-ckpt" % (self.projector_repo, FT_AUDIO_FILE_CANDIDATES))
        self.paths["ft_audio"] = fetch.hf_file(self.projector_repo, sorted(hits, key=len)[0], self.cache)
        return self.paths["ft_audio"]

    # ------------------------------------------------------------------ models
    def _model(self, key):
        if key not in self._models:
            if key == "imagebind":
                self._models[key] = imagebind.load_imagebind_huge(self._imagebind_path())
            elif key == "imagebind_ft":
                self._models[key] = imagebind.load_imagebind_ft_audio(self._ft_audio_path())
            elif key == "clap_general":
                self._models[key] = clap.load_clap(self._clap_path("general"), fusion=True)
            elif key == "clap_music":
                self._models[key] = clap.load_clap(self._clap_path("music"), fusion=False)
            elif key == "internvl":
                self._models[key] = internvl.load_internvl(self.paths["internvl"] or internvl.HF_REPO)
        return self._models[key]

    def release(self, key):
        self._models.pop(key, None)

    def encoder(self, eid):
        # build_pack exports encoders in SPACES order (ImageBind, then InternVL, then CLAP): drop models no longer
        # needed so peak memory is one family of models plus the graph being exported.
        if eid.startswith("internvl_") or eid.startswith("clap_"):
            self.release("imagebind")
        if eid.startswith("clap_"):
            self.release("internvl")
        if eid in ("imagebind_vision", "imagebind_text", "imagebind_audio"):
            return imagebind.ImageBindModality(self._model("imagebind"), imagebind.MODALITY[eid]), imagebind.example_inputs(eid)
        if eid == "imagebind_ft_audio":
            model, _ = self._model("imagebind_ft")
            return imagebind.ImageBindModality(model, "audio"), imagebind.example_inputs(eid)
        if eid == "clap_general_audio":
            # a fresh CLAP module: the wrapper replaces the patch embedding of the model it is given
            return clap.ClapGeneralAudio(clap.load_clap(self._clap_path("general"), fusion=True)), clap.example_inputs(eid)
        if eid == "clap_general_text":
            return clap.ClapText(self._model("clap_general")), clap.example_inputs(eid)
        if eid == "clap_music_audio":
            return clap.ClapMusicAudio(self._model("clap_music")), clap.example_inputs(eid)
        if eid == "clap_music_text":
            return clap.ClapText(self._model("clap_music")), clap.example_inputs(eid)
        if eid == "internvl_vision":
            return internvl.InternVLVision(self._model("internvl")), internvl.example_inputs(eid)
        if eid == "internvl_text":
            return internvl.InternVLText(self._model("internvl")), internvl.example_inputs(eid)
        raise KeyError(eid)

    def projector_heads(self, family):
        if family == "InternVL_IB_FT_audio_head":
            p = self._ft_audio_path()
            return load_ft_audio_head(torch.load(p, map_location="cpu"), p)
        return load_family(self._projector_root(), family, expect=self.spec["projectors"][family])

    def clip_bpe(self):
        import imagebind as ib_pkg

        p = os.path.join(os.path.dirname(ib_pkg.__file__), "bpe", "bpe_simple_vocab_16e6.txt.gz")
        if not os.path.isfile(p):
            raise FileNotFoundError("the imagebind package has no bpe/bpe_simple_vocab_16e6.txt.gz at %s" % p)
        return p

    def roberta_files(self):
        # roberta-base moved to FacebookAI/roberta-base; the old id still redirects on the Hub
        for repo in ("FacebookAI/roberta-base", "roberta-base"):
            try:
                return fetch.hf_file(repo, "vocab.json", self.cache), fetch.hf_file(repo, "merges.txt", self.cache)
            except Exception as e:  # noqa: BLE001 - try the legacy id before giving up
                err = e
        raise RuntimeError("cannot download roberta-base vocab.json/merges.txt: %s" % err)

    def internvl_sp_model(self):
        if self.paths["internvl"]:
            p = os.path.join(self.paths["internvl"], "tokenizer.model")
            if os.path.isfile(p):
                return p
        return fetch.hf_file(internvl.HF_REPO, "tokenizer.model", self.cache)

    def licence_text(self):
        parts = [LICENCES["imagebind"]]
        if any(e.startswith("clap_") for e in self.spec["encoders"]):
            parts.append(LICENCES["clap"])
        if any(e.startswith("internvl_") for e in self.spec["encoders"]):
            parts.append(LICENCES["internvl"])
        if self.spec["projectors"]:
            parts.append(LICENCES["projectors"] % (self.projector_repo or "Viglong/Molecule or Viglong/FreeBind"))
        parts.append(LICENCES["tools"])
        return " ".join(parts)

    def sources(self):
        needs_clap = any(e.startswith("clap_") for e in self.spec["encoders"])
        needs_vl = any(e.startswith("internvl_") for e in self.spec["encoders"])
        if self.spec["projectors"]:
            self._projector_root()
        import torch as _t

        src = "tools/export (molecule_export) with torch %s; ImageBind huge (%s)" % (_t.__version__, imagebind.IMAGEBIND_HUGE_URL)
        if needs_clap:
            src += "; CLAP-General %s, CLAP-Music %s" % (os.path.basename(self._clap_path("general")), os.path.basename(self._clap_path("music")))
        if needs_vl:
            src += "; %s" % internvl.HF_REPO
        if self.spec["projectors"]:
            src += "; projectors from HF %s" % (self.projector_repo or self.paths["projectors"])
        return PackSources(encoder=self.encoder, projector_heads=self.projector_heads, clip_bpe=self.clip_bpe(),
                           roberta=self.roberta_files() if needs_clap else None,
                           internvl_sp_model=self.internvl_sp_model() if needs_vl else None,
                           licence=self.licence_text(), source=src)

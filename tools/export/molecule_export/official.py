"""The official checkpoints of a space: where each comes from (the plan, made before any download), fetching them
(verified), loading the models, and the provenance written into pack.json.

Ambiguities of the upstream release are decided here, each as a *reading* with the adopted default, the
alternative, why, and the flag that selects the alternative (docs/EXPORT.md §6):

* projector repository: Viglong/FreeBind (the one FreeBind's README links) before Viglong/Molecule;
* CLAP-General: the file shipped with the projectors (FreeBind's paths.py loads `laion_clap_fullset_fusion.pt`
  and its README says the CLAP checkpoints ship with the projectors) before lukewys/laion_clap 630k-fusion-best.pt;
* fine-tuned ImageBind audio: `InternVL_IB_audio_with_head.pt` (the name FreeBind's code loads) before
  `DrvtFT_audio_with_head.pt` (the name in its README);
* InternVL text pad id: 0 (InternVL's own usage; the model pools at sum(ids > 0) - 1) before the tokenizer's pad
  token (what FreeBind's code leaves in place).
"""
import os

import torch

from . import hub
from .build import PackSources
from .encoders import clap, imagebind, internvl
from .projectors import load_family, load_ft_audio_head
from .signatures import MODES, SPACES
from .statics import clip_bpe

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

PROJECTOR_REPOS = ["Viglong/FreeBind", "Viglong/Molecule"]
CLAP_REPO = clap.HF_REPO
CLAP_GENERAL_IN_PROJECTOR_REPO = ["laion_clap_fullset_fusion.pt", clap.GENERAL_FILE]
CLAP_GENERAL_LUKEWYS = [clap.GENERAL_FILE, "630k-audioset-fusion-best.pt"]  # the second: the other "fullset" reading
FT_AUDIO_FILES = ["InternVL_IB_audio_with_head.pt", "DrvtFT_audio_with_head.pt"]
ROBERTA_REPOS = ["FacebookAI/roberta-base", "roberta-base"]
INTERNVL_PATTERNS = (".json", ".py", ".model", ".txt")
IMAGEBIND_URL_ENV = "MOLECULE_EXPORT_IMAGEBIND_URL"  # tests point this at a local stand-in of Meta's server


class PlanError(Exception):
    pass


def _log(msg):
    print("[molecule-export] " + msg, flush=True)


def _basename_hits(files, names):
    """{name: shortest path in `files` whose basename is name} for the names present."""
    out = {}
    for n in names:
        hits = sorted((f for f in files if f.rsplit("/", 1)[-1] == n), key=len)
        if hits:
            out[n] = hits[0]
    return out


def _same_bytes(a, b):
    return bool(a and b and a.get("sha256") and a.get("sha256") == b.get("sha256"))


class OfficialSources:
    """plan() -> fetch() -> sources(); provenance() for pack.json. Models are loaded lazily, each once."""

    def __init__(self, space_key, cache, clap_general=None, clap_music=None, imagebind_ckpt=None, internvl_dir=None,
                 projector_dir=None, ft_audio_ckpt=None, projector_repo=None, clap_general_source="projector-repo",
                 ft_audio_file=FT_AUDIO_FILES[0], internvl_pad="zero"):
        self.space_key = space_key
        self.spec = SPACES[space_key]
        self.cache = os.path.abspath(os.path.expanduser(cache))
        self.local = {"clap_general": clap_general, "clap_music": clap_music, "imagebind": imagebind_ckpt,
                      "internvl": internvl_dir, "projectors": projector_dir, "ft_audio": ft_audio_ckpt}
        for k, v in self.local.items():
            if v:
                self.local[k] = os.path.abspath(os.path.expanduser(v))
        self.projector_repo_choice = projector_repo
        if clap_general_source not in ("projector-repo", "lukewys"):
            raise ValueError("--clap-general-source must be projector-repo or lukewys")
        if ft_audio_file not in FT_AUDIO_FILES:
            raise ValueError("--ft-audio-file must be one of %s" % ", ".join(FT_AUDIO_FILES))
        if internvl_pad not in ("zero", "tokenizer"):
            raise ValueError("--internvl-pad must be zero or tokenizer")
        self.clap_general_source = clap_general_source
        self.ft_audio_file = ft_audio_file
        self.internvl_pad = internvl_pad
        self.items = []  # the plan: one dict per file
        self.readings = []
        self.paths = {}  # role -> local path after fetch()
        self._repos = {}
        self._models = {}
        self.projector_repo = None
        self.planned = False

    # ------------------------------------------------------------------ the plan (no weights downloaded)
    @property
    def needs_clap(self):
        return any(e.startswith("clap_") for e in self.spec["encoders"])

    @property
    def needs_internvl(self):
        return any(e.startswith("internvl_") for e in self.spec["encoders"])

    @property
    def families(self):
        return [f for f in self.spec["projectors"] if f != "InternVL_IB_FT_audio_head"]

    @property
    def needs_ft(self):
        return "InternVL_IB_FT_audio_head" in self.spec["projectors"]

    def _repo(self, repo):
        if repo not in self._repos:
            try:
                self._repos[repo] = hub.repo_info(repo)
            except hub.HubError as e:
                self._repos[repo] = e
        return self._repos[repo]

    def _add(self, role, **kw):
        item = {"role": role, **kw}
        self.items.append(item)
        return item

    def _hub_item(self, role, repo, path, note=None):
        info = self._repo(repo)
        meta = info["files"][path]
        return self._add(role, kind="hub", repo=repo, revision="main", commit=info["commit"], path=path,
                         size=meta.get("size"), sha256=meta.get("sha256"), note=note)

    def _local_item(self, role, path, note=None):
        if not os.path.exists(path):
            raise PlanError("%s: %s does not exist" % (role, path))
        size = os.path.getsize(path) if os.path.isfile(path) else None
        return self._add(role, kind="local", local=path, size=size, note=note)

    def _reading(self, rid, adopted, alternatives, why, flag=None, **extra):
        r = {"id": rid, "adopted": adopted, "alternatives": alternatives, "why": why}
        if flag:
            r["flag"] = flag
        r.update(extra)
        self.readings.append(r)
        return r

    def _projector_layout(self, files):
        found, missing = {}, []
        for fam in self.families:
            for mode in MODES:
                suffix = "%s/%s/best.pt" % (fam, mode)
                hits = sorted((f for f in files if f == suffix or f.endswith("/" + suffix)), key=len)
                if hits:
                    found.setdefault(fam, {})[mode] = hits[0]
                else:
                    missing.append(suffix)
        return found, missing

    def plan(self):
        """Decide every file (repository, commit, path, size, sha256) without downloading weights. Raises PlanError."""
        if self.planned:
            return self
        self.items, self.readings, errors = [], [], []
        # --- ImageBind huge (Meta's server)
        if self.local["imagebind"]:
            self._local_item("imagebind", self.local["imagebind"])
        else:
            url = os.environ.get(IMAGEBIND_URL_ENV) or imagebind.IMAGEBIND_HUGE_URL
            self._add("imagebind", kind="url", url=url, size=None, sha256=None,
                      note="Meta publishes no checksum; the sha256 of the downloaded file is recorded")
        # --- projector repository (also the home of the FT audio checkpoint and FreeBind's CLAP files)
        repo_files = {}
        if self.families or self.needs_ft or self.needs_clap:
            if self.local["projectors"]:
                root = self.local["projectors"]
                for dp, _, fs in os.walk(root):
                    for f in fs:
                        rel = os.path.relpath(os.path.join(dp, f), root).replace(os.sep, "/")
                        repo_files[rel] = {"size": os.path.getsize(os.path.join(dp, f)), "sha256": None}
                self.projector_repo = root
                found, missing = self._projector_layout(repo_files)
                if missing:
                    errors.append("--projectors %s lacks %s" % (root, ", ".join(missing[:4]) + (" …" if len(missing) > 4 else "")))
            else:
                candidates = [self.projector_repo_choice] if self.projector_repo_choice else PROJECTOR_REPOS
                tried, found = [], None
                listings = {}
                for repo in candidates:
                    info = self._repo(repo)
                    if isinstance(info, hub.HubError):
                        tried.append("%s: %s" % (repo, info))
                        continue
                    listings[repo] = info
                    f, missing = self._projector_layout(info["files"])
                    if missing:
                        tried.append("%s: missing %s" % (repo, ", ".join(missing[:4]) + (" …" if len(missing) > 4 else "")))
                        continue
                    if found is None:
                        found, self.projector_repo, repo_files = f, repo, info["files"]
                if found is None and self.families:
                    errors.append("no projector repository holds the needed checkpoints:\n    " + "\n    ".join(tried))
                elif found is None and candidates:
                    ok = [r for r in candidates if r in listings]
                    if ok:
                        self.projector_repo, repo_files = ok[0], listings[ok[0]]["files"]
                if self.projector_repo and self.families:
                    others = [r for r in PROJECTOR_REPOS if r != self.projector_repo]
                    same = None
                    for o in others:
                        oi = self._repo(o) if not self.projector_repo_choice else None
                        if isinstance(oi, dict):
                            fo, miss = self._projector_layout(oi["files"])
                            if not miss:
                                same = all(_same_bytes(repo_files[found[fam][m]], oi["files"][fo[fam][m]]) for fam in found for m in found[fam])
                    self._reading("projector_repository", self.projector_repo, others,
                                  "FreeBind's README links Viglong/FreeBind (the code and numbers of the README); "
                                  "Viglong/Molecule is the renamed release. The first that holds every "
                                  "<Family>/<mode>/best.pt is used.", "--projector-repo REPO",
                                  identical_elsewhere=same)
            for fam, modes in (found or {}).items():
                for mode in MODES:
                    if mode in modes:
                        p = modes[mode]
                        if self.local["projectors"]:
                            self._add("projector:%s/%s" % (fam, mode), kind="local", local=os.path.join(self.local["projectors"], p),
                                      size=repo_files[p]["size"])
                        else:
                            self._hub_item("projector:%s/%s" % (fam, mode), self.projector_repo, p)
        # --- CLAP
        if self.needs_clap:
            self._plan_clap(repo_files, errors)
            self._plan_roberta(errors)
        # --- fine-tuned ImageBind audio
        if self.needs_ft:
            self._plan_ft(repo_files, errors)
        # --- InternVL
        if self.needs_internvl:
            self._plan_internvl(errors)
        self._fixed_readings()
        if errors:
            raise PlanError("\n  ".join(["cannot plan the export of %s:" % self.space_key] + errors))
        self.planned = True
        return self

    def _plan_clap(self, repo_files, errors):
        luke = self._repo(CLAP_REPO)
        luke_files = luke["files"] if isinstance(luke, dict) else {}
        in_proj = _basename_hits(repo_files, CLAP_GENERAL_IN_PROJECTOR_REPO)
        luke_hits = _basename_hits(luke_files, CLAP_GENERAL_LUKEWYS)
        identical_to = [n for n, p in luke_hits.items()
                        if in_proj and _same_bytes(repo_files[next(iter(in_proj.values()))], luke_files[p])]
        # CLAP-General
        adopted = None
        if self.local["clap_general"]:
            self._local_item("clap_general", self.local["clap_general"], note="--clap-general")
            adopted = self.local["clap_general"]
        elif self.clap_general_source == "projector-repo" and in_proj:
            name = next(iter(in_proj))
            if self.local["projectors"]:
                self._add("clap_general", kind="local", local=os.path.join(self.local["projectors"], in_proj[name]),
                          size=repo_files[in_proj[name]]["size"])
            else:
                self._hub_item("clap_general", self.projector_repo, in_proj[name])
            adopted = "%s/%s" % (self.projector_repo, in_proj[name])
        elif clap.GENERAL_FILE in luke_hits:
            self._hub_item("clap_general", CLAP_REPO, luke_hits[clap.GENERAL_FILE])
            adopted = "%s/%s" % (CLAP_REPO, clap.GENERAL_FILE)
        else:
            errors.append("CLAP-General: no %s in %s (%s) and none in the projector repository; pass --clap-general FILE"
                          % (clap.GENERAL_FILE, CLAP_REPO, luke if isinstance(luke, hub.HubError) else "listed"))
        alts = ["%s/%s" % (CLAP_REPO, n) for n in CLAP_GENERAL_LUKEWYS]
        if in_proj:
            alts.insert(0, "%s/%s" % (self.projector_repo, next(iter(in_proj.values()))))
        self._reading("clap_general_checkpoint", adopted, [a for a in alts if a != adopted],
                      "FreeBind's models/paths.py loads laion_clap_fullset_fusion.pt and its README says the CLAP "
                      "checkpoints ship with the projectors; the README also links lukewys/laion_clap 630k-fusion-best.pt. "
                      "The projector repository's file is adopted when it has one, else 630k-fusion-best.pt.",
                      "--clap-general-source lukewys | --clap-general FILE",
                      projector_repo_file_identical_to=["%s/%s" % (CLAP_REPO, n) for n in identical_to] if in_proj else None)
        # CLAP-Music
        music_proj = _basename_hits(repo_files, [clap.MUSIC_FILE])
        if self.local["clap_music"]:
            self._local_item("clap_music", self.local["clap_music"], note="--clap-music")
        elif music_proj and self.clap_general_source == "projector-repo":
            p = music_proj[clap.MUSIC_FILE]
            if self.local["projectors"]:
                self._add("clap_music", kind="local", local=os.path.join(self.local["projectors"], p), size=repo_files[p]["size"])
            else:
                self._hub_item("clap_music", self.projector_repo, p)
        elif clap.MUSIC_FILE in luke_files:
            self._hub_item("clap_music", CLAP_REPO, clap.MUSIC_FILE)
        else:
            errors.append("CLAP-Music: no %s in %s or the projector repository; pass --clap-music FILE" % (clap.MUSIC_FILE, CLAP_REPO))

    def _plan_roberta(self, errors):
        for repo in ROBERTA_REPOS:
            info = self._repo(repo)
            if isinstance(info, dict) and "vocab.json" in info["files"] and "merges.txt" in info["files"]:
                self._hub_item("roberta:vocab.json", repo, "vocab.json")
                self._hub_item("roberta:merges.txt", repo, "merges.txt")
                return
        errors.append("roberta-base vocab.json/merges.txt: not found in %s" % " or ".join(ROBERTA_REPOS))

    def _plan_ft(self, repo_files, errors):
        hits = _basename_hits(repo_files, FT_AUDIO_FILES)
        if self.local["ft_audio"]:
            self._local_item("ft_audio", self.local["ft_audio"], note="--ft-audio-ckpt")
            adopted = self.local["ft_audio"]
        elif hits:
            name = self.ft_audio_file if self.ft_audio_file in hits else next(iter(hits))
            if self.local["projectors"]:
                self._add("ft_audio", kind="local", local=os.path.join(self.local["projectors"], hits[name]), size=repo_files[hits[name]]["size"])
            else:
                self._hub_item("ft_audio", self.projector_repo, hits[name])
            adopted = "%s/%s" % (self.projector_repo, hits[name])
            if name != self.ft_audio_file:
                _log("fine-tuned audio: %s is not in %s, using %s" % (self.ft_audio_file, self.projector_repo, name))
        else:
            errors.append("fine-tuned ImageBind audio: none of %s in %s; pass --ft-audio-ckpt FILE"
                          % (", ".join(FT_AUDIO_FILES), self.projector_repo or "the projector repository"))
            adopted = None
        same = len(hits) == 2 and _same_bytes(repo_files[hits[FT_AUDIO_FILES[0]]], repo_files[hits[FT_AUDIO_FILES[1]]])
        self._reading("ft_audio_checkpoint", adopted, ["%s/%s" % (self.projector_repo, hits[n]) for n in hits
                                                       if "%s/%s" % (self.projector_repo, hits[n]) != adopted],
                      "FreeBind's models/paths.py loads InternVL_IB_audio_with_head.pt; its README lists "
                      "DrvtFT_audio_with_head.pt. The file the code loads is adopted.",
                      "--ft-audio-file %s | --ft-audio-ckpt FILE" % next(n for n in FT_AUDIO_FILES if n != self.ft_audio_file),
                      both_present_and_identical=same if len(hits) == 2 else None)

    def _plan_internvl(self, errors):
        if self.local["internvl"]:
            self._local_item("internvl", self.local["internvl"], note="--internvl")
        else:
            info = self._repo(internvl.HF_REPO)
            if isinstance(info, hub.HubError):
                errors.append("%s: %s" % (internvl.HF_REPO, info))
            else:
                files = info["files"]
                weights = [f for f in files if f.endswith(".safetensors")] or [f for f in files if f.endswith(".bin")]
                for f in sorted(f for f in files if f.endswith(INTERNVL_PATTERNS)) + sorted(weights):
                    if "/" not in f or f.startswith(("tokenizer", "config")):
                        self._hub_item("internvl:" + f, internvl.HF_REPO, f)
                if "tokenizer.model" not in files:
                    errors.append("%s has no tokenizer.model" % internvl.HF_REPO)
        self._reading("internvl_text_pad_id", "0" if self.internvl_pad == "zero" else "the tokenizer's pad token",
                      ["the tokenizer's pad token" if self.internvl_pad == "zero" else "0"],
                      "InternVL-C pools the text at sum(ids > 0) - 1, so the pad id must be 0 (InternVL's own usage sets "
                      "pad_token_id = 0); FreeBind's experts.py does not set it and pads with the tokenizer's pad token "
                      "(a non-zero id, so the pooled position is a pad). 0 is adopted; --check compares both readings.",
                      "--internvl-pad tokenizer")

    def _fixed_readings(self):
        s = self.spec["space"]
        if "combination" in self.spec["roles"]:
            self._reading("pp_factors", "separate text and audio factors (f_text, f_audio)", ["one factor for both (FreeBind's IB_PP code)"],
                          "PREPROCESSING §7.4 item 1: the README's two presets give different numbers, so separate factors were honoured.")
        if s in ("InternVL_IB", "InternVL_IB_PP"):
            self._reading("internvl_ib_audio", "Drvt(ImageBind audio) (1024 -> 768)", ["raw 1024-d ImageBind audio (FreeBind code; cannot be compared)"],
                          "PREPROCESSING §7.4 item 2.")
        if "displacement" in self.spec["roles"]:
            self._reading("displacement_family", "InternVL_IB_Proj", ["DRVT_PATHS (never defined in FreeBind's paths.py)"],
                          "PREPROCESSING §7.4 item 3: the only displacement family shipped.")
        if self.needs_ft:
            self._reading("ft_audio_head", "normalize(mean_i normalize(ib_head_i(normalize(FT IB audio)))), no second projection",
                          ["Drvt applied after the head (FreeBind's broken emb_audios)"], "PREPROCESSING §7.4 item 4.")
        if self.needs_internvl:
            self._reading("internvl_precision", "float32 export", ["bfloat16 (FreeBind runs InternVL in bf16)"],
                          "ONNX Runtime CPU kernels are float32; small differences from the published numbers are expected (§6).")

    # ------------------------------------------------------------------ fetching
    def fetch(self):
        self.plan()
        for it in self.items:
            if it["kind"] == "local":
                self.paths[it["role"]] = it["local"]
            elif it["kind"] == "hub":
                self.paths[it["role"]] = hub.hub_file(self.cache, it["repo"], it["commit"], it["path"],
                                                      {"size": it["size"], "sha256": it["sha256"]}, log=_log)
            elif it["kind"] == "url":
                dest = os.path.join(self.cache, "meta", os.path.basename(it["url"]))
                self.paths[it["role"]] = hub.download(it["url"], dest, size=it.get("size"), auth=False, log=_log)
            if it["kind"] != "local" or os.path.isfile(it["local"]):
                p = self.paths[it["role"]]
                if os.path.isfile(p) and not it.get("sha256"):
                    it["sha256"] = hub._sha_size(p)[0]
                    it["size"] = os.path.getsize(p)
        return self

    def _path(self, role):
        if role not in self.paths:
            self.fetch()
        return self.paths[role]

    def _projector_root(self):
        """A folder with <Family>/<mode>/best.pt (the release layout) made of the fetched files (hard links or copies)."""
        if self.local["projectors"]:
            return self.local["projectors"]
        root = os.path.join(self.cache, "layout", self.space_key)
        for it in self.items:
            if it["role"].startswith("projector:"):
                fam_mode = it["role"].split(":", 1)[1]
                dest = os.path.join(root, fam_mode, "best.pt")
                src = self._path(it["role"])
                if os.path.lexists(dest):
                    if os.path.isfile(dest) and os.path.samefile(dest, src):
                        continue
                    os.remove(dest)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                try:
                    os.link(src, dest)
                except OSError:
                    import shutil
                    shutil.copyfile(src, dest)
        return root

    def _internvl_dir(self):
        if self.local["internvl"]:
            return self.local["internvl"]
        self.fetch()
        any_item = next(it for it in self.items if it["role"].startswith("internvl:"))
        return os.path.dirname(hub.cache_path(self.cache, any_item["repo"], any_item["commit"], "config.json"))

    # ------------------------------------------------------------------ models
    def _model(self, key):
        if key not in self._models:
            if key == "imagebind":
                self._models[key] = imagebind.load_imagebind_huge(self._path("imagebind"))
            elif key == "imagebind_ft":
                self._models[key] = imagebind.load_imagebind_ft_audio(self._path("ft_audio"))
            elif key == "clap_general":
                self._models[key] = clap.load_clap(self._path("clap_general"), fusion=True)
            elif key == "clap_music":
                self._models[key] = clap.load_clap(self._path("clap_music"), fusion=False)
            elif key == "internvl":
                self._models[key] = internvl.load_internvl(self._internvl_dir())
        return self._models[key]

    def release(self, key):
        self._models.pop(key, None)

    def encoder(self, eid):
        # build_pack exports encoders in SPACES order (ImageBind, then InternVL, then CLAP): drop models no longer
        # needed so peak memory is one family of models plus the graph being exported.
        if eid.startswith("internvl_") or eid.startswith("clap_"):
            self.release("imagebind")
            self.release("imagebind_ft")
        if eid.startswith("clap_"):
            self.release("internvl")
        if eid in ("imagebind_vision", "imagebind_text", "imagebind_audio"):
            return imagebind.ImageBindModality(self._model("imagebind"), imagebind.MODALITY[eid]), imagebind.example_inputs(eid)
        if eid == "imagebind_ft_audio":
            model, _ = self._model("imagebind_ft")
            return imagebind.ImageBindModality(model, "audio"), imagebind.example_inputs(eid)
        if eid == "clap_general_audio":
            # a fresh CLAP module: the wrapper replaces the patch embedding of the model it is given
            return clap.ClapGeneralAudio(clap.load_clap(self._path("clap_general"), fusion=True)), clap.example_inputs(eid)
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
            p = self._path("ft_audio")
            return load_ft_audio_head(torch.load(p, map_location="cpu"), p)
        return load_family(self._projector_root(), family, expect=self.spec["projectors"][family])

    def internvl_sp_model(self):
        return os.path.join(self._internvl_dir(), "tokenizer.model")

    def internvl_pad_id(self):
        """0, or the pad id of InternVL's own tokenizer files (--internvl-pad tokenizer)."""
        if self.internvl_pad == "zero":
            return 0
        return internvl.tokenizer_pad_id(self._internvl_dir())

    def licence_text(self):
        parts = [LICENCES["imagebind"]]
        if self.needs_clap:
            parts.append(LICENCES["clap"])
        if self.needs_internvl:
            parts.append(LICENCES["internvl"])
        if self.spec["projectors"]:
            parts.append(LICENCES["projectors"] % (self.projector_repo or "Viglong/FreeBind or Viglong/Molecule"))
        parts.append(LICENCES["tools"])
        return " ".join(parts)

    def source_text(self):
        import torch as _t

        src = "tools/export (molecule_export) with torch %s; ImageBind huge" % _t.__version__
        by_role = {it["role"]: it for it in self.items}

        def where(role):
            it = by_role.get(role)
            if not it:
                return "?"
            return it.get("local") or ("%s@%s:%s" % (it["repo"], it["commit"][:10], it["path"]) if it["kind"] == "hub" else it["url"])

        src += " (%s)" % where("imagebind")
        if self.needs_clap:
            src += "; CLAP-General %s; CLAP-Music %s" % (where("clap_general"), where("clap_music"))
        if self.needs_internvl:
            src += "; %s" % (self.local["internvl"] or internvl.HF_REPO)
        if self.families:
            src += "; projectors from %s" % self.projector_repo
        if self.needs_ft:
            src += "; fine-tuned audio %s" % where("ft_audio")
        return src

    def provenance(self):
        """pack.json `provenance`: every checkpoint (where, commit, sha256, size) and every adopted reading."""
        from . import __version__

        files = []
        for it in self.items:
            e = {"role": it["role"]}
            for k in ("repo", "commit", "path", "url", "sha256", "size", "note"):
                if it.get(k) is not None:
                    e[k] = it[k]
            if it["kind"] == "local":
                e["local"] = os.path.basename(it["local"].rstrip("/"))
            files.append(e)
        return {"exporter": "molecule_export %s (torch %s)" % (__version__, torch.__version__),
                "checkpoints": files, "readings": self.readings}

    def print_readings(self):
        for r in self.readings:
            if r.get("flag"):
                _log("reading %s: %s  (alternative: %s; %s)" % (r["id"], r["adopted"], "; ".join(r["alternatives"]) or "none listed", r["flag"]))

    def sources(self):
        self.fetch()
        return PackSources(encoder=self.encoder, projector_heads=self.projector_heads, clip_bpe=clip_bpe(),
                           roberta=(self._path("roberta:vocab.json"), self._path("roberta:merges.txt")) if self.needs_clap else None,
                           internvl_sp_model=self.internvl_sp_model() if self.needs_internvl else None,
                           internvl_pad_id=self.internvl_pad_id() if self.needs_internvl else 0,
                           licence=self.licence_text(), source=self.source_text(), provenance=self.provenance())

    def fetch_alternative(self, role, spec):
        """Download an alternative file named "owner/name/path" (from a reading's alternatives) for --check."""
        parts = spec.split("/")
        repo, path = "/".join(parts[:2]), "/".join(parts[2:])
        info = self._repo(repo)
        if isinstance(info, hub.HubError):
            raise info
        if path not in info["files"]:
            raise FileNotFoundError("%s has no %s" % (repo, path))
        return hub.hub_file(self.cache, repo, info["commit"], path, info["files"][path], log=_log)

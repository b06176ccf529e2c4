"""Independent expected matrices for the exporter's end-to-end test (test/export/exporter-e2e.test.ts).

    /usr/bin/python3 test/export/e2e_reference.py SPEC.json OUT.json

SPEC: {"hub": ROOT of make_fake_hub.py, "clap_general": path of the CLAP-General file under ROOT, "items":
{"images": [{"imagebind_vision": {path, shape}}], "audios": [{"imagebind_audio", "clap_fusion_mel",
"clap_nonfusion_waveform": {path, shape}, "longer"}], "texts": [{"imagebind_tokens", "roberta", "roberta_mask"}]}}
with the tensors and ids the app's own preprocessing and tokenizers made for the three README demo pairs.

The stand-in libraries' models (their own forward paths, not the exporter's wrappers) are loaded from the tiny
checkpoints the stand-in hub serves; the projector heads are rebuilt here from the `Head2.mlps.*` keys; the fusion
is docs/REFERENCE.md §7 written out. Output: readme_expected_similarities.json's layout for IB_PP. Nothing from the
exported pack or the exporter's ONNX path is used, so a pack whose `molecule matrix` agrees with this is right."""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_grad_enabled(False)
MODES = ["mix", "A", "T", "V", "AT", "AV", "TV"]
PRESETS = {"versatile": (0.1, 0.5), "at_expertise": (0.5, 0.8)}


def tensor(t):
    return torch.from_numpy(np.fromfile(t["path"], dtype="<f4").reshape(t["shape"]).copy())


def head(path):
    sd = torch.load(path, map_location="cpu")
    sd = {k[len("Head2.mlps."):]: v for k, v in sd.items() if k.startswith("Head2.mlps.")}
    d_in, hidden, d_out = sd["0.weight"].shape[1], sd["0.weight"].shape[0], sd["3.weight"].shape[0]
    m = nn.Sequential(nn.Linear(d_in, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, d_out), nn.BatchNorm1d(d_out))
    m.load_state_dict(sd)
    return m.eval()


def ensemble(heads_inputs):
    outs = [F.normalize(h(x.float()).double(), dim=-1) for h, x in heads_inputs]
    return F.normalize(torch.stack(outs).mean(0), dim=-1)


def main(spec_path, out_path):
    with open(spec_path) as f:
        spec = json.load(f)
    root = spec["hub"]
    import laion_clap
    from imagebind.models import imagebind_model
    from imagebind.models.imagebind_model import ModalityType

    ib = imagebind_model.imagebind_huge(pretrained=False)
    ib.load_state_dict(torch.load(os.path.join(root, "meta", "imagebind_huge.pth")))
    ib.eval()
    cg = laion_clap.CLAP_Module(enable_fusion=True)
    cg.load_ckpt(spec["clap_general"])
    cm = laion_clap.CLAP_Module(enable_fusion=False, amodel="HTSAT-base")
    cm.load_ckpt(os.path.join(root, "models", "lukewys", "laion_clap", "music_speech_audioset_epoch_15_esc_89.98.pt"))
    cg.eval(), cm.eval()
    fb = os.path.join(root, "models", "Viglong", "FreeBind")
    G = [head(os.path.join(fb, "IB_PP_G_Proj", m, "best.pt")) for m in MODES]
    M = [head(os.path.join(fb, "IB_PP_M_Proj", m, "best.pt")) for m in MODES]
    it = spec["items"]

    def norm(x):
        return F.normalize(x.double(), dim=-1)

    image = norm(ib({ModalityType.VISION: torch.stack([tensor(i["imagebind_vision"]) for i in it["images"]])})[ModalityType.VISION])
    # ImageBind audio: the library's 5-d call averages the normalised clip embeddings, as the app does
    ib_audio = norm(ib({ModalityType.AUDIO: torch.stack([tensor(a["imagebind_audio"]) for a in it["audios"]])})[ModalityType.AUDIO])
    ga = norm(cg.model.get_audio_embedding([{"mel_fusion": tensor(a["clap_fusion_mel"]), "longer": torch.tensor([a["longer"]])} for a in it["audios"]]))
    ma = norm(cm.model.get_audio_embedding([{"waveform": tensor(a["clap_nonfusion_waveform"])} for a in it["audios"]]))
    toks = torch.tensor([t["imagebind_tokens"] for t in it["texts"]], dtype=torch.int64)
    ib_text = norm(ib({ModalityType.TEXT: toks})[ModalityType.TEXT])
    rob = {"input_ids": torch.tensor([t["roberta"] for t in it["texts"]]), "attention_mask": torch.tensor([t["roberta_mask"] for t in it["texts"]])}
    gt, mt = norm(cg.model.get_text_embedding(rob)), norm(cm.model.get_text_embedding(rob))
    e_audio = ensemble([(h, ga) for h in G] + [(h, ma) for h in M])
    e_text = ensemble([(h, gt) for h in G] + [(h, mt) for h in M])
    out = {}
    for name, (ft, fa) in PRESETS.items():
        audio = F.normalize(fa * e_audio + (1 - fa) * ib_audio, dim=-1)
        text = F.normalize(ft * e_text + (1 - ft) * ib_text, dim=-1)
        sm = lambda a, b: torch.softmax(a @ b.T * 10.0, dim=-1).tolist()  # noqa: E731
        out[name] = {"factors": {"text_factor": ft, "audio_factor": fa}, "audio_x_image": sm(audio, image),
                     "audio_x_text": sm(audio, text), "image_x_text": sm(image, text)}
    with open(out_path, "w") as f:
        json.dump({"source": "test/export/e2e_reference.py (stand-in models, app preprocessing)", "spaces": {"IB_PP": out}}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

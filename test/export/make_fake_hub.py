"""Write the files a stand-in hub serves for the exporter's end-to-end test (test/export/exporter-e2e.test.ts):

    /usr/bin/python3 test/export/make_fake_hub.py ROOT

ROOT/models/<owner>/<name>/<path>  -- repositories under their official ids, file names and key layouts:
  Viglong/FreeBind     every projector family <Family>/<mode>/best.pt (keys Head2.mlps.*), FreeBind's CLAP files
                       (laion_clap_fullset_fusion.pt = the bytes of lukewys' 630k-audioset-fusion-best.pt, the
                       "fullset" reading), music_speech_audioset_epoch_15_esc_89.98.pt, and the fine-tuned audio
                       checkpoint under both names (ib.* + ib_head.projectors.<i>.Head2.mlps.*)
  Viglong/Molecule     the same projector files (identical bytes)
  lukewys/laion_clap   630k-fusion-best.pt, 630k-audioset-fusion-best.pt, music_speech_…pt ({"state_dict": {"module.…"}})
  FacebookAI/roberta-base   vocab.json, merges.txt (tiny byte-level BPE)
  OpenGVLab/InternVL-14B-224px   config.json, tokenizer files (tiny SentencePiece, [PAD] added at a non-zero id),
                       a weights file (listing and plan only: transformers is not installed here)
ROOT/meta/imagebind_huge.pth  -- Meta's file (a plain state dict of the stand-in imagebind_huge)

The stand-in libraries (test/export/standins/site-packages) must be importable (PYTHONPATH)."""
import json
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "standins", "site-packages"))
sys.path.insert(0, os.path.join(REPO, "tools", "export"))
sys.path.insert(0, os.path.join(REPO, "tools", "export", "tests"))

from molecule_export.signatures import SPACES  # noqa: E402
from tiny import ReleaseReactionHead, randomise_bn, train_tiny_sentencepiece, write_release_family, write_tiny_roberta_files  # noqa: E402


def seeded(seed, make):
    torch.manual_seed(seed)
    m = make()
    g = torch.Generator().manual_seed(seed + 1)
    for name, t in m.state_dict().items():
        if name.endswith("running_var"):
            t.copy_(0.5 + torch.rand(t.shape, generator=g))
        elif name.endswith("running_mean"):
            t.copy_(torch.randn(t.shape, generator=g) * 0.1)
    return m.eval()


def imagebind_model(seed=1):
    from imagebind.models import imagebind_model as ib

    return seeded(seed, ib.imagebind_huge)


def clap_model(fusion, seed):
    import laion_clap

    return seeded(seed, lambda: laion_clap.CLAP_Module(enable_fusion=fusion, amodel="HTSAT-tiny" if fusion else "HTSAT-base"))


def save_clap(module, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save({"epoch": 45, "state_dict": {"module." + k: v for k, v in module.model.state_dict().items()}}, path)


def save_ft(path, seed):
    """FreeBind's ib_with_uni_head layout: the audio parts of ImageBind under `ib.`, 7 heads under `ib_head.projectors.<i>.`."""
    m = imagebind_model(seed)
    sd = {"ib." + k: v for k, v in m.state_dict().items() if ".audio." in k}
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    for i in range(7):
        h = ReleaseReactionHead(1024, 768, 16)
        randomise_bn(h, g)
        for k, v in h.state_dict().items():
            sd["ib_head.projectors.%d.%s" % (i, k)] = v
    torch.save(sd, path)


def main(root):
    models = os.path.join(root, "models")
    if os.path.exists(root):
        shutil.rmtree(root)
    fb = os.path.join(models, "Viglong", "FreeBind")
    fams = {}
    for spec in SPACES.values():
        fams.update({f: d for f, d in spec["projectors"].items() if f != "InternVL_IB_FT_audio_head"})
    for k, (fam, (d_in, d_out)) in enumerate(sorted(fams.items())):
        write_release_family(fb, fam, d_in, d_out, hidden=16, seed=300 + k)
    shutil.copytree(fb, os.path.join(models, "Viglong", "Molecule"))
    save_ft(os.path.join(fb, "InternVL_IB_audio_with_head.pt"), seed=41)
    save_ft(os.path.join(fb, "DrvtFT_audio_with_head.pt"), seed=42)
    luke = os.path.join(models, "lukewys", "laion_clap")
    save_clap(clap_model(True, 11), os.path.join(luke, "630k-fusion-best.pt"))
    save_clap(clap_model(True, 12), os.path.join(luke, "630k-audioset-fusion-best.pt"))
    save_clap(clap_model(False, 13), os.path.join(luke, "music_speech_audioset_epoch_15_esc_89.98.pt"))
    shutil.copyfile(os.path.join(luke, "630k-audioset-fusion-best.pt"), os.path.join(fb, "laion_clap_fullset_fusion.pt"))
    shutil.copyfile(os.path.join(luke, "music_speech_audioset_epoch_15_esc_89.98.pt"),
                    os.path.join(fb, "music_speech_audioset_epoch_15_esc_89.98.pt"))
    rob = os.path.join(models, "FacebookAI", "roberta-base")
    write_tiny_roberta_files(rob)
    with open(os.path.join(rob, "config.json"), "w") as f:
        json.dump({"model_type": "roberta"}, f)
    vl = os.path.join(models, "OpenGVLab", "InternVL-14B-224px")
    sp = train_tiny_sentencepiece(os.path.join(root, "sp-work"))
    os.makedirs(vl, exist_ok=True)
    if sp:
        shutil.copyfile(sp, os.path.join(vl, "tokenizer.model"))
    shutil.rmtree(os.path.join(root, "sp-work"), ignore_errors=True)
    for name, obj in (("config.json", {"architectures": ["InternVLModel"], "auto_map": {"AutoModel": "modeling_internvl.InternVLModel"}}),
                      ("special_tokens_map.json", {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "[PAD]"}),
                      ("added_tokens.json", {"[PAD]": 420}),
                      ("tokenizer_config.json", {"tokenizer_class": "LlamaTokenizer", "pad_token": "[PAD]"}),
                      ("preprocessor_config.json", {"crop_size": 224, "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]})):
        with open(os.path.join(vl, name), "w") as f:
            json.dump(obj, f)
    torch.save({"w": torch.zeros(4)}, os.path.join(vl, "pytorch_model.bin"))
    with open(os.path.join(vl, "modeling_internvl.py"), "w") as f:
        f.write("# stand-in: listed so the plan shows the remote code the real repository ships\n")
    meta = os.path.join(root, "meta")
    os.makedirs(meta, exist_ok=True)
    torch.save(imagebind_model().state_dict(), os.path.join(meta, "imagebind_huge.pth"))
    print(json.dumps({"root": root}))


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]))

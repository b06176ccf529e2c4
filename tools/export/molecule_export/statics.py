"""Static files the exporter needs, taken from the repository's own verified copies (never from an installed
package, the working directory or a folder beside the checkout).

* the CLIP BPE merges (ImageBind's text tokenizer): resources/vocab/bpe_simple_vocab_16e6.txt.gz;
* the similarity matrices printed in the FreeBind README: test/fixtures/reference/readme_expected_similarities.json;
* the three demo pairs the README matrices are computed on: resources/demo/.

Each is checked against the sha256 below before it is used; a mismatch is an error that names the file."""
import hashlib
import os

# tools/export/molecule_export/statics.py -> the checkout root
APP_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))

CLIP_BPE = ("resources/vocab/bpe_simple_vocab_16e6.txt.gz",
            "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a")
README_EXPECTED = ("test/fixtures/reference/readme_expected_similarities.json",
                   "5530b3a761841bb660036a4a8c149b83f46edf9e59ef5067119c362e84db3732")
DEMO_DIR = "resources/demo"
# (name, image sha256, audio sha256), in the README's order; texts are "an audio of <word>"
DEMO = [
    ("BBQ", "barbeque", "e508ac14b309b20266da40b1b3c5c6b510b292df5a344eb70ac3d73a711ef74e",
     "da446b0557d25e833118e221a25f815e80c3c8366ed37618f6ceb9a09fac5dc2"),
    ("toilet", "toilet", "427e377fc92a561bb513a5ee0edb979abf39fff6628b81b33efa3a04f3dd865a",
     "e7463cabcf18853d42d9bbce3efe971054f766031aaa89062d9af86b765c7148"),
    ("train", "train", "9d83aab8ec9b88500f15f7ce96137becd75afb8d3a3d9e5598f5109021d4c12a",
     "10f5ade410c3627c4dd5a5c23f554875c215dad24387dda9b9c5ceebe9c9b73f"),
]


class StaticFileError(Exception):
    """A static file is missing or is not the verified copy."""


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verified(rel, sha, root=None):
    """Absolute path of `rel` under the checkout after checking its sha256."""
    path = os.path.join(root or APP_ROOT, rel)
    if not os.path.isfile(path):
        raise StaticFileError("missing %s (the exporter runs from a Molecule Space checkout: %s)" % (path, root or APP_ROOT))
    got = sha256_of(path)
    if got != sha:
        raise StaticFileError("%s: sha256 %s is not the verified copy (%s)" % (path, got, sha))
    return path


def clip_bpe(root=None):
    return verified(*CLIP_BPE, root=root)


def readme_expected(root=None):
    return verified(*README_EXPECTED, root=root)


def demo_files(root=None):
    """[(image path, audio path, text)] of the three README demo pairs, each file checked."""
    d = DEMO_DIR
    return [(verified("%s/%s.jpeg" % (d, n), si, root), verified("%s/%s.wav" % (d, n), sa, root), "an audio of " + w)
            for n, w, si, sa in DEMO]


def check_all(root=None):
    """[(what, path or None, error or None)] for every static file (the doctor prints this)."""
    out = []
    for what, fn in (("CLIP BPE merges", clip_bpe), ("README expected similarities", readme_expected)):
        try:
            out.append((what, fn(root), None))
        except StaticFileError as e:
            out.append((what, None, str(e)))
    try:
        demo_files(root)
        out.append(("demo pairs (resources/demo)", os.path.join(root or APP_ROOT, DEMO_DIR), None))
    except StaticFileError as e:
        out.append(("demo pairs (resources/demo)", None, str(e)))
    return out

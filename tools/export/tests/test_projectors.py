import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from molecule_export.onnx_io import export_module, graph_io  # noqa: E402
from molecule_export.projectors import (FoldedFamily, ReferenceFamily, fold_linear_bn, load_family,  # noqa: E402
                                        load_ft_audio_head)
from molecule_export.signatures import MODES  # noqa: E402
from tiny import ReleaseReactionHead, randomise_bn, write_release_family, write_release_ft_checkpoint  # noqa: E402


class BnFolding(unittest.TestCase):
    def test_fold_equals_eval_mode_linear_bn(self):
        g = torch.Generator().manual_seed(1)
        lin = torch.nn.Linear(24, 40)
        bn = torch.nn.BatchNorm1d(40)
        bn.weight.data = torch.rand(40, generator=g) + 0.5
        bn.bias.data = torch.randn(40, generator=g)
        bn.running_mean.data = torch.randn(40, generator=g)
        bn.running_var.data = torch.rand(40, generator=g) + 0.1
        bn.eval()
        x = torch.randn(9, 24, generator=g)
        w, b = fold_linear_bn(lin.weight.data, lin.bias.data, bn.weight.data, bn.bias.data, bn.running_mean, bn.running_var)
        with torch.no_grad():
            want = bn(lin(x))
        got = x @ w.t() + b
        self.assertLess((want - got).abs().max().item(), 1e-5)

    def test_folding_is_not_train_mode(self):
        # A fold that used batch statistics would match train mode, not eval mode: make sure the two differ here.
        torch.manual_seed(3)
        h = ReleaseReactionHead(8, 6, 16)
        randomise_bn(h, torch.Generator().manual_seed(3))
        x = torch.randn(5, 8)
        h.train()
        train_out = F.normalize(h.Head2.mlps(x), dim=-1)
        h.eval()
        from molecule_export.projectors import head_from_state_dict

        head = head_from_state_dict(h.state_dict(), "mem")
        folded = FoldedFamily([head] * 7)
        with torch.no_grad():
            got = folded(x)[:, 0]
            want = F.normalize(h.Head2.mlps(x), dim=-1)
        self.assertLess((got - want).abs().max().item(), 1e-5)
        self.assertGreater((got - train_out).abs().max().item(), 1e-3)


class ReleaseLayout(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="molecule-proj-")

    def test_family_from_best_pt_files_matches_the_release_module(self):
        write_release_family(self.tmp, "IB_PP_G_Proj", 32, 48, hidden=20, seed=5)
        heads = load_family(self.tmp, "IB_PP_G_Proj", expect=(32, 48))
        self.assertEqual(len(heads), 7)
        x = F.normalize(torch.randn(4, 32), dim=-1)
        folded, ref = FoldedFamily(heads).eval(), ReferenceFamily(heads).eval()
        with torch.no_grad():
            y, yr = folded(x), ref(x)
        self.assertEqual(tuple(y.shape), (4, 7, 48))
        self.assertLess((y - yr).abs().max().item(), 1e-5)
        # against the release's own module loaded from the same file
        for i, mode in enumerate(MODES):
            h = ReleaseReactionHead(32, 48, 20)
            h.load_state_dict(torch.load(os.path.join(self.tmp, "IB_PP_G_Proj", mode, "best.pt")))
            h.eval()
            with torch.no_grad():
                want = F.normalize(h.Head2.mlps(x), dim=-1)
            self.assertLess((y[:, i] - want).abs().max().item(), 1e-5, mode)
        self.assertTrue(torch.allclose(y.norm(dim=-1), torch.ones(4, 7), atol=1e-5))

    def test_wrong_dims_missing_files_and_keys_are_named(self):
        write_release_family(self.tmp, "Fam", 16, 8)
        with self.assertRaisesRegex(ValueError, "expected 512 -> 1024"):
            load_family(self.tmp, "Fam", expect=(512, 1024))
        os.remove(os.path.join(self.tmp, "Fam", "AV", "best.pt"))
        with self.assertRaisesRegex(FileNotFoundError, "Fam/AV/best.pt"):
            load_family(self.tmp, "Fam")
        sd = torch.load(os.path.join(self.tmp, "Fam", "A", "best.pt"))
        del sd["Head2.mlps.4.running_var"]
        torch.save(sd, os.path.join(self.tmp, "Fam", "AV", "best.pt"))
        with self.assertRaisesRegex(ValueError, "Head2.mlps.4.running_var"):
            load_family(self.tmp, "Fam")

    def test_module_prefix_and_wrapped_state_dicts(self):
        write_release_family(self.tmp, "Fam", 16, 8)
        p = os.path.join(self.tmp, "Fam", "T", "best.pt")
        sd = torch.load(p)
        torch.save({"state_dict": {"module." + k: v for k, v in sd.items()}}, p)
        heads = load_family(self.tmp, "Fam", expect=(16, 8))
        self.assertTrue(torch.equal(heads[2].Head2.mlps[0].weight, sd["Head2.mlps.0.weight"]))

    def test_ft_audio_head_layout(self):
        p = os.path.join(self.tmp, "ft.pt")
        write_release_ft_checkpoint(p, seed=9)
        heads = load_ft_audio_head(torch.load(p), p)
        sd = torch.load(p)
        self.assertTrue(torch.equal(heads[6].Head2.mlps[3].bias, sd["ib_head.projectors.6.Head2.mlps.3.bias"]))

    def test_onnx_export_has_the_pack_signature(self):
        write_release_family(self.tmp, "Fam", 16, 8)
        folded = FoldedFamily(load_family(self.tmp, "Fam"))
        path = os.path.join(self.tmp, "Fam.onnx")
        files = export_module(folded, path, (torch.randn(2, 16),), ["x"], "heads", "B")
        self.assertEqual(files, [path])
        ins, outs = graph_io(path)
        self.assertEqual(ins, [("x", 1, ["B", 16])])
        self.assertEqual(outs[0][0], "heads")
        self.assertEqual(outs[0][2][1:], [7, 8])


if __name__ == "__main__":
    unittest.main()

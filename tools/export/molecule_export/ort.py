"""Running an exported ONNX graph: Python's onnxruntime when it is installed, else the app's onnxruntime-node
(`ort_run.mjs`, needs node and `npm ci` in the checkout). --check always uses the app's runtime, the one the app
runs the pack with."""
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np

from .statics import APP_ROOT

HERE = os.path.dirname(os.path.abspath(__file__))
NP_DTYPES = {"float32": np.float32, "int64": np.int64, "bool": np.bool_}


class RuntimeMissing(Exception):
    pass


def _as_np(v):
    if hasattr(v, "numpy"):
        v = v.detach().numpy() if hasattr(v, "detach") else v.numpy()
    return np.ascontiguousarray(v)


def node_available(app=APP_ROOT):
    """(ok, detail) for node + the checkout's onnxruntime-node."""
    node = shutil.which("node")
    if not node:
        return False, "node is not on PATH"
    if not os.path.isdir(os.path.join(app, "node_modules", "onnxruntime-node")):
        return False, "%s/node_modules/onnxruntime-node is missing (run `npm ci` in the checkout)" % app
    return True, node


def python_ort():
    try:
        import onnxruntime  # noqa: F401
        return True
    except ImportError:
        return False


def run_many(jobs, app=APP_ROOT, prefer="python"):
    """jobs: [(graph path, {input name: array})] -> [first output as float32 ndarray]."""
    if prefer == "python" and python_ort():
        import onnxruntime as ort

        out, cache = [], {}
        for graph, feeds in jobs:
            if graph not in cache:
                cache[graph] = ort.InferenceSession(graph, providers=["CPUExecutionProvider"])
            out.append(np.asarray(cache[graph].run(None, {k: _as_np(v) for k, v in feeds.items()})[0], dtype=np.float32))
        return out
    ok, detail = node_available(app)
    if not ok:
        raise RuntimeMissing("no ONNX Runtime to run the graphs: Python's onnxruntime is not installed and %s" % detail)
    tmp = tempfile.mkdtemp(prefix="molecule-ort-")
    try:
        runs = []
        for i, (graph, feeds) in enumerate(jobs):
            fl = []
            for j, (name, v) in enumerate(feeds.items()):
                a = _as_np(v)
                dt = {np.dtype(np.float32): "float32", np.dtype(np.int64): "int64", np.dtype(np.bool_): "bool"}.get(a.dtype)
                if dt is None:
                    a, dt = a.astype(np.float32), "float32"
                p = os.path.join(tmp, "in%d_%d.bin" % (i, j))
                a.astype(NP_DTYPES[dt]).tofile(p)
                fl.append({"name": name, "dtype": dt, "shape": list(a.shape), "file": p})
            runs.append({"graph": os.path.abspath(graph), "feeds": fl, "out": os.path.join(tmp, "out%d.bin" % i)})
        job = os.path.join(tmp, "job.json")
        with open(job, "w") as f:
            json.dump({"runs": runs}, f)
        r = subprocess.run(["node", os.path.join(HERE, "ort_run.mjs"), app, job], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("onnxruntime-node failed (%d): %s" % (r.returncode, (r.stderr or r.stdout)[-2000:]))
        shapes = [json.loads(line)["shape"] for line in r.stdout.splitlines() if line.startswith("{")]
        return [np.fromfile(run["out"], dtype="<f4").reshape(sh) for run, sh in zip(runs, shapes)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(graph, feeds, app=APP_ROOT, prefer="python"):
    return run_many([(graph, feeds)], app=app, prefer=prefer)[0]

"""ONNX export helpers: torch.onnx.export with a dynamic batch axis, one external-data file for graphs above
the 2 GB protobuf limit, and the fp16 variant (fp16-stored weights, float32 graph inputs/outputs/compute)."""
import os
import shutil
import tempfile

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from .signatures import OPSET

INLINE_LIMIT = 1_800_000_000  # bytes of initializers above which weights go to one `<file>.data` beside the graph


def export_module(module, path, args, input_names, output_name, batch_name="B", opset=OPSET, output_shape=None,
                  inline_limit=None):
    """Export `module(*args)` to `path`. Returns the list of files written (graph first, then its data file if any).

    output_shape (e.g. ["B", 1024]) is written into the graph's output declaration, because shape inference
    through gathers at data-dependent positions (EOT pooling) can leave it unknown and the app checks it."""
    module = module.eval()
    dyn = {n: {0: batch_name} for n in input_names}
    dyn[output_name] = {0: batch_name}
    tmp = tempfile.mkdtemp(prefix="molecule-export-")
    try:
        tmp_path = os.path.join(tmp, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(module, tuple(args), tmp_path, input_names=list(input_names), output_names=[output_name],
                              dynamic_axes=dyn, opset_version=opset, do_constant_folding=True)
        model = onnx.load(tmp_path)  # also pulls in any external tensors torch wrote beside it
        if output_shape is not None:
            set_output_shape(model, output_name, output_shape)
        return save_model(model, path, inline_limit)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def set_output_shape(model, name, shape):
    for out in model.graph.output:
        if out.name == name:
            dims = out.type.tensor_type.shape.dim
            del dims[:]
            for d in shape:
                nd = dims.add()
                if isinstance(d, str):
                    nd.dim_param = d
                else:
                    nd.dim_value = int(d)
            return
    raise ValueError("graph has no output %r" % name)


def initializer_bytes(model):
    total = 0
    for t in model.graph.initializer:
        n = int(np.prod(t.dims)) if len(t.dims) else 1
        total += n * {TensorProto.FLOAT: 4, TensorProto.FLOAT16: 2, TensorProto.INT64: 8, TensorProto.DOUBLE: 8}.get(t.data_type, 4)
    return total


def save_model(model, path, inline_limit=None):
    """Save inline when small, else with all weights in ONE `<basename>.data` file next to the graph."""
    limit = INLINE_LIMIT if inline_limit is None else inline_limit
    data_name = os.path.basename(path) + ".data"
    data_path = os.path.join(os.path.dirname(path) or ".", data_name)
    if os.path.exists(data_path):
        os.remove(data_path)
    if initializer_bytes(model) < limit:
        onnx.save_model(model, path)
        return [path]
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location=data_name,
                    size_threshold=1024)
    return [path, data_path]


def to_fp16_weights(model, min_elements=16):
    """Store float32 initializers with >= min_elements values as float16, each followed by Cast(to=float32).

    Halves the file size; the graph's inputs, outputs and arithmetic stay float32, so the app's signatures and
    ONNX Runtime CPU kernels are unchanged. (Runtime memory stays fp32-sized once ORT folds the casts.)"""
    graph = model.graph
    new_inits, casts = [], []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims) if len(init.dims) else 1) < min_elements:
            new_inits.append(init)
            continue
        arr = numpy_helper.to_array(init)
        half = numpy_helper.from_array(np.clip(arr, -65504, 65504).astype(np.float16), init.name + "__fp16")
        new_inits.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT, name=init.name + "__cast"))
    del graph.initializer[:]
    graph.initializer.extend(new_inits)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    onnx.checker.check_model(model) if model.ByteSize() < 2_000_000_000 else None
    return model


def convert_file_fp16(src, dst, inline_limit=None):
    """fp16 variant of the graph at `src` (external data resolved) written to `dst`. Returns the files written."""
    model = onnx.load(src)
    return save_model(to_fp16_weights(model), dst, inline_limit)


def graph_io(path):
    """[(name, elem_type, dims)] for inputs and outputs, dims as ints or symbolic names."""
    m = onnx.load(path, load_external_data=False)

    def dims(v):
        return [d.dim_param if d.dim_param else d.dim_value for d in v.type.tensor_type.shape.dim]

    ins = [(v.name, v.type.tensor_type.elem_type, dims(v)) for v in m.graph.input]
    outs = [(v.name, v.type.tensor_type.elem_type, dims(v)) for v in m.graph.output]
    return ins, outs

"""Generates the small ONNX compute kernels the app runs on ONNX Runtime (MLAS SIMD, multi-threaded) instead of
JavaScript loops: batched similarity + top-k for zero-shot tagging and near-duplicate search.

Run with Debian's python3-onnx:  /usr/bin/python3 resources/onnx-graphs/generate.py
"""
import os
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))


def similarity_topk():
    # scores = rows · cols^T ; values, indices = TopK(scores, k) along the last axis (largest, sorted)
    rows = helper.make_tensor_value_info("rows", TensorProto.FLOAT, ["N", "D"])
    cols_t = helper.make_tensor_value_info("cols_t", TensorProto.FLOAT, ["D", "M"])
    k = helper.make_tensor_value_info("k", TensorProto.INT64, [1])
    values = helper.make_tensor_value_info("values", TensorProto.FLOAT, ["N", "K"])
    indices = helper.make_tensor_value_info("indices", TensorProto.INT64, ["N", "K"])
    nodes = [
        helper.make_node("MatMul", ["rows", "cols_t"], ["scores"]),
        helper.make_node("TopK", ["scores", "k"], ["values", "indices"], axis=-1, largest=1, sorted=1),
    ]
    graph = helper.make_graph(nodes, "similarity_topk", [rows, cols_t, k], [values, indices])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="molecule-space")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    onnx.save(similarity_topk(), os.path.join(HERE, "similarity_topk.onnx"))
    print("wrote similarity_topk.onnx")

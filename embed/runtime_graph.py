"""The exported model (embed/onnx_export.py) under ONNX Runtime or OpenVINO: a drop-in for
embed/backbones' ``Backbone.embed_batch`` (the local and the Ray engine call nothing else).

One forward pass gives the pooled content vector, the style statistics and the tag logits,
reduced here exactly as embed/backbones/backbone.py reduces Keras' outputs. Batches are
padded to the configured size like Keras' (one compiled shape). ONNX Runtime runs on the CPU
execution provider with one thread per core that does not spin (the decoders share the
cores); OpenVINO runs two streams of half a batch each (measured 10-15% more images per
CPU-second than one stream on 2 cores) with INFERENCE_PRECISION_HINT set explicitly: left
alone it would compute in bf16 (or f16) on CPUs that have them, and the vectors would move.
onnxruntime and openvino are imported inside the loaders.
"""
from __future__ import annotations

import os

import numpy as np

from embed.backbones.registry import ModelError
from embed.style import style_recipe_vectors
from embed.tags import CACHED, softmax
from embed.vectors import l2_normalise

GRAPH_RUNTIMES = ("openvino", "onnxruntime")
OPENVINO_HINTS = {"float32": "f32", "bfloat16": "bf16"}


def has_head(name: str, weights) -> bool:
    """The export carries the tag logits wherever the backbone has a real head (one export for both)."""
    from embed.backbones.registry import why_no_tags

    return why_no_tags(name, weights) is None


class GraphBackbone:
    """The exported graph under a runtime, answering ``embed_batch`` like embed/backbones' Backbone."""

    def __init__(self, run, names: list[str], batch_size: int, with_tags: bool, label: str, dims: dict):
        self.run = run  # float32 (batch_size, S, S, 3) -> list of arrays, one per name
        self.names = names
        self.batch_size = batch_size
        self.with_tags = with_tags and "logits" in names
        self.label = label  # "openvino 2026.4 f32"
        self.dims = dims  # {output name: width}, from the graph

    def raw(self, images: np.ndarray) -> list[np.ndarray]:
        """Every output for uint8 (N, S, S, 3) images, in padded batches of batch_size (as Keras runs)."""
        parts = []
        for start in range(0, len(images), self.batch_size):
            chunk = images[start:start + self.batch_size]
            pad = self.batch_size - len(chunk)
            x = chunk.astype(np.float32)
            if pad:
                x = np.concatenate([x, np.zeros((pad,) + x.shape[1:], np.float32)])
            parts.append([np.asarray(y, np.float32)[: len(chunk)] for y in self.run(x)])
        return [np.concatenate(p) for p in zip(*parts)]

    def facet_dims(self) -> dict[str, int]:
        """{facet: width} of what embed_batch returns (the Ray engine's columns)."""
        from embed.style import STYLE_DIM

        dims = {"content": self.dims["pooled"]}
        if any(n not in ("pooled", "logits") for n in self.names):
            dims["style"] = STYLE_DIM
        if self.with_tags:
            dims["tags"] = 2 * CACHED
        return dims

    def embed_batch(self, inputs: list) -> dict[str, np.ndarray]:
        outs = dict(zip(self.names, self.raw(np.stack(inputs))))
        pooled = outs["pooled"].reshape(len(inputs), -1)
        row = {"content": l2_normalise(pooled)}
        layers = [n for n in self.names if n not in ("pooled", "logits")]
        if layers:
            row["style"] = style_recipe_vectors(tuple(layers), [outs[n] for n in layers])
        if self.with_tags:
            row["tags"] = tag_rows(outs["logits"])
        return row


def tag_rows(logits: np.ndarray) -> np.ndarray:
    """Logits (N, 1000) -> the tag cache rows embed/tags.py's tag_vectors makes from the same logits."""
    probs = softmax(logits.astype(np.float32))
    top = np.argsort(-probs, axis=1, kind="stable")[:, :CACHED]
    return np.concatenate([top.astype(np.float32), np.take_along_axis(probs, top, axis=1)], axis=1)


def load_graph_backbone(runtime: str, name: str, weights, batch_size: int, style_layers=None, tags: bool = False,
                        precision: str = "float32") -> GraphBackbone:
    """The exported model (exported now if not cached) under onnxruntime or openvino."""
    from embed.onnx_export import onnx_model_path

    path = onnx_model_path(name, weights, style_layers, has_head(name, weights))
    return load_graph_file(runtime, path, batch_size, tags, precision)


def load_graph_file(runtime: str, path, batch_size: int, tags: bool = False, precision: str = "float32"):
    """An exported file (a quantized one too: its int8 operators run whatever the hint) under a runtime."""
    from embed.onnx_export import graph_outputs, graph_widths

    names = graph_outputs(path)
    threads = os.cpu_count() or 1
    if runtime == "onnxruntime":
        run, label = _onnxruntime(path, threads, precision)
    elif runtime == "openvino":
        run, label = _openvino(path, threads, batch_size, precision)
    else:
        raise ModelError(f"unknown graph runtime {runtime!r}; expected one of {', '.join(GRAPH_RUNTIMES)}")
    return GraphBackbone(run, names, batch_size, tags, label, dict(zip(names, graph_widths(path))))


def _onnxruntime(path, threads: int, precision: str):
    import onnxruntime as ort

    if precision != "float32":
        raise ModelError(f"onnxruntime runs this model in float32 only, not {precision} (use runtime = \"openvino\")")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")  # the decoders need the cores
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    feed = session.get_inputs()[0].name
    return (lambda x: session.run(None, {feed: x})), f"onnxruntime {ort.__version__} float32"


def _openvino(path, threads: int, batch_size: int, precision: str):
    """Two streams (one with a single core) each run half of the padded batch, asynchronously."""
    import openvino as ov

    if precision not in OPENVINO_HINTS:
        raise ModelError(f"openvino precision must be one of {', '.join(OPENVINO_HINTS)}, not {precision}")
    streams = 2 if threads >= 2 and batch_size >= 2 else 1
    part = -(-batch_size // streams)
    core = ov.Core()
    model = core.read_model(str(path))
    shape = model.inputs[0].get_partial_shape()
    model.reshape({model.inputs[0]: [part] + [shape[i].get_length() for i in (1, 2, 3)]})  # static: one plan
    compiled = core.compile_model(model, "CPU", {
        "INFERENCE_PRECISION_HINT": OPENVINO_HINTS[precision],  # never the CPU's bf16/f16 default
        "PERFORMANCE_HINT": "THROUGHPUT", "NUM_STREAMS": streams, "INFERENCE_NUM_THREADS": threads})
    requests = [compiled.create_infer_request() for _ in range(streams)]
    outputs = compiled.outputs

    def run(x):
        if len(x) < part * streams:
            x = np.concatenate([x, np.zeros((part * streams - len(x),) + x.shape[1:], x.dtype)])
        for i, request in enumerate(requests):
            request.start_async({0: x[i * part:(i + 1) * part]})
        got = []
        for request in requests:
            request.wait()
            got.append([np.array(request.get_tensor(o).data, np.float32) for o in outputs])  # copies: reused buffers
        return [np.concatenate([g[j] for g in got])[:batch_size] for j in range(len(outputs))]

    return run, f"openvino {ov.__version__.split('-')[0]} {OPENVINO_HINTS[precision]}, {streams} streams"

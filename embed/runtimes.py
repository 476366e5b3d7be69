"""Where the model runs: Keras (TensorFlow), or the exported ONNX graph under ONNX Runtime or OpenVINO.

    runtime, why = choose(model_settings, precision, style_layers, log)   # [model] runtime
    backbone = load_graph_backbone(runtime, name, weights, batch_size, style_layers, tags, precision)

The exported graph (embed/onnx_export.py) is the Keras model itself: one forward pass gives
the pooled content vector, the style statistics and the tag logits, reduced here exactly as
embed/backbones/backbone.py reduces Keras' outputs, so a ``GraphBackbone`` is a drop-in for
``Backbone.embed_batch`` (the local and the Ray engine call nothing else).

``auto`` takes the fastest runtime installed (SPEEDUP, measured end to end by
bench/embed_bench.py) whose vectors agree with Keras at float32 (AGREE_COSINE on every image
of a fixed check set, CHECK_IMAGES seeded images, run once per export and runtime and cached
beside the export); the Keras path stays for everything else: other precisions unless asked
for, backbones that do not export, a runtime that disagrees or is not installed.
Lower precisions are opt-in: ``precision = "bfloat16"`` with ``runtime = "openvino"`` sets
OpenVINO's bf16 inference hint (figures in README.md, "Faster on CPUs").
No onnxruntime, OpenVINO or Keras import at module level.
"""
from __future__ import annotations

import importlib.util
import json
import os

import numpy as np

from embed.style import style_recipe_vectors
from embed.tags import CACHED, softmax
from embed.vectors import l2_normalise

RUNTIMES = ("auto", "keras", "onnxruntime", "openvino")
GRAPH_RUNTIMES = ("openvino", "onnxruntime")
# images/s of the full default embed relative to Keras, float32, same neighbours
# (bench/embed_bench.py, 2 shared cores, AVX-512; see README "Faster on CPUs").
SPEEDUP = {"openvino": 1.5, "onnxruntime": 1.2}
AGREE_COSINE = 0.99999
CHECK_IMAGES = 8
_MODULE = {"onnxruntime": "onnxruntime", "openvino": "openvino"}


def installed(runtime: str) -> bool:
    return runtime == "keras" or importlib.util.find_spec(_MODULE[runtime]) is not None


def has_head(name: str, weights) -> bool:
    """The export carries the tag logits wherever the backbone has a real head (one export for both)."""
    from embed.backbones.registry import why_no_tags

    return why_no_tags(name, weights) is None


def choose(model, precision: str, style_layers, log=None) -> tuple[str, str]:
    """(the runtime to embed with, why) for [model] runtime; exports and checks at first use."""
    requested = getattr(model, "runtime", "auto")
    if requested not in RUNTIMES:
        raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, found {requested!r}")
    if requested == "keras":
        return "keras", "set in [model] runtime"
    if requested != "auto":
        if not installed(requested):
            raise ValueError(f"[model] runtime = {requested!r} but {_MODULE[requested]} is not installed "
                             f"(pip install {_MODULE[requested]}, or runtime = \"auto\")")
        return requested, f"set in [model] runtime, {precision}"
    if precision != "float32":
        return "keras", f"auto: the other runtimes are only checked against Keras at float32, not {precision}"
    candidates = [r for r in sorted(SPEEDUP, key=SPEEDUP.get, reverse=True) if installed(r)]
    if not candidates:
        return "keras", "auto: neither openvino nor onnxruntime is installed"
    from embed.onnx_export import ExportError, onnx_model_path

    try:
        path = onnx_model_path(model.name, model.weights, style_layers, has_head(model.name, model.weights), log)
    except ExportError as exc:
        return "keras", f"auto: {model.name} does not export to ONNX ({exc})"
    failed = []
    for runtime in candidates:
        cos = agreement(runtime, path, model.name, model.weights, style_layers)
        if cos >= AGREE_COSINE:
            return runtime, (f"auto: measured {SPEEDUP[runtime]:.2g}x Keras' speed, same vectors "
                             f"(cosine >= {_floor(cos)} on {CHECK_IMAGES} check images)")
        failed.append(f"{runtime} cosine {cos:.6f}")
    return "keras", f"auto: no runtime agreed with Keras ({'; '.join(failed)})"


def _floor(cos: float) -> str:
    return f"{min(cos, 0.9999999):.7f}"


def check_images(size: int, n: int = CHECK_IMAGES) -> np.ndarray:
    """n seeded (size, size, 3) uint8 pictures: smooth colour fields with edges, like photos
    more than noise (blurred random 8x8 grids, upscaled, plus a little grain)."""
    rng = np.random.default_rng(0)
    grid = rng.uniform(0, 255, (n, 8, 8, 3))
    idx = (np.arange(size) * 8) // size
    big = grid[:, idx][:, :, idx]
    return np.clip(big + rng.normal(0, 12, big.shape), 0, 255).astype(np.uint8)


def agreement(runtime: str, path, name: str, weights, style_layers) -> float:
    """The least cosine between Keras' and the runtime's outputs (every output, every check
    image), computed once per export and runtime and cached beside the export."""
    from embed.backbones.backbone import get_spec, load_backbone

    record = path.with_name(f"{path.stem}.agree-{runtime}.json")
    try:
        return float(json.loads(record.read_text())["cosine_min"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    images = check_images(get_spec(name).input_size)
    keras_net = load_backbone(name, weights, CHECK_IMAGES, style_layers=style_layers, precision="float32")
    ref = list(keras_net._batches(keras_net.style_model or keras_net.model, images))[0]
    got = load_graph_backbone(runtime, name, weights, CHECK_IMAGES, style_layers).raw(images)
    cos = min(float(_row_cosines(a, b).min()) for a, b in zip(ref, got))
    from core.files import write_text

    write_text(record, json.dumps({"cosine_min": cos, "images": CHECK_IMAGES, "runtime": runtime}, sort_keys=True))
    return cos


def _row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.reshape(len(a), -1).astype(np.float64), b.reshape(len(b), -1).astype(np.float64)
    return (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-30)


class GraphBackbone:
    """The exported graph under a runtime, answering ``embed_batch`` like embed/backbones' Backbone."""

    def __init__(self, run, names: list[str], batch_size: int, with_tags: bool, label: str):
        self.run = run  # float32 (batch_size, S, S, 3) -> list of arrays, one per name
        self.names = names
        self.batch_size = batch_size
        self.with_tags = with_tags and "logits" in names
        self.label = label  # "openvino 2026.4 f32"

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
    from embed.onnx_export import graph_outputs, onnx_model_path

    path = onnx_model_path(name, weights, style_layers, has_head(name, weights))
    names = graph_outputs(path)
    threads = os.cpu_count() or 1
    if runtime == "onnxruntime":
        run, label = _onnxruntime(path, threads, precision)
    elif runtime == "openvino":
        run, label = _openvino(path, threads, batch_size, precision)
    else:
        raise ValueError(f"unknown graph runtime {runtime!r}; expected one of {', '.join(GRAPH_RUNTIMES)}")
    return GraphBackbone(run, names, batch_size, tags, label)


def _onnxruntime(path, threads: int, precision: str):
    import onnxruntime as ort

    if precision != "float32":
        raise ValueError(f"onnxruntime runs this model in float32 only, not {precision} (use runtime = \"openvino\")")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    feed = session.get_inputs()[0].name
    return (lambda x: session.run(None, {feed: x})), f"onnxruntime {ort.__version__} float32"


OPENVINO_HINTS = {"float32": "f32", "bfloat16": "bf16"}


def _openvino(path, threads: int, batch_size: int, precision: str):
    import openvino as ov

    if precision not in OPENVINO_HINTS:
        raise ValueError(f"openvino precision must be one of {', '.join(OPENVINO_HINTS)}, not {precision}")
    core = ov.Core()
    model = core.read_model(str(path))
    shape = list(model.inputs[0].get_partial_shape().to_shape() if model.inputs[0].get_partial_shape().is_static
                 else [batch_size] + [d.get_length() for d in list(model.inputs[0].get_partial_shape())[1:]])
    model.reshape({model.inputs[0]: shape})  # a static batch: the padded batches are all this size
    compiled = core.compile_model(model, "CPU", {
        "INFERENCE_PRECISION_HINT": OPENVINO_HINTS[precision],  # never the CPU's bf16/f16 default
        "INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY"})
    request = compiled.create_infer_request()
    outputs = compiled.outputs

    def run(x):
        result = request.infer({0: x})
        return [np.array(result[o], np.float32) for o in outputs]  # copies: the buffers are reused

    return run, f"openvino {ov.__version__.split('-')[0]} {OPENVINO_HINTS[precision]}"

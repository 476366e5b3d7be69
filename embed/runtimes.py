"""Where the model runs: Keras (TensorFlow), or the exported ONNX graph under ONNX Runtime or OpenVINO.

    runtime, why = choose(model_settings, precision, style_layers, log)   # [model] runtime
    backbone = load_graph_backbone(runtime, name, weights, batch_size, style_layers, tags, precision)

The exported graph (embed/onnx_export.py) is the Keras model itself, run by
embed/runtime_graph.py (a drop-in for ``Backbone.embed_batch``).

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

import numpy as np

from embed.backbones.registry import ModelError
from embed.runtime_graph import has_head, load_graph_backbone

RUNTIMES = ("auto", "keras", "onnxruntime", "openvino")
# images/s of the full default embed relative to Keras, float32, same neighbours (bench/embed_bench.py
# --runtimes 3, all 1,000 imagen photos, 2 cores, AVX-512; 1.48x and 1.40x on 300; README "Faster on CPUs").
SPEEDUP = {"openvino": 1.39, "onnxruntime": 1.30}
AGREE_COSINE = 0.99999
CHECK_IMAGES = 8
CHECK_VERSION = 2  # of the check and of how the runtimes are set up: a new one checks again
_MODULE = {"onnxruntime": "onnxruntime", "openvino": "openvino"}


def installed(runtime: str) -> bool:
    return runtime == "keras" or importlib.util.find_spec(_MODULE[runtime]) is not None


def choose(model, precision: str, style_layers, log=None) -> tuple[str, str]:
    """(the runtime to embed with, why) for [model] runtime; exports and checks at first use."""
    requested = getattr(model, "runtime", "auto")
    if requested not in RUNTIMES:
        raise ModelError(f"runtime must be one of {', '.join(RUNTIMES)}, found {requested!r}")
    if requested == "keras":
        return "keras", "set in [model] runtime"
    if requested != "auto":
        if not installed(requested):
            raise ModelError(f"[model] runtime = {requested!r} but {_MODULE[requested]} is not installed "
                             f"(pip install {_MODULE[requested]}, or runtime = \"auto\")")
        return requested, f"set in [model] runtime, {precision}"
    if precision != "float32":
        if getattr(model, "precision", "") == "bfloat16" and installed("openvino"):  # opted in: the fast bf16
            return _exported("openvino", model, style_layers, log,
                             "auto: precision = bfloat16 asked for, OpenVINO's bf16 (neighbours move, README)")
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


def _exported(runtime: str, model, style_layers, log, why: str) -> tuple[str, str]:
    from embed.onnx_export import ExportError, onnx_model_path

    try:
        onnx_model_path(model.name, model.weights, style_layers, has_head(model.name, model.weights), log)
    except ExportError as exc:
        return "keras", f"auto: {model.name} does not export to ONNX ({exc})"
    return runtime, why


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
    from importlib.metadata import version

    from embed.backbones.backbone import get_spec, load_backbone

    record = path.with_name(f"{path.stem}.agree-{runtime}-{version(_MODULE[runtime])}-c{CHECK_VERSION}.json")
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


def neighbour_agreement(a: np.ndarray, b: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Two runs' unit vectors of the same images: (cosine per image, whether each image's top-k
    neighbour set, exact search, is the same in both). The figures README and tests quote."""
    cos = _row_cosines(a, b)
    if len(a) <= k:
        return cos, np.ones(len(a), bool)

    def top(v):
        sims = v @ v.T
        np.fill_diagonal(sims, -np.inf)
        return np.sort(np.argpartition(-sims, k, axis=1)[:, :k], axis=1)

    return cos, (top(a) == top(b)).all(axis=1)

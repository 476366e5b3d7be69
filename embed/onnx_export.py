"""The embed model as one ONNX graph: pixels -> pooled content, style statistics, tag logits.

    path = onnx_model_path("efficientnet_lite0", "imagenet", style_layers=..., tags=True)

The graph is the same Keras model the embed stage runs (embed/backbones/backbone.py), with
the backbone's input preprocessing folded in, so its one input is ``pixels``: float32
(N, S, S, 3) RGB in 0..255 (N free), the centre crop embed/images.py makes. Its outputs, in
order (their names are in the model's metadata, ``lookalike.outputs``):

    pooled                        (N, D)  the content vector before L2 normalisation
    moments:<layer> / gram:<layer>        one per style layer entry (embed/style.py)
    logits                        (N, 1000) the ImageNet head, when tags are asked for

Exported once with Keras 3's own ``model.export(path, format="onnx")`` (TensorFlow backend:
it runs tf2onnx), unused graph inputs pruned, and cached in Lookalike's cache beside the
converted weights (``~/.cache/lookalike/onnx/``), keyed like them: the feature key (model
name, weights or their digest, input size, crop recipe), the outputs and EXPORT_VERSION.
Written atomically, so two builds exporting at once each leave a whole file.
Keras, TensorFlow and onnx are imported inside the functions that need them.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from core.files import write_bytes
from embed.backbones.registry import DEFAULT_MODEL, ModelError, get_spec, lookalike_cache_dir, model_key

EXPORT_VERSION = 1
OPSET = 17


class ExportError(ModelError):
    """The backbone's graph could not be exported to ONNX (the Keras runtime still works)."""


def export_key(name: str = DEFAULT_MODEL, weights: str | None = "imagenet", style_layers=None,
               tags: bool = False) -> str:
    """The cache key of an export: the feature key (name, weights, input size, crop) and what it outputs."""
    outputs = output_names(style_layers, tags)
    digest = hashlib.sha256(json.dumps(outputs).encode()).hexdigest()[:10]
    return f"{model_key(name, weights)}-out{digest}-onnx{EXPORT_VERSION}"


def output_names(style_layers=None, tags: bool = False) -> list[str]:
    return ["pooled"] + list(style_layers or ()) + (["logits"] if tags else [])


def onnx_cache_dir() -> Path:
    return lookalike_cache_dir() / "onnx"


def onnx_model_path(name: str = DEFAULT_MODEL, weights: str | None = "imagenet", style_layers=None,
                    tags: bool = False, log=None) -> Path:
    """The cached ONNX file of this model (exported now when missing; raises ExportError when
    the backbone does not export cleanly). ``tags`` adds the logits output (real weights only)."""
    path = onnx_cache_dir() / f"{export_key(name, weights, style_layers, tags)}.onnx"
    if path.is_file():
        return path
    if log is not None:
        log.info(f"embed: exporting {name} to ONNX once ({path.name})")
    write_bytes(path, export_bytes(name, weights, style_layers, tags))  # temp file + rename
    return path


def export_bytes(name: str, weights: str | None, style_layers=None, tags: bool = False) -> bytes:
    """Build the Keras model (float32), export it to ONNX and return the pruned model's bytes."""
    model = keras_graph(name, weights, style_layers, tags)
    with tempfile.TemporaryDirectory(prefix="lookalike-onnx-") as tmp:
        raw = Path(tmp) / "model.onnx"
        try:
            model.export(str(raw), format="onnx", verbose=False, opset_version=OPSET)
        except Exception as exc:  # tf2onnx missing, an op it cannot convert...
            raise ExportError(f"{name} did not export to ONNX ({type(exc).__name__}: {str(exc)[:300]})") from exc
        return finish(raw.read_bytes(), output_names(style_layers, tags), export_key(name, weights, style_layers,
                                                                                     tags))


def keras_graph(name: str, weights: str | None, style_layers=None, tags: bool = False):
    """The Keras model that is exported: pixels (0..255) -> [pooled, *style statistics, logits?]."""
    import keras
    import numpy as np

    from embed.backbones.backbone import load_backbone

    spec = get_spec(name)
    backbone = load_backbone(name, weights, 1, style_layers=style_layers, precision="float32")
    if tags and backbone.classifier is None:
        raise ExportError(f"{name} with weights {weights!r} has no classifier head to export tags from")
    inner = backbone.style_model if style_layers else backbone.model
    pixels = keras.Input((spec.input_size, spec.input_size, 3), dtype="float32", name="pixels")
    x = pixels if backbone.preprocess.__name__ == "_identity" else keras.layers.Lambda(
        backbone.preprocess, name="preprocess")(pixels)
    outs = inner(x)
    outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    if tags:
        w, b = backbone.classifier
        head = keras.layers.Dense(w.shape[1], name="logits")
        outs.append(head(outs[0]))
        head.set_weights([w, b])
    graph = keras.Model(pixels, outs, name=f"{name}_lookalike")
    graph(np.zeros((1, spec.input_size, spec.input_size, 3), np.float32))  # Keras' export needs one call first
    return graph


def finish(data: bytes, names: list[str], key: str) -> bytes:
    """Prune graph inputs no node reads (Keras' export can leave some), check the output count
    and record the output names and the key in the model's metadata."""
    import onnx

    model = onnx.load_from_string(data)
    used = {i for node in model.graph.node for i in node.input} | {o.name for o in model.graph.output}
    inits = {t.name for t in model.graph.initializer}
    for inp in [i for i in model.graph.input if i.name not in used and i.name not in inits]:
        model.graph.input.remove(inp)
    if len(model.graph.output) != len(names):
        raise ExportError(f"the exported graph has {len(model.graph.output)} outputs, expected {len(names)}")
    if len(model.graph.input) != 1:
        raise ExportError(f"the exported graph has {len(model.graph.input)} inputs, expected 1")
    del model.metadata_props[:]
    for k, v in (("lookalike.outputs", json.dumps(names)), ("lookalike.key", key)):
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(model)
    return model.SerializeToString()


def quantized_model_path(path: Path, calibration) -> Path:
    """Static int8 of an export (QDQ: per-channel int8 weights, uint8 activations, ranges from
    the calibration images, float32 (N, S, S, 3) in 0..255), cached beside it by their digest.
    Needs onnxruntime (its quantizer). Opt-in only: it moves neighbours (README)."""
    digest = hashlib.sha256(calibration.tobytes()).hexdigest()[:10]
    out = path.with_name(f"{path.stem}-int8-cal{digest}.onnx")
    if out.is_file():
        return out
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Batches(CalibrationDataReader):
        def __init__(self):
            self.left = iter([{"pixels": calibration[i:i + 8]} for i in range(0, len(calibration), 8)])

        def get_next(self):
            return next(self.left, None)

    with tempfile.TemporaryDirectory(prefix="lookalike-int8-") as tmp:
        pre, q = Path(tmp) / "pre.onnx", Path(tmp) / "q.onnx"
        quant_pre_process(str(path), str(pre), skip_symbolic_shape=True)
        quantize_static(str(pre), str(q), Batches(), quant_format=QuantFormat.QDQ, per_channel=True,
                        weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8)
        write_bytes(out, q.read_bytes())
    return out


def graph_outputs(path: Path) -> list[str]:
    """The output names recorded in an exported model's metadata (onnx needed, not Keras)."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    meta = {p.key: p.value for p in model.metadata_props}
    return json.loads(meta.get("lookalike.outputs", "[]"))


def graph_widths(path: Path) -> list[int]:
    """The width (second dimension) of each output of an exported model, in order."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    return [o.type.tensor_type.shape.dim[1].dim_value for o in model.graph.output]

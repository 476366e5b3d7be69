"""The classic Keras applications (VGG, ResNet, Inception, MobileNet) with their weights.

``weights="imagenet"`` is Keras' own path: downloaded once when online and cached in
``~/.keras/models``; offline, the error names the file, the folder and the flags to use.
"""
from __future__ import annotations

from pathlib import Path

from embed.backbones.registry import DEFAULT_MODEL, BackboneSpec, ModelError, keras_cache_dir


def keras_application(spec: BackboneSpec, weights: str | None):
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


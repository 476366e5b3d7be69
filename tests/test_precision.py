"""bfloat16 inference: chosen only where measured to pay, never mixed with float32 vectors,
and close enough to float32 that the neighbours stay the same."""
import numpy as np
import pytest

from embed import backbones, precision
from tests.conftest import shared_data

BF16 = {"avx512f", "avx512_bf16"}
NO_BF16 = {"avx2", "avx512f"}


def test_auto_picks_bf16_only_for_models_measured_faster_on_capable_cpus():
    assert precision.resolve("resnet50", "auto", BF16, "tensorflow")[0] == "bfloat16"
    assert precision.resolve("vgg19", "auto", {"amx_bf16"}, "tensorflow")[0] == "bfloat16"
    lite, why = precision.resolve("efficientnet_lite0", "auto", BF16, "tensorflow")
    assert lite == "float32" and "slower" in why  # depthwise convolutions: measured slower
    assert precision.resolve("resnet50", "auto", NO_BF16, "tensorflow") == (
        "float32", "auto: this CPU has no native bfloat16 instructions")
    assert precision.resolve("resnet50", "auto", BF16, "jax")[0] == "float32"


def test_explicit_precision_wins_and_nonsense_is_refused():
    assert precision.resolve("efficientnet_lite0", "bfloat16", NO_BF16, "jax")[0] == "bfloat16"
    assert precision.resolve("resnet50", "float32", BF16, "tensorflow")[0] == "float32"
    with pytest.raises(ValueError, match="auto, float32, bfloat16"):
        precision.resolve("resnet50", "fp8")


def test_backend_is_read_like_keras_does(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert precision.keras_backend() == "tensorflow"
    (tmp_path / "keras.json").write_text('{"backend": "jax", "floatx": "float32"}')
    assert precision.keras_backend() == "jax"
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert precision.keras_backend() == "torch"


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512_bf16 amx_tile\n\nprocessor\t: 1\n")
    assert {"avx512_bf16", "sse2"} <= precision.cpu_flags(info)
    assert precision.cpu_flags(tmp_path / "missing") == set()


def test_bf16_vectors_never_share_a_cache_key_with_float32():
    assert backbones.model_key("resnet50", "imagenet") != backbones.model_key("resnet50", "imagenet", "bfloat16")
    assert backbones.model_key("resnet50", "imagenet", "float32") == backbones.model_key("resnet50", "imagenet")


def test_precision_setting_is_checked(tmp_path):
    from core import config, config_load

    cfg = tmp_path / "site.toml"
    cfg.write_text('[model]\nprecision = "half"\n')
    with pytest.raises(config.ConfigError, match=r"\[model\] precision must be \"auto\", \"float32\" or \"bfloat16\""):
        config_load.load(cfg)


def _photos(n: int, size: int = 224) -> np.ndarray:
    """The first n imagen photos as CNN input, decoded the way the build does."""
    from embed.images import decode

    paths = sorted(shared_data("imagen").rglob("*.jpg"))[:n]  # skips, with the reason, without the data
    return np.stack([decode(p, size, 64, 128).model_input for p in paths])


def _patterns(n: int, size: int = 224) -> np.ndarray:
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:size, 0:size] / size
    out = []
    for i in range(n):
        a, b, c = rng.uniform(0, 1, 3)
        img = np.stack([np.sin(6 * (a * xx + b * yy) + i), np.cos(9 * c * xx * yy), xx * a + yy * b], -1)
        out.append(((img - img.min()) / np.ptp(img) * 255).astype(np.uint8))
    return np.stack(out)


@pytest.mark.slow
def test_bf16_backbone_is_built_in_bf16_without_leaking_the_policy():
    import keras

    before = keras.config.dtype_policy().name
    b16 = backbones.load_backbone("efficientnet_lite0", "imagenet", batch_size=4,
                               style_layers=backbones.DEFAULT_STYLE_LAYERS["efficientnet_lite0"],
                               precision="bfloat16")
    assert keras.config.dtype_policy().name == before  # Keras' policy is global: restored after building
    assert b16.model.layers[-1].compute_dtype == "bfloat16" and b16.key.endswith("-bfloat16")
    facets = b16.embed_facets(_patterns(6), want_style=True)
    assert all(o.dtype == "float32" for o in b16.style_model.outputs[1:])  # Gram sums never in bf16
    assert facets["content"].dtype == np.float32 and facets["style"].dtype == np.float32
    assert np.all(np.isfinite(facets["style"])) and np.allclose(np.linalg.norm(facets["content"], axis=1), 1, atol=1e-5)
    f32 = backbones.load_backbone("efficientnet_lite0", "imagenet", batch_size=4)
    assert f32.model.layers[-1].compute_dtype == "float32"


@pytest.mark.slow
def test_bf16_features_agree_with_float32_on_real_photos():
    """Real Lite0 weights (the only real ImageNet weights offline) on 48 real photos: bf16 is
    what a user gets with --precision bfloat16; cosine >= 0.99 is the issue's bar. (On
    synthetic patterns the agreement is lower, 0.96: they are far from what the net was
    trained on, so this is measured on photos only.)"""
    x = _photos(48)
    f32 = backbones.load_backbone("efficientnet_lite0", "imagenet", batch_size=16)
    b16 = backbones.load_backbone("efficientnet_lite0", "imagenet", batch_size=16, precision="bfloat16")
    a, b = f32.embed(x), b16.embed(x)
    cos = (a * b).sum(1)
    assert cos.min() >= 0.99, cos.min()
    nearest = lambda v: np.argsort(-(v @ v.T), axis=1)[:, 1]  # noqa: E731
    same = np.mean(nearest(a) == nearest(b))
    assert same >= 0.85, same  # 0.94 measured; deeper ranks move more (bench/precision_bench.py)

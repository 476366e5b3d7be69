"""[model] runtime: the exported ONNX graph under ONNX Runtime / OpenVINO gives Keras' vectors.

The agreement tests run the default model on 60 real imagen photos (one in about 17, across
the classes) under Keras and under each installed runtime; they skip when ../shared/data is
absent. The choice tests monkeypatch what is installed and never load a model.
"""
from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import numpy as np
import pytest

from embed import onnx_export, runtimes
from embed.backbones import DEFAULT_STYLE_LAYERS, ModelSpec
from embed.tags import CACHED
from tests.conftest import shared_data

NAME = "efficientnet_lite0"
LAYERS = tuple(DEFAULT_STYLE_LAYERS[NAME])
PHOTOS = 60
INSTALLED = [r for r in ("onnxruntime", "openvino") if runtimes.installed(r)]


@pytest.fixture(scope="module")
def photos() -> list:
    from embed.images import decode

    paths = sorted(shared_data("imagen").glob("*.jpg"))
    paths = paths[:: max(1, len(paths) // PHOTOS)][:PHOTOS]
    return [decode(p, 224, 128, 256).model_input for p in paths]


@pytest.fixture(scope="module")
def keras_rows(photos) -> dict:
    return ModelSpec(NAME, "imagenet", 32, LAYERS, "float32", tags=True).load().embed_batch(photos)


@pytest.mark.parametrize("runtime", INSTALLED or [pytest.param("none", marks=pytest.mark.skip("no runtime installed"))])
def test_runtime_gives_keras_vectors_and_tags_on_real_photos(runtime, photos, keras_rows):
    net = ModelSpec(NAME, "imagenet", 32, LAYERS, "float32", tags=True, runtime=runtime).load()
    rows = net.embed_batch(photos)
    assert set(rows) == {"content", "style", "tags"}  # one forward pass: all three
    assert net.facet_dims() == {f: v.shape[1] for f, v in rows.items()}  # the Ray engine's columns
    for facet in ("content", "style"):
        assert rows[facet].shape == keras_rows[facet].shape
        cos, same = runtimes.neighbour_agreement(keras_rows[facet], rows[facet], 10)
        assert cos.min() >= runtimes.AGREE_COSINE, (facet, float(cos.min()))
        assert same.mean() >= 0.99, (facet, float(same.mean()))
    assert np.array_equal(rows["tags"][:, :CACHED], keras_rows["tags"][:, :CACHED])  # same classes, same order
    assert np.allclose(rows["tags"][:, CACHED:], keras_rows["tags"][:, CACHED:], atol=1e-4)


@pytest.mark.parametrize("runtime", INSTALLED or [pytest.param("none", marks=pytest.mark.skip("no runtime installed"))])
def test_bfloat16_is_opt_in_and_measurably_different(runtime, photos, keras_rows):
    """The float32 hint is what keeps the vectors: bf16 (OpenVINO's default on CPUs with it) moves them."""
    if runtime != "openvino":
        with pytest.raises(runtimes.ModelError, match="float32 only"):
            ModelSpec(NAME, "imagenet", 32, LAYERS, "bfloat16", tags=True, runtime=runtime).load()
        return
    rows = ModelSpec(NAME, "imagenet", 32, LAYERS, "bfloat16", tags=True, runtime=runtime).load().embed_batch(photos)
    cos, _ = runtimes.neighbour_agreement(keras_rows["content"], rows["content"], 10)
    assert 0.98 < cos.min() < runtimes.AGREE_COSINE


def test_cache_keys_change_with_precision_outputs_and_weights():
    from embed.facets import facet_keys

    model = SimpleNamespace(name=NAME, weights="imagenet")
    facets = SimpleNamespace(enabled=["content", "style"], style_layers=[], blend={})
    f32, bf16 = facet_keys(model, facets, "float32"), facet_keys(model, facets, "bfloat16")
    assert all(f32[f] != bf16[f] for f in f32)
    keys = {onnx_export.export_key(NAME, "imagenet", LAYERS, True), onnx_export.export_key(NAME, "imagenet"),
            onnx_export.export_key(NAME, "imagenet", LAYERS), onnx_export.export_key(NAME, None, LAYERS, False)}
    assert len(keys) == 4
    assert onnx_export.export_key(NAME, "imagenet").startswith(f"{NAME}-imagenet-224-centre875-")


def _settings(runtime="auto", precision="float32"):
    return SimpleNamespace(name=NAME, weights="imagenet", runtime=runtime, precision=precision)


def test_auto_falls_back_to_keras_when_no_runtime_is_installed(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("onnxruntime", "openvino") else real(name, *a))
    assert runtimes.choose(_settings(), "float32", LAYERS) == (
        "keras", "auto: neither openvino nor onnxruntime is installed")
    with pytest.raises(runtimes.ModelError, match="openvino is not installed"):
        runtimes.choose(_settings("openvino"), "float32", LAYERS)


def test_auto_takes_the_fastest_runtime_that_agrees(monkeypatch, tmp_path):
    monkeypatch.setattr(runtimes, "installed", lambda r: True)
    monkeypatch.setattr(onnx_export, "onnx_model_path", lambda *a, **k: tmp_path / "m.onnx")
    cosines = {"openvino": 0.99999995, "onnxruntime": 0.99999999}
    monkeypatch.setattr(runtimes, "agreement", lambda runtime, *a: cosines[runtime])
    runtime, why = runtimes.choose(_settings(), "float32", LAYERS)
    assert runtime == "openvino" and why.startswith("auto: measured") and "0.9999999" in why
    cosines["openvino"] = 0.9995  # disagrees: the next one
    assert runtimes.choose(_settings(), "float32", LAYERS)[0] == "onnxruntime"
    cosines["onnxruntime"] = 0.99
    runtime, why = runtimes.choose(_settings(), "float32", LAYERS)
    assert runtime == "keras" and "openvino cosine 0.999500; onnxruntime cosine 0.990000" in why
    assert runtimes.choose(_settings(), "bfloat16", LAYERS)[0] == "keras"  # auto precision: never silently
    assert runtimes.choose(_settings(precision="bfloat16"), "bfloat16", LAYERS)[0] == "openvino"  # asked for
    assert runtimes.choose(_settings("keras"), "float32", LAYERS) == ("keras", "set in [model] runtime")


def test_a_backbone_that_does_not_export_stays_on_keras(monkeypatch):
    monkeypatch.setattr(runtimes, "installed", lambda r: True)

    def fail(*a, **k):
        raise onnx_export.ExportError("vgg16 did not export to ONNX (an op tf2onnx lacks)")

    monkeypatch.setattr(onnx_export, "onnx_model_path", fail)
    runtime, why = runtimes.choose(_settings(), "float32", LAYERS)
    assert runtime == "keras" and "does not export" in why and "tf2onnx lacks" in why


@pytest.mark.parametrize("name", [NAME, "mobilenet_v2"])
def test_architecture_only_models_export_and_agree(name, tmp_path, monkeypatch):
    """--weights none (random weights, seeded): the export, its outputs and Keras' vectors; the
    Keras application gets its preprocessing folded into the graph."""
    monkeypatch.setenv("LOOKALIKE_CACHE", str(tmp_path))
    layers = tuple(DEFAULT_STYLE_LAYERS[name])
    path = onnx_export.onnx_model_path(name, None, layers)
    assert path.parent == tmp_path / "onnx" and path.name == onnx_export.export_key(name, None, layers) + ".onnx"
    assert onnx_export.graph_outputs(path) == ["pooled", *layers]
    assert [p.name for p in tmp_path.joinpath("onnx").iterdir()] == [path.name]  # no temporary file left
    if not INSTALLED:
        pytest.skip("no runtime installed to run the export")
    assert runtimes.agreement(INSTALLED[-1], path, name, None, layers) >= runtimes.AGREE_COSINE
    assert onnx_export.onnx_model_path(name, None, layers).stat().st_mtime_ns == path.stat().st_mtime_ns  # cached


def test_summary_says_which_runtime_and_why():
    from core.reports import EmbedReport
    from core.summary import summary_text

    report = EmbedReport(images=3, skipped=[], duplicates=[], ignored=[], metadata={}, decoded=3, embedded=3,
                         cached=0, model="m", precision="float32", facets=["content"], embed_engine="local",
                         runtime="openvino 2026.4 f32 (auto: measured 1.5x Keras' speed, same vectors)")
    assert "model runtime: openvino 2026.4 f32 (auto: measured 1.5x Keras' speed" in summary_text(report, None, None)


def test_runtime_setting_is_checked(tmp_path):
    from core import config, config_load

    (tmp_path / "site.toml").write_text('[model]\nruntime = "tensorrt"\n')
    with pytest.raises(config.ConfigError, match=r'\[model\] runtime must be "auto", "keras", "onnxruntime" or'):
        config_load.load(tmp_path / "site.toml")

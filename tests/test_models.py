"""Backbones: the standard Keras path with architecture-only models (no download),
the offline error, weight files, and the real offline default (slow)."""
import numpy as np
import pytest

from embed import backbones
from embed.backbones import lite0
from tests.conftest import shared_data


def test_unknown_model_lists_choices():
    with pytest.raises(backbones.ModelError, match="efficientnet_lite0"):
        backbones.get_spec("alexnet")


def test_model_key_changes_with_weights(tmp_path):
    w = tmp_path / "w.weights.h5"
    w.write_bytes(b"abc")
    keys = {backbones.model_key("vgg16", "imagenet"), backbones.model_key("vgg16", None),
            backbones.model_key("vgg16", str(w)),
            backbones.model_key("resnet50", "imagenet")}
    assert len(keys) == 4


@pytest.mark.slow
def test_keras_application_architecture_only_embeds():
    bb = backbones.load_backbone("mobilenet_v2", "none", batch_size=4)
    x = np.random.default_rng(0).integers(0, 255, (5, 224, 224, 3), np.uint8)
    v = bb.embed(x)
    assert v.shape == (5, 1280) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert np.allclose(v, bb.embed(x), atol=1e-5)  # padding the last batch changes nothing


@pytest.mark.slow
def test_offline_imagenet_error_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))

    def no_network(*a, **k):
        raise OSError("no route to host")

    import keras.src.utils.file_utils as fu

    monkeypatch.setattr(fu.urllib.request, "urlretrieve", no_network, raising=False)
    monkeypatch.setattr(fu, "urlretrieve", no_network, raising=False)
    with pytest.raises(backbones.ModelError) as err:
        backbones.load_backbone("vgg16", "imagenet")
    msg = str(err.value)
    assert "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5" in msg
    assert str(tmp_path / "keras" / "models") in msg
    assert "--weights" in msg and "works offline" in msg


@pytest.mark.slow
def test_weights_from_a_file_are_loaded(tmp_path):
    import keras

    a = backbones.load_backbone("efficientnet_lite0", "none", batch_size=2)
    path = tmp_path / "lite.weights.h5"
    full = a.model
    # perturb and save: the file, not the seed, must decide the output
    kernel = full.get_layer("stem_conv").kernel
    kernel.assign(kernel * 1.5)
    full.save_weights(path)
    x = np.random.default_rng(1).integers(0, 255, (2, 224, 224, 3), np.uint8)
    expected = a.embed(x)
    keras.backend.clear_session()
    b = backbones.load_backbone("efficientnet_lite0", str(path), batch_size=2)
    assert np.allclose(b.embed(x), expected, atol=1e-4)
    with pytest.raises(backbones.ModelError, match="does not exist"):
        backbones.load_backbone("efficientnet_lite0", str(tmp_path / "missing.h5"))


@pytest.mark.slow
def test_real_lite0_weights_classify_goldfish():
    """The converted ImageNet weights are real: goldfish photos land on class 1."""
    from PIL import Image

    from embed.copies import model_crop
    from embed.legacy_torch import load_state_dict

    folder = shared_data("imagen")
    files = sorted(folder.glob("*_goldfish.jpg"))[:5]
    model = lite0._lite0_architecture()
    lite0.convert_lite0_state_dict(model, load_state_dict(lite0.lite0_package_weights()))
    x = np.stack([model_crop(Image.open(f).convert("RGB"), 224) for f in files]).astype(np.float32)
    pred = np.asarray(model.predict(x, verbose=0)).argmax(1)
    assert (pred == 1).sum() >= 4, pred

"""The photo query's compact index (render/query_index.py) and shipped model (render/photo_query.py):
the shape rule, the scores the browser computes, the recall the summary reports, the files."""
from __future__ import annotations

import numpy as np
import pytest

from render import photo_query
from render.query_index import CompactIndex, choose_dims, header, make_index, parts, recall_at_10


def clustered(n: int, dims: int = 64, seed: int = 0) -> np.ndarray:
    """n unit vectors in 10 clusters, like content vectors (all positive-ish, correlated)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (10, dims)) + 2.0
    x = centres[rng.integers(0, 10, n)] + rng.normal(0, 0.6, (n, dims))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_the_shape_is_chosen_from_the_collections_size():
    assert choose_dims(1_000, 1280) == 1280
    assert choose_dims(12_500, 1280) == 1280  # 16 MB of int8 codes
    assert choose_dims(12_501, 1280) == 256
    assert choose_dims(1_000_000, 1280) == 256
    assert choose_dims(200_000, 128) == 128  # never more axes than dimensions


def test_full_index_scores_are_the_cosines_to_within_rounding():
    f = clustered(300)
    index = make_index(f)
    assert index.axes is None and index.codes.dtype == np.int8 and index.codes.shape == (300, 64)
    q = f[:5]
    assert np.abs(index.scores(q) - q @ f.T).max() < 0.01
    assert recall_at_10(f, index) > 0.95


def test_pca_index_keeps_most_neighbours_and_is_measured_honestly():
    f = clustered(400, dims=96)
    reduced = make_index(f, dims=8)
    assert reduced.axes.shape == (8, 96) and reduced.codes.shape == (400, 8)
    assert np.allclose(reduced.axes @ reduced.axes.T, np.eye(8), atol=1e-5)  # orthonormal axes
    r8, r96 = recall_at_10(f, reduced), recall_at_10(f, make_index(f))
    assert 0.2 < r8 < r96  # fewer axes lose neighbours, and the figure says so
    assert make_index(f, dims=8).codes.tobytes() == reduced.codes.tobytes()  # deterministic


def test_files_hold_whole_rows_and_the_header_the_floats():
    f = clustered(100, dims=16)
    index = make_index(f, dims=4)
    files = parts(index, part_bytes=4 * 30)  # 30 rows a file
    assert [len(p) for p in files] == [120, 120, 120, 40]
    assert b"".join(files) == index.codes.tobytes()
    head = np.frombuffer(header(index), "<f4")
    assert len(head) == 16 + 4 + 4 * 16
    assert np.array_equal(head[:16], index.mean) and np.array_equal(head[16:20], index.scales)


def test_tiny_collections_have_a_recall_of_one():
    f = clustered(1)
    assert recall_at_10(f, make_index(f)) == 1.0
    assert isinstance(make_index(f), CompactIndex)


def test_shipped_model_keeps_the_first_output_with_half_weights():
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    w = rng.normal(0, 1, (12, 8)).astype(np.float32)
    w2 = rng.normal(0, 1, (8, 5)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["pixels", "w"], ["pooled"]),
         helper.make_node("MatMul", ["pooled", "w2"], ["logits"])],
        "g", [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, [None, 12])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [None, 8]),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT, [None, 5])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(w2, "w2")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    half = photo_query.half_model(model.SerializeToString())
    m = onnx.load_from_string(half)
    assert [o.name for o in m.graph.output] == ["pooled"]
    assert [(t.name, t.data_type) for t in m.graph.initializer] == [("w_f16", TensorProto.FLOAT16)]  # w2 is dropped
    x = rng.normal(0, 1, (3, 12)).astype(np.float32)
    got = ort.InferenceSession(half).run(None, {"pixels": x})[0]
    assert got.dtype == np.float32 and np.allclose(got, x @ w, atol=0.02)
    assert photo_query.half_model(model.SerializeToString()) == half  # the same bytes each build


class _Manifest:
    def __init__(self, model, images=("x",)):
        self.model, self.images = model, list(images)


def test_the_setting_and_the_export_decide_whether_the_site_has_it(tmp_path, monkeypatch):
    monkeypatch.setenv("LOOKALIKE_CACHE", str(tmp_path))
    key = "efficientnet_lite0-imagenet-224-centre875"
    off = photo_query.plan(False, _Manifest(key), True)
    assert not off.on and off.why == "off ([site] photo_query = false)"
    missing = photo_query.plan(True, _Manifest(key), True)
    assert not missing.on and "no ONNX export of " + key in missing.why
    assert not photo_query.plan(True, _Manifest(key), False).on  # no content vectors
    (tmp_path / "onnx").mkdir()
    export = tmp_path / "onnx" / f"{key}-out6dbe9b5a9b-onnx1.onnx"
    export.write_bytes(b"")
    (tmp_path / "onnx" / "resnet50-imagenet-224-centre875-outaa-onnx1.onnx").write_bytes(b"")  # another model's
    from render.vendor import REPO_ROOT

    if not (REPO_ROOT / "node_modules" / "onnxruntime-web").is_dir():
        pytest.skip("onnxruntime-web is not installed (npm ci)")
    on = photo_query.plan(True, _Manifest(key + "-bfloat16"), True)  # a bf16 build: the float32 export
    assert on.on and on.source == export
    assert [name for name, _ in on.runtime] == ["ort.wasm.min.js", "ort-wasm-simd-threaded.wasm",
                                                "ort-wasm-simd-threaded.mjs"]

"""Facets with known answers: style ignores position, colour separates hues, blend weights
mean what they say, the style reduction keeps neighbours. TensorFlow tests are slow."""
import numpy as np
import pytest

from embed import colour, facets, style, vectors
from tests.conftest import shared_data


def _cos(a, b):
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def _solid(rgb, size=(48, 64)):
    return np.broadcast_to(np.array(rgb, np.uint8), size + (3,)).copy()


# --- colour ---------------------------------------------------------------------------

def test_red_and_blue_fall_in_different_bins():
    red, blue = colour.colour_vector(_solid((220, 20, 20))), colour.colour_vector(_solid((20, 30, 220)))
    assert red.shape == (colour.COLOUR_BINS ** 3,)
    assert _cos(red, blue) < 0.01
    assert _cos(red, red) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("space", colour.COLOUR_SPACES)
@pytest.mark.parametrize("soft", [True, False])
def test_colour_vector_is_unit_sqrt_histogram(space, soft):
    img = np.random.default_rng(0).integers(0, 256, (40, 30, 3), np.uint8)
    h = colour.colour_histogram(img, 8, space, soft)
    assert h.sum() == pytest.approx(1.0, abs=1e-5) and (h >= 0).all()
    v = colour.colour_vector(img, 8, space, soft)
    assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(v, np.sqrt(h))


def test_colour_cosine_is_bhattacharyya_and_ignores_layout_and_size():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (32, 32, 3), np.uint8)
    shuffled = rng.permutation(img.reshape(-1, 3)).reshape(16, 64, 3)
    assert _cos(colour.colour_vector(img), colour.colour_vector(shuffled)) == pytest.approx(1.0, abs=1e-5)
    half = np.concatenate([_solid((200, 0, 0), (10, 10)), _solid((0, 0, 200), (10, 10))])
    # half red, half blue against all red: Bhattacharyya = sqrt(0.5) * 1
    assert _cos(colour.colour_vector(half), colour.colour_vector(_solid((200, 0, 0)))) == pytest.approx(
        np.sqrt(0.5), abs=1e-4)


def test_soft_binning_keeps_near_colours_near():
    """Two greys a few steps apart on either side of a bin border: hard bins see nothing in
    common, soft bins see nearly the same colour; far colours stay far in both."""
    space, bins = "rgb", 8  # borders every 32 levels: 127 | 128
    a, b, far = _solid((127, 127, 127)), _solid((128, 128, 128)), _solid((30, 30, 30))
    hard = lambda x: colour.colour_vector(x, bins, space, soft=False)  # noqa: E731
    soft = lambda x: colour.colour_vector(x, bins, space, soft=True)  # noqa: E731
    assert _cos(hard(a), hard(b)) == pytest.approx(0.0, abs=1e-6)
    assert _cos(soft(a), soft(b)) > 0.99
    assert _cos(soft(a), soft(far)) < 0.01


def test_colour_rejects_wrong_arrays():
    with pytest.raises(ValueError, match="uint8"):
        colour.colour_vector(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="uint8"):
        colour.colour_vector(np.zeros((0, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="colour space"):
        colour.colour_vector(_solid((1, 2, 3)), space="cmyk")
    assert colour.colour_vectors([]).shape == (0, colour.COLOUR_BINS ** 3)


def test_lab_conversion_known_values():
    lab = colour.srgb_to_lab(np.array([[255, 255, 255], [0, 0, 0], [255, 0, 0]], np.uint8))
    assert np.allclose(lab[0], [100, 0, 0], atol=0.05)
    assert np.allclose(lab[1], [0, 0, 0], atol=0.05)
    assert np.allclose(lab[2], [53.24, 80.09, 67.20], atol=0.1)


# --- style (numpy parts) --------------------------------------------------------------

def test_gram_ignores_positions_exactly():
    act = np.random.default_rng(2).standard_normal((2, 6, 5, 7)).astype(np.float32)
    perm = np.random.default_rng(3).permutation(30)
    moved = act.reshape(2, 30, 7)[:, perm].reshape(2, 5, 6, 7)
    g = style.gram_upper_numpy(act)
    assert g.shape == (2, 7 * 8 // 2)
    assert np.allclose(g, style.gram_upper_numpy(moved), atol=1e-6)
    f = act[0].reshape(30, 7).astype(np.float64)
    full = f.T @ f / 30
    assert np.allclose(g[0], full[np.triu_indices(7)], atol=1e-5)


def test_share_budget_is_water_filling():
    assert style.share_budget([300, 820, 3240], 1024) == [300, 362, 362]
    assert style.share_budget([10, 20], 1024) == [10, 20]
    assert sum(style.share_budget([2080, 8256, 32896, 131328, 131328], 1024)) == 1024


def test_fwht_is_orthonormal():
    x = np.random.default_rng(4).standard_normal((3, 64)).astype(np.float32)
    y = style.fwht(x)
    assert np.allclose(np.linalg.norm(y, axis=1), np.linalg.norm(x, axis=1), rtol=1e-5)
    assert np.allclose(style.fwht(y), x, atol=1e-5)  # H is its own inverse


def test_style_vectors_small_layers_are_kept_exactly():
    rng = np.random.default_rng(5)
    grams = [rng.random((4, 10)), rng.random((4, 36))]
    v = style.style_vectors(grams)
    assert v.shape == (4, style.STYLE_DIM)
    full = style.style_full(grams)
    assert np.allclose(v @ v.T, full @ full.T, atol=1e-5)


def test_style_reduction_keeps_neighbours_on_clustered_data():
    """60 clusters of 8 in three 'layers' of 3,000, 20,000 and 40,000 numbers: the 1,024-d
    vectors find the same 7 nearest neighbours (cluster mates) as the full ones."""
    rng = np.random.default_rng(6)
    sizes, n_clusters, per = [3000, 20000, 40000], 60, 8
    centres = [rng.standard_normal((n_clusters, d)) for d in sizes]
    grams = [np.repeat(c, per, axis=0) + 0.8 * rng.standard_normal((n_clusters * per, d))
             for c, d in zip(centres, sizes)]
    full, red = style.style_full(grams), style.style_vectors(grams)
    assert red.shape == (n_clusters * per, style.STYLE_DIM)
    assert np.allclose(np.linalg.norm(red, axis=1), 1, atol=1e-5)

    def knn(v, k=per - 1):
        s = v @ v.T
        np.fill_diagonal(s, -np.inf)
        return np.argsort(-s, axis=1)[:, :k]

    a, b = knn(red), knn(full)
    recall = np.mean([len(set(x) & set(y)) / len(x) for x, y in zip(a, b)])
    assert recall > 0.95
    labels = np.repeat(np.arange(n_clusters), per)
    assert (labels[a] == labels[:, None]).mean() > 0.95
    # the same image gives the same vector in any batch (rows are independent)
    assert np.allclose(style.style_vectors([g[:5] for g in grams]), red[:5], atol=1e-6)


# --- blend ----------------------------------------------------------------------------

def _unit(rng, n, d):
    return vectors.l2_normalise(rng.standard_normal((n, d)))


def test_blend_cosine_is_weighted_mean_of_facet_cosines():
    rng = np.random.default_rng(7)
    vec = {"content": _unit(rng, 6, 50), "style": _unit(rng, 6, 1024) * 3.0, "colour": _unit(rng, 6, 512)}
    w = {"content": 2.0, "style": 1.0, "colour": 0.5}
    b = facets.blend(vec, w)
    assert b.shape == (6, 50 + 1024 + 512)
    assert np.allclose(np.linalg.norm(b, axis=1), 1, atol=1e-5)
    expected = sum(w[f] * vectors.l2_normalise(vec[f]) @ vectors.l2_normalise(vec[f]).T for f in w) / 3.5
    assert np.allclose(b @ b.T, expected, atol=1e-5)


def test_blend_weight_zero_ignores_the_facet():
    rng = np.random.default_rng(8)
    vec = {"content": _unit(rng, 5, 20), "colour": _unit(rng, 5, 30)}
    only = facets.blend(vec, {"content": 1.0, "colour": 0.0})
    assert np.allclose(only, vec["content"], atol=1e-6)
    assert np.allclose(facets.blend(vec, {"content": 3.0}), vec["content"], atol=1e-6)
    vec2 = dict(vec, colour=_unit(rng, 5, 30))  # different colour vectors, same result
    assert np.allclose(facets.blend(vec2, {"content": 1.0, "colour": 0.0}), only)


def test_blend_rejects_bad_weights():
    vec = {"content": np.eye(3, dtype=np.float32)}
    with pytest.raises(ValueError, match=">= 0"):
        facets.blend(vec, {"content": -1.0})
    with pytest.raises(ValueError, match="without vectors"):
        facets.blend(vec, {"style": 1.0})
    with pytest.raises(ValueError, match="positive weight"):
        facets.blend(vec, {"content": 0.0})
    with pytest.raises(ValueError, match="row counts"):
        facets.blend({"content": np.eye(3), "colour": np.eye(4)}, {"content": 1, "colour": 1})


# --- cache keys -----------------------------------------------------------------------

def test_facet_cache_keys():
    mk = "efficientnet_lite0-imagenet-224-centre875"
    assert facets.facet_cache_key("content", mk, {}) == mk  # today's cache stays valid
    style = facets.facet_params("style", "efficientnet_lite0")
    k = facets.facet_cache_key("style", mk, style)
    assert k.startswith(mk + "-style-") and k == facets.facet_cache_key("style", mk, dict(style))
    assert k != facets.facet_cache_key("style", mk, dict(style, layers=["block2b_add"]))
    assert k != facets.facet_cache_key("style", "vgg19-imagenet-224-centre875", style)
    colour = facets.facet_params("colour")
    kc = facets.facet_cache_key("colour", mk, colour)
    assert kc == facets.facet_cache_key("colour", "vgg19-imagenet-224-centre875", colour)  # model-free
    assert kc != facets.facet_cache_key("colour", mk, dict(colour, bins=6))
    with pytest.raises(ValueError, match="unknown facet"):
        facets.facet_cache_key("shape", mk, {})


# --- style recipe 2: channel moments (+ a Gram) ----------------------------------------

def test_style_layer_entries():
    assert style.parse_style_layer("block2b_add") == ("gram", "block2b_add")  # the seed's lists
    assert style.parse_style_layer("gram:block4c_add") == ("gram", "block4c_add")
    assert style.parse_style_layer("moments:block6d_add") == ("moments", "block6d_add")
    for bad in ("median:block6d_add", "moments:"):
        with pytest.raises(ValueError, match="moments:<layer>"):
            style.parse_style_layer(bad)


def _moments_outputs(rng, n, channels):
    return [np.concatenate([rng.standard_normal((n, c)), rng.random((n, c)) + 0.1], axis=1).astype(np.float32)
            for c in channels]


def test_moments_recipe_cosine_is_what_the_recipe_says():
    """Small moments are kept exactly: the style cosine is (cos of the moments part +
    GRAM_WEIGHT^2 cos of the sketched Gram) / (1 + GRAM_WEIGHT^2), the moments part being the
    mean of the 2L per-layer mean / std cosines."""
    rng = np.random.default_rng(11)
    entries = ["moments:a", "moments:b", "gram:a"]
    outs = _moments_outputs(rng, 6, [8, 12]) + [rng.random((6, 36))]
    v = style.style_recipe_vectors(entries, outs)
    assert v.shape == (6, style.STYLE_DIM) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)

    def cos_blocks(x):
        c = x.shape[1] // 2
        return [vectors.l2_normalise(x[:, :c]), vectors.l2_normalise(x[:, c:])]

    blocks = cos_blocks(outs[0]) + cos_blocks(outs[1])
    moments_cos = sum(b @ b.T for b in blocks) / 4
    g = style.style_vectors([outs[2]], style.GRAM_DIM_WITH_MOMENTS)
    w2 = style.GRAM_WEIGHT ** 2
    assert np.allclose(v @ v.T, (moments_cos + w2 * (g @ g.T)) / (1 + w2), atol=1e-5)
    assert np.allclose(style.style_recipe_vectors(entries, [o[:2] for o in outs]), v[:2], atol=1e-6)  # batch-free
    full = style.style_recipe_full(entries, outs)
    assert np.allclose(full[:, :40] @ full[:, :40].T, moments_cos / (1 + w2), atol=1e-5)
    # bare names only: exactly the seed's recipe
    grams = [rng.random((6, 10)), rng.random((6, 36))]
    assert np.allclose(style.style_recipe_vectors(["x", "y"], grams), style.style_vectors(grams))
    with pytest.raises(ValueError, match="2 style layers but 1"):
        style.style_recipe_vectors(["x", "y"], grams[:1])


def test_large_moments_are_sketched_into_the_budget():
    """VGG-sized moments (3 x 512 channels: 3,072 numbers) fit STYLE_DIM and keep neighbours."""
    rng = np.random.default_rng(12)
    centres = _moments_outputs(rng, 40, [512, 512, 512])
    outs = [np.repeat(c, 5, axis=0) + 0.3 * rng.standard_normal((200, c.shape[1])).astype(np.float32)
            for c in centres]
    entries = ["moments:a", "moments:b", "moments:c"]
    v = style.style_recipe_vectors(entries, outs)
    assert v.shape == (200, style.STYLE_DIM)
    labels = np.repeat(np.arange(40), 5)
    s = v @ v.T
    np.fill_diagonal(s, -np.inf)
    assert (labels[np.argsort(-s, axis=1)[:, :4]] == labels[:, None]).mean() > 0.95


def test_style_cache_key_changes_with_the_recipe():
    """Vectors of the seed's recipe (version 1) are never mixed with recipe 2's: another key."""
    mk = "efficientnet_lite0-imagenet-224-centre875"
    new = facets.facet_params("style", "efficientnet_lite0")
    assert new["version"] == style.STYLE_VERSION >= 2
    assert new["gram_dim"] == style.GRAM_DIM_WITH_MOMENTS and new["gram_weight"] == style.GRAM_WEIGHT
    seed_layers = ["block2b_add", "block3b_add", "block4c_add"]
    old = {"layers": seed_layers, "dim": 1024, "seed": 0, "version": 1}  # what the seed wrote
    keys = {facets.facet_cache_key("style", mk, p) for p in
            (new, old, facets.facet_params("style", "efficientnet_lite0", seed_layers),
             dict(new, gram_weight=0.5))}
    assert len(keys) == 4


# --- with TensorFlow ------------------------------------------------------------------

@pytest.mark.slow
def test_in_graph_gram_matches_numpy_reference():
    import keras

    from embed.backbones import gram_upper

    inp = keras.Input((6, 5, 7))
    model = keras.Model(inp, gram_upper(inp))
    act = np.random.default_rng(9).standard_normal((3, 6, 5, 7)).astype(np.float32)
    assert np.allclose(model.predict_on_batch(act), style.gram_upper_numpy(act), atol=1e-5)


@pytest.mark.slow
def test_in_graph_moments_match_numpy_reference():
    import keras

    from embed.backbones.backbone import channel_moments

    inp = keras.Input((6, 5, 7))
    model = keras.Model(inp, channel_moments(inp))
    act = (3 + 2 * np.random.default_rng(13).standard_normal((3, 6, 5, 7))).astype(np.float32)
    assert np.allclose(model.predict_on_batch(act), style.moments_numpy(act), atol=1e-5)


def _tile_mosaic(seed: int, tiles: int = 7, tile: int = 32) -> np.ndarray:
    """A texture: a tiles x tiles mosaic of random smooth-ish 32 px tiles (224 px)."""
    rng = np.random.default_rng(seed)
    kinds = rng.integers(0, 256, (4, tile // 4, tile // 4, 3)).astype(np.uint8)
    kinds = kinds.repeat(4, axis=1).repeat(4, axis=2)  # 4 px blocks
    layout = rng.integers(0, 4, (tiles, tiles))
    return np.concatenate([np.concatenate([kinds[layout[i, j]] for j in range(tiles)], axis=1)
                           for i in range(tiles)], axis=0)


@pytest.mark.slow
def test_style_ignores_where_the_texture_is():
    """The same texture moved circularly by whole tiles (multiples of the network's total
    stride of 32, so every stride grid sees the same pixels): style cosine > 0.995 (only
    zero padding at the image border differs: measured 0.9995 with the seed's Grams of
    stages 2-4, 0.9986 with today's recipe, whose stage-6 statistics see more of the border;
    0.997 and 0.996 for two other mosaics), while a different texture (stripes in the same
    colours) is far (0.72)."""
    from embed import backbones

    bb = backbones.load_backbone("efficientnet_lite0", "imagenet", batch_size=4,
                              style_layers=backbones.DEFAULT_STYLE_LAYERS["efficientnet_lite0"])
    a = _tile_mosaic(0)
    shifted = np.roll(a, (64, 96), axis=(0, 1))
    stripes = (np.arange(224) // 4 % 2).astype(bool)[:, None, None]
    other = np.where(stripes, a[:1, :1], a[-1:, -1:]).repeat(224, axis=1).astype(np.uint8)
    out = bb.embed_facets(np.stack([a, shifted, other]), want_style=True)
    s = out["style"]
    assert s.shape == (3, style.STYLE_DIM)
    assert np.allclose(np.linalg.norm(s, axis=1), 1, atol=1e-5)
    assert _cos(s[0], s[1]) > 0.995
    assert _cos(s[0], s[2]) < 0.9
    # and the colour facet, which ignores positions entirely, is exact
    assert _cos(colour.colour_vector(a), colour.colour_vector(shifted)) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.slow
def test_content_path_is_unchanged_by_style():
    from embed import backbones

    assert backbones.model_key("efficientnet_lite0", "imagenet") == "efficientnet_lite0-imagenet-224-centre875"
    x = np.random.default_rng(10).integers(0, 255, (5, 224, 224, 3), np.uint8)
    plain = backbones.load_backbone("efficientnet_lite0", "imagenet", batch_size=4)
    assert plain.style_model is None
    assert set(plain.embed_facets(x, want_style=False)) == {"content"}
    with pytest.raises(backbones.ModelError, match="style layers"):
        plain.embed_facets(x, want_style=True)
    styled = backbones.load_backbone("efficientnet_lite0", "imagenet", batch_size=4,
                                  style_layers=backbones.DEFAULT_STYLE_LAYERS["efficientnet_lite0"])
    out = styled.embed_facets(x, want_style=True)
    assert np.allclose(out["content"], plain.embed(x), atol=1e-5)
    assert np.allclose(styled.embed(x), plain.embed(x), atol=1e-6)
    assert out["style"].shape == (5, style.STYLE_DIM)
    assert np.allclose(out["style"][:2], styled.embed_facets(x[:2], True)["style"], atol=1e-5)  # batch-free


@pytest.mark.slow
@pytest.mark.parametrize("name", ["vgg19", "vgg16", "resnet50", "mobilenet_v2", "inception_v3"])
def test_default_style_layers_exist(name):
    import keras

    from embed import backbones

    keras.backend.clear_session()
    layers = backbones.DEFAULT_STYLE_LAYERS[name]
    bb = backbones.load_backbone(name, "none", batch_size=1, style_layers=layers)
    dims = [o.shape[-1] for o in bb.style_model.outputs[1:]]
    assert len(dims) == len(layers)
    assert [style.parse_style_layer(x)[0] for x in layers] == ["moments"] * 3 + ["gram"]
    assert all(d % 2 == 0 for d in dims[:3])  # mean and std per channel
    x = np.random.default_rng(14).integers(0, 255, (2, bb.input_size, bb.input_size, 3), np.uint8)
    assert bb.embed_facets(x, want_style=True)["style"].shape == (2, style.STYLE_DIM)
    keras.backend.clear_session()
    seed = backbones.load_backbone(name, "none", batch_size=1, style_layers=backbones.SEED_STYLE_LAYERS[name])
    dims = [o.shape[-1] for o in seed.style_model.outputs[1:]]
    if name == "vgg19":  # the seed's layers stay available: VGG2Vec's five, 305,888 upper-triangle numbers
        assert sum(c * c for c in (64, 128, 256, 512, 512)) == 610304
        assert dims == [c * (c + 1) // 2 for c in (64, 128, 256, 512, 512)]
    with pytest.raises(backbones.ModelError, match="not a layer"):
        backbones.load_backbone(name, "none", batch_size=1, style_layers=["no_such_layer"])


# Four painters of ../shared/data/art (first 8 works of each, sorted by file name) whose
# same-painter neighbours the style facet finds more often than the content facet on the
# whole set (bench/facets_bench.py, per-painter precision@10, content / seed style / style:
# juan-gris 0.65 / 0.61 / 0.81, anthony-van-dyck 0.43 / 0.38 / 0.53, mary-cassatt 0.59 /
# 0.49 / 0.68, maria-primachenko 0.88 / 0.78 / 0.95).
ART_PAINTERS = ("juan-gris", "anthony-van-dyck", "mary-cassatt", "maria-primachenko")


def _same_painter_auc(v: np.ndarray, painters: np.ndarray) -> float:
    """Over every image: the share of (same-painter work, other-painter work) pairs in which
    the same-painter work is the closer one (1 = every mate before every stranger)."""
    s = v @ v.T
    out = []
    for i in range(len(v)):
        same = (painters == painters[i]) & (np.arange(len(v)) != i)
        out.append((s[i][same][:, None] > s[i][painters != painters[i]][None]).mean())
    return float(np.mean(out))


@pytest.mark.slow
def test_works_by_one_painter_are_closer_in_style_than_in_content():
    """Issue 26: on real paintings the style facet must find the painter better than the
    subject facet. 32 works by 4 painters, one forward pass, the build's decode: works by the
    same painter outrank other painters' works more often in style than in content (measured:
    style 0.928, content 0.897; the seed's Gram-only style 0.881 fails this)."""
    from embed import backbones
    from embed.images import decode

    art = shared_data("art")
    paths = [p for name in ART_PAINTERS for p in sorted((art / name).glob("*.jpg"))[:8]]
    assert len(paths) == 32, "the art set changed: 8 works of each painter expected"
    painters = np.array([p.parent.name for p in paths])
    x = np.stack([decode(p, 224, 256, 1024).model_input for p in paths])
    bb = backbones.load_backbone("efficientnet_lite0", "imagenet", batch_size=32,
                                 style_layers=backbones.DEFAULT_STYLE_LAYERS["efficientnet_lite0"])
    out = bb.embed_facets(x, want_style=True)
    by_style, by_content = _same_painter_auc(out["style"], painters), _same_painter_auc(out["content"], painters)
    assert by_style > by_content + 0.015, (by_style, by_content)

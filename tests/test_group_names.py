"""Group names (layout/group_names.py) and the groups step end to end on a work folder
(layout/group_step.py): WordNet concepts over machine tags, catalogue values over-represented in a
group, no name without support; on real imagen photos, a group of dog breeds is named for dogs."""
from __future__ import annotations

import re

import numpy as np
import pytest

from core import vocabulary
from core.manifest import ImageRecord, Manifest
from core.workfolder import FacetLayout, WorkFolder
from layout.group_names import Namer

needs_wordnet = pytest.mark.skipif(vocabulary.wordnet() is None,
                                   reason="WordNet (Debian wordnet-base) is not installed")
# ImageNet classes (WordNet noun ids), as the manifest's tags carry them
TERRIERS = [("n02093754", "Border terrier"), ("n02096294", "Australian terrier"), ("n02095889", "Sealyham terrier")]
RETRIEVERS = [("n02099601", "golden retriever"), ("n02099712", "Labrador retriever")]
BIRDS = [("n01530575", "brambling"), ("n01531178", "goldfinch"), ("n01580077", "jay")]
CUP = ("n07930864", "cup")


def tag(wnid, label, p=0.8):
    return [{"wnid": wnid, "label": label, "p": p, "class": 0}]


@needs_wordnet
def test_terriers_and_retrievers_are_dogs():
    tags = [tag(*TERRIERS[i % 3]) for i in range(5)] + [tag(*RETRIEVERS[i % 2]) for i in range(5)]
    name, named_by = Namer(tags + [tag(*CUP)], [{}] * 11).name(range(10))
    assert name == "dog"
    assert named_by == "machine tags: 'dog' covers 10 of 10 tagged members (WordNet)"


@needs_wordnet
def test_birds_are_birds_and_a_minority_does_not_spoil_it():
    tags = [tag(*BIRDS[i % 3]) for i in range(8)] + [tag(*CUP), tag(*TERRIERS[0])]
    assert Namer(tags, [{}] * 10).name(range(10))[0] == "bird"


@needs_wordnet
def test_the_most_specific_concept_wins_and_a_single_class_keeps_its_label():
    tags = [tag(*TERRIERS[i % 3]) for i in range(9)] + [tag(*RETRIEVERS[0])]
    assert Namer(tags, [{}] * 10).name(range(10))[0] == "terrier"   # 9 of 10 are terriers: more specific than dog
    tags = [tag(*RETRIEVERS[0])] * 5
    assert Namer(tags, [{}] * 5).name(range(5))[0] == "golden retriever"


def test_no_name_without_enough_support():
    mixed = [tag(*TERRIERS[0]), tag(*CUP), tag(*BIRDS[0]), tag("n04254680", "soccer ball"), [], []]
    assert Namer(mixed, [{}] * 6).name(range(6)) == ("", "")
    untagged = [tag(*TERRIERS[0])] * 2 + [[]] * 6  # most members untagged: no name from 2 tags
    assert Namer(untagged, [{}] * 8).name(range(8)) == ("", "")


def test_the_catalogue_value_most_over_represented_names_the_group():
    artists = ["Claude Monet"] * 18 + ["Edgar Degas"] * 2 + ["Edgar Degas"] * 40 + ["Berthe Morisot"] * 40
    meta = [{"artist": a, "date": "1890" if i < 15 else "1870", "inventory": f"A{i}"} for i, a in enumerate(artists)]
    name, named_by = Namer([[]] * 100, meta).name(range(20))
    assert name == "Claude Monet"
    assert named_by == "catalogue: artist = Claude Monet for 18 of 20 members, 5x the collection's share"
    # a value every image shares names nothing (lift 1), and a column of unique values is not a candidate
    meta2 = [{"type": "painting", "inventory": f"A{i}", "date": "1890s" if i < 10 else "1850"} for i in range(60)]
    name, named_by = Namer([[]] * 60, meta2).name(range(12))
    assert name == "1890s" and named_by.startswith("catalogue: decade = 1890s for 10 of 12 members")
    long = [{"note": "x" * 500 if i < 10 else "y"} for i in range(60)]  # a cell is a label, not an essay
    assert Namer([[]] * 60, long).name(range(10))[0] == "x" * 59 + "…"


@needs_wordnet
def test_the_better_supported_source_names_and_the_catalogue_wins_a_tie():
    tags = [tag(*TERRIERS[0])] * 10
    meta = [{"artist": "A" if i < 5 else "B"} for i in range(10)] + [{"artist": "B"}] * 10
    assert Namer(tags + [[]] * 10, meta).name(range(5))[0] == "A"  # 5 of 5 either way: the catalogue
    meta = [{"decade": "1890s" if i < 6 else "1850s"} for i in range(10)] + [{"decade": "1850s"}] * 30
    name, named_by = Namer(tags + [[]] * 30, meta).name(range(10))  # 1890s: 6 of 10; Border terrier: 10 of 10
    assert name == "Border terrier" and named_by.startswith("machine tags:")


def fake_step_run(tmp_path, n, tags=None, centres=((0.2, 0.2), (0.8, 0.8)), seed=0, map_how="t-SNE", relayout=False):
    """A work folder with n images on blobs of the map, then the groups step; (summary, folder)."""
    from core import config
    from core.views import for_step
    from layout.group_step import facet_groups, namer_for

    rng = np.random.default_rng(seed)
    recs = [ImageRecord(id=f"{i:012x}", sha256=f"{i:064x}", path=f"{i}.jpg", title=str(i), width=4, height=3,
                        bytes=1, tags=(tags[i] if tags else [])) for i in range(n)]
    m = Manifest(collection="/c", model="m", images=recs, facets=["content"],
                 copies={"thumb_size": 256, "display_size": 1024})
    folder = WorkFolder(tmp_path / "w").build(tmp_path / "c")
    folder.write_manifest(m)
    xy = np.concatenate([rng.normal(centres[i % len(centres)], 0.02, (1, 2)) for i in range(n)]).astype(np.float32)
    folder.write_features(m, "content", rng.normal(size=(n, 8)).astype(np.float32))
    folder.write_layout(m, "content", FacetLayout(np.zeros((n, 1), np.int32), np.ones((n, 1), np.float32), xy),
                        "layout-key", {})

    class Report:
        pass
    Report.map_how = map_how

    class Log:
        said: list = []

        def info(self, text):
            self.said.append(text)

    settings = config.Settings()
    settings.map.relayout = relayout
    settings = for_step(settings, "layout")
    return facet_groups(folder, folder.read_manifest(), "content", Report(), settings, namer_for(m), Log()), folder


@needs_wordnet
def test_the_step_writes_named_groups_that_render_reads(tmp_path):
    tags = [tag(*TERRIERS[i % 3]) if i % 2 == 0 else tag(*BIRDS[i % 3]) for i in range(60)]
    summary, folder = fake_step_run(tmp_path, 60, tags)
    assert summary == {"groups": 2, "named": 2, "subgroups": 0, "ungrouped": 0, "images": 60, "how": "clustered"}
    got = folder.read_groups(folder.read_manifest(), "content")
    assert sorted(g.name for g in got.groups) == ["bird", "terrier"]
    for g in got.groups:
        members = got.members(g)
        assert g.face in members and len(members) == g.size == 30
    again, _ = fake_step_run(tmp_path, 60, tags)
    assert again["how"] == "cached"
    from tests.test_stages import WRITTEN_FROM_20_IMAGES, _doc_patterns

    written = (folder.path / "groups" / "content.json").relative_to(folder.path.parent.parent).as_posix()
    assert any(re.fullmatch(p, written) for p in _doc_patterns()), f"{written} is not named in docs/architecture.md"
    assert WRITTEN_FROM_20_IMAGES == {"groups/<facet>.json"}


@pytest.mark.slow
def test_real_dog_photos_are_named_for_dogs(tmp_path):
    """imagen's five photos of the class "dog" (the classifier tags them with breeds: cocker spaniel,
    Labrador, Dobermann) among 20 other photos, embedded for real: the dogs' group is named "dog"
    or a breed group, and the other photos do not spoil it as a minority."""
    import json
    import shutil

    from tests.conftest import run_build, shared_data

    data = shared_data("imagen")  # skips with a reason when ../shared/data is absent
    if vocabulary.wordnet() is None:
        pytest.skip("WordNet (Debian wordnet-base) is not installed")
    files = sorted(data.glob("n02084071_*_dog.jpg")) + sorted(data.glob("n07753592_*.jpg"))[:2]
    assert len(files) == 7, "imagen holds five photos of dogs and five of bananas"
    coll = tmp_path / "c"
    coll.mkdir()
    for f in files:  # a copy in the test's temporary folder, never in the repo
        shutil.copyfile(f, coll / f.name)
    assert run_build("embed", "--collection", coll, "--work-dir", tmp_path / "w", "--facets", "content",
                     "--quiet") == 0
    manifest = json.loads(next((tmp_path / "w" / "builds").glob("*/manifest.json")).read_text())
    tags = [im["tags"] for im in manifest["images"]]
    dogs = [r for r, im in enumerate(manifest["images"]) if "_dog." in im["path"]]
    name, named_by = Namer(tags, [{}] * len(tags)).name(range(len(tags)))
    assert name in ("dog", "hunting dog", "sporting dog", "working dog", "retriever", "spaniel"), (name, named_by)
    assert Namer(tags, [{}] * len(tags)).name(dogs)[0] == name


@needs_wordnet
def test_images_added_keep_their_groups_unless_relayout(tmp_path):
    tags = [tag(*TERRIERS[i % 3]) if i % 2 == 0 else tag(*BIRDS[i % 3]) for i in range(72)]
    first, folder = fake_step_run(tmp_path, 60, tags[:60])
    before = folder.read_groups(folder.read_manifest(), "content")
    second, folder = fake_step_run(tmp_path, 72, tags, map_how="placed")
    assert second["how"] == "kept" and second["ungrouped"] == 0
    after = folder.read_groups(folder.read_manifest(), "content")
    assert np.array_equal(after.of[0][:60], before.of[0])
    assert [(g.id, g.name) for g in after.groups] == [(g.id, g.name) for g in before.groups]
    assert sorted(g.size for g in after.groups) == [36, 36]
    third, _ = fake_step_run(tmp_path, 72, tags, map_how="placed", relayout=True)
    assert third["how"] == "clustered"


def test_a_grown_collection_keeps_its_groups_when_the_automatic_min_size_moves(tmp_path):
    """484 images: min_size 11; 530 (10% more): 12. The groups are kept all the same."""
    from layout.groups import auto_min_size

    assert (auto_min_size(484), auto_min_size(530)) == (11, 12)
    fake_step_run(tmp_path, 484)
    grown, _ = fake_step_run(tmp_path, 530, map_how="placed")
    assert grown["how"] == "kept"


def test_two_groups_with_one_name_are_told_apart():
    """Two broad groups named "Impressionism" (a style several painters share) get their next best
    name beside it, or a number by size when there is none: two labels on the map never read the same."""
    from types import SimpleNamespace

    from core.group_files import Group
    from layout.group_step import _tell_apart

    seconds = {1: ("alfred-sisley", "catalogue: creator"), 2: ("paul-signac", "catalogue: creator"),
               3: ("", ""), 4: ("", "")}
    namer = SimpleNamespace(name=lambda rows, avoid="": seconds[int(rows[0])])
    groups = [Group(1, 0, 30, 0, name="Impressionism", named_by="catalogue: style"),
              Group(2, 0, 50, 0, name="Impressionism", named_by="catalogue: style"),
              Group(3, 0, 20, 0, name="Ukiyo_e"), Group(4, 0, 25, 0, name="Ukiyo_e"), Group(5, 0, 9, 0, name="Cubism")]
    _tell_apart(groups, {g.id: [g.id] for g in groups}, namer)
    assert [g.name for g in groups] == ["Impressionism · alfred-sisley", "Impressionism · paul-signac",
                                        "Ukiyo_e 2", "Ukiyo_e 1", "Cubism"]
    assert groups[0].named_by == "catalogue: style; and catalogue: creator"

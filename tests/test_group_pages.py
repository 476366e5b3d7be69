"""Group pages (issue #27 item 4): groups.html, one page per group, "In group" on each member's page
and data/groups.csv.gz, all made by render from the work folder's groups/<facet>.json alone.

A collection of 9 generated pictures (3 stripes, 3 checks, 3 discs; random weights, one facet) is
built once; its groups are then written by hand through BuildFolder.write_groups (what the layout
stage writes) and render runs again: stripes = "Stripes" with the sub-group "Thin stripes" (two of
them), checks = a hostile name, two discs = "Group 2" (no name), the third disc in no group.
"""
from __future__ import annotations

import csv
import gzip
import io
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from core.manifest import ImageRecord
from core.workfolder import FacetGroups, Group, WorkFolder
from render.linkcheck import broken_links
from render.urls import page_path
from tests.conftest import pattern_collection, run_build, site_bytes

pytestmark = pytest.mark.slow
CHEAP = ("--weights", "none", "--facets", "content", "--quiet")
EVIL = '<script>alert(1)</script>"'


def facet_groups(manifest, names=("Stripes", EVIL)) -> FacetGroups:
    kinds = [im.path.split("/")[0] for im in manifest.images]
    rows = {k: [i for i, x in enumerate(kinds) if x == k] for k in ("stripes", "checks", "disc")}
    top, sub = np.full(len(kinds), -1, np.int32), np.full(len(kinds), -1, np.int32)
    top[rows["stripes"]], top[rows["checks"]], top[rows["disc"][:2]] = 0, 1, 2
    sub[rows["stripes"][:2]] = 3
    groups = [Group(0, 0, 3, rows["stripes"][1], None, names[0], "the catalogue's column kind (3 of 3)"),
              Group(1, 0, 3, rows["checks"][0], None, names[1], "machine tags"),
              Group(2, 0, 2, rows["disc"][1]),
              Group(3, 1, 2, rows["stripes"][0], 0, "Thin stripes", "WordNet: stripe")]
    strength = [np.where(top >= 0, np.linspace(0.5, 0.9, len(kinds)), 0).astype(np.float32),
                np.where(sub >= 0, 0.25, 0).astype(np.float32)]
    return FacetGroups("content", groups, [top, sub], strength, "hand-made for the test")


def render(coll: Path, work: Path, out: Path) -> None:
    assert run_build("render", "--collection", coll, "--work-dir", work, "--out", out, "--quiet") == 0


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("groups")
    coll = pattern_collection(root / "coll", per_kind=3)
    work, site = root / "work", root / "site"
    assert run_build("--collection", coll, "--out", site, "--work-dir", work, *CHEAP) == 0
    folder = WorkFolder(work).build(coll)
    manifest = folder.read_manifest()
    folder.write_groups(manifest, facet_groups(manifest), "test")
    render(coll, work, site)
    ids = [im.id for im in manifest.images]
    kinds = [im.path.split("/")[0] for im in manifest.images]
    return SimpleNamespace(root=root, coll=coll, work=work, site=site, folder=folder, manifest=manifest, ids=ids,
                           of=lambda kind: [ids[i] for i, k in enumerate(kinds) if k == kind])


class Links(HTMLParser):
    """The hrefs inside the element with class `within` (the members grid: lk-grid)."""

    def __init__(self, within: str):
        super().__init__()
        self.within, self.depth, self.hrefs = within, 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            self.depth += 1
            if tag == "a":
                self.hrefs.append(attrs["href"])
        elif self.within in (attrs.get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1


def members(site: Path, page: str) -> list[str]:
    """The image ids a group page lists in its grid, in order (the strongest members first: the
    hand-made level-0 strengths grow with the row, the level-1 ones are all equal)."""
    p = Links("lk-grid")
    p.feed((site / page).read_text(encoding="utf-8"))
    return [re.search(r"([0-9a-f]{12})\.html$", h).group(1) for h in p.hrefs]


def test_every_group_has_a_page_listing_exactly_its_members(built):
    site = built.site
    assert sorted(p.relative_to(site).as_posix() for p in (site / "group").rglob("*")) == [
        *(f"group/content-{i}.html" for i in range(4)), "group/content-none.html"]
    stripes, checks, discs = built.of("stripes"), built.of("checks"), built.of("disc")
    assert members(site, "group/content-0.html") == stripes[::-1]
    assert members(site, "group/content-1.html") == checks[::-1]
    assert members(site, "group/content-2.html") == discs[1::-1]
    assert members(site, "group/content-3.html") == stripes[:2]
    assert members(site, "group/content-none.html") == discs[2:]  # the images in no group, shown
    broad = (site / "group/content-0.html").read_text()
    assert "<h1><bdi>Stripes</bdi></h1>" in broad and "3 images" in broad
    assert "the catalogue&#39;s column kind (3 of 3)" in broad  # how it was named
    assert 'href="content-3.html"' in broad and "Thin stripes" in broad  # its sub-group
    assert 'href="../index.html#facet=content&amp;group=content-0"' in broad  # "Show on map"
    sub = (site / "group/content-3.html").read_text()
    assert re.search(r'<dt>Part of</dt><dd><a href="content-0.html"><bdi>Stripes</bdi></a>', sub)
    unnamed = (site / "group/content-2.html").read_text()
    assert "<h1><bdi>Group 2</bdi></h1>" in unnamed and "no name is shared by enough of its members" in unnamed
    assert f'<a class="group-face" href="../{page_path(discs[1])}">' in unnamed  # its face


def test_the_groups_page_lists_every_group_and_counts_the_rest(built):
    text = (built.site / "groups.html").read_text()
    assert re.findall(r'href="(group/[^"]+)"', text) == [f"group/content-{i}.html" for i in ("none", 0, 3, 1, 2)]
    assert "3 groups, 1 sub-group" in text and "8 of 9 images in a group" in text
    assert '<strong><a href="group/content-none.html">1 image not in a group</a></strong>' in text
    index = (built.site / "index.html").read_text()
    assert '<nav class="page-nav" aria-label="Browse"><a href="groups.html">Groups</a></nav>' in index


def test_member_pages_link_to_their_groups(built):
    site, stripes = built.site, built.of("stripes")
    first = (site / page_path(stripes[0])).read_text()
    assert ('<dt>In group</dt><dd class="in-group"><a href="../../group/content-0.html"><bdi>Stripes</bdi></a>'
            ' &rsaquo; <a href="../../group/content-3.html"><bdi>Thin stripes</bdi></a></dd>') in first
    third = (site / page_path(stripes[2])).read_text()
    assert '<a href="../../group/content-0.html"><bdi>Stripes</bdi></a></dd>' in third and "content-3" not in third
    lone = (site / page_path(built.of("disc")[2])).read_text()
    assert '<dd class="in-group" data-pagefind-ignore>none: <a href="../../group/content-none.html">' in lone
    none = (site / "group/content-none.html").read_text()
    assert "<h1><bdi>Not in a group</bdi></h1>" in none and "1 image of this collection is not close" in none
    assert 'href="../index.html#facet=content"' in none and "group-face" not in none
    assert broken_links(site) == []


def test_a_group_name_is_escaped_everywhere_it_is_shown(built):
    site, checks = built.site, built.of("checks")
    shown = [site / "groups.html", site / "group/content-1.html", *(site / page_path(i) for i in checks)]
    for page in shown:
        text = page.read_text()
        assert "<script>alert" not in text, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;" in text, page
    assert not any("<script>alert" in p.read_text() for p in site.rglob("*.html"))


def test_groups_csv_has_one_row_per_image_and_group(built):
    with gzip.open(built.site / "data" / "groups.csv.gz", "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    stripes, checks, discs = built.of("stripes"), built.of("checks"), built.of("disc")
    strength = [f"{s:.3f}" for s in np.linspace(0.5, 0.9, 9).astype(np.float32)]
    row = {i: n for n, i in enumerate(built.ids)}
    expect = [["image", "facet", "level", "group", "name", "strength"]]
    for image in built.ids:
        if image in stripes:
            expect.append([image, "content", "0", "0", "Stripes", strength[row[image]]])
            if image in stripes[:2]:
                expect.append([image, "content", "1", "3", "Thin stripes", "0.250"])
        elif image in checks:
            expect.append([image, "content", "0", "1", EVIL, strength[row[image]]])
        elif image in discs[:2]:
            expect.append([image, "content", "0", "2", "Group 2", strength[row[image]]])
        else:
            expect.append([image, "content", "0", "-1", "", "0.000"])
    assert rows == expect
    assert (built.site / "data" / "groups.csv.gz").read_bytes()[4:8] == b"\0\0\0\0"  # gzip mtime 0


def test_a_formula_like_group_name_is_quoted_in_the_csv(built, tmp_path):
    from render.exports import groups_csv

    g = facet_groups(built.manifest, names=("=HYPERLINK(1)", "-2"))
    rows = list(csv.reader(io.StringIO(groups_csv(built.manifest, {"content": g}))))
    assert {r[4] for r in rows[1:]} == {"'=HYPERLINK(1)", "'-2", "Thin stripes", "Group 2", ""}


def copy_of(built, tmp_path) -> SimpleNamespace:
    work = shutil.copytree(built.work, tmp_path / "work")
    return SimpleNamespace(work=work, folder=WorkFolder(work).build(built.coll), out=tmp_path / "site")


def test_a_rebuild_is_byte_identical_and_a_fresh_one_equal(built, tmp_path):
    s = copy_of(built, tmp_path)
    render(built.coll, s.work, s.out)
    first = site_bytes(s.out)
    assert first == site_bytes(built.site)  # a fresh folder gives the incremental build's bytes
    render(built.coll, s.work, s.out)
    assert site_bytes(s.out) == first


def test_renamed_groups_change_their_members_pages_only(built, tmp_path):
    s = copy_of(built, tmp_path)
    render(built.coll, s.work, s.out)
    before = site_bytes(s.out)
    s.folder.write_groups(built.manifest, facet_groups(built.manifest, names=("Zebra crossings", EVIL)), "test2")
    render(built.coll, s.work, s.out)
    after = site_bytes(s.out)
    changed = sorted(p for p in after if before.get(p) != after[p] and not p.startswith("pagefind/"))
    assert changed == sorted([".lookalike-files.json", "data/groups.csv.gz", "groups.html",
                              "data/groups.js", "data/filters.js",  # the map's names and its group filter
                              *(f"group/content-{i}.html" for i in (0, 3)),  # the broad group and its sub-group
                              *(page_path(i) for i in built.of("stripes"))])
    assert "Zebra crossings" in after[page_path(built.of("stripes")[2])].decode()


def test_no_groups_file_means_no_group_pages(built, tmp_path):
    s = copy_of(built, tmp_path)
    render(built.coll, s.work, s.out)
    s.folder.remove_groups("content")
    render(built.coll, s.work, s.out)
    files = site_bytes(s.out)
    assert [p for p in files if p.startswith("group") or p == "data/groups.csv.gz"] == []
    assert files["data/groups.js"] == b"window.LOOKALIKE_POINTS.groups = {};\n"  # the map: no names, no panel
    assert not any(b"In group" in data or b"groups.html" in data for p, data in files.items() if p.endswith(".html"))
    assert broken_links(s.out) == []


def test_a_large_group_is_paged_500_members_a_page():
    """No build: GroupSite on 1,201 stand-in records, one group of all of them."""
    from render.group_pages import GroupIndex, GroupSite
    from render.pages import PageOptions

    images = [ImageRecord(f"{i:012x}", "", f"p{i}.jpg", f"Picture {i}", 64, 48, 1) for i in range(1201)]
    of = np.full(len(images), 5, np.int32)
    g = FacetGroups("style", [Group(5, 0, len(images), 7, name="All")], [of], [np.ones(len(images), np.float32)])
    site = GroupSite(GroupIndex({"style": g}), images, PageOptions("", False, 256, 1024))
    pages = list(site.pages())
    assert [p for p, _ in pages] == site.paths() == ["group/style-5.html", "group/style-5/2.html",
                                                     "group/style-5/3.html"]
    assert [len(c["grid"]["images"]) for _, c in pages] == [500, 500, 201]
    last = pages[2][1]
    assert last["grid"]["images"][0]["page_url"] == "../../" + page_path(images[1000].id)
    assert last["grid"]["prev_url"] == "2.html" and last["grid"]["next_url"] == ""
    assert [p.get("url") for p in pages[0][1]["grid"]["pages"]] == ["style-5.html", "style-5/2.html",
                                                                     "style-5/3.html"]
    assert pages[1][1]["map_url"] == "../../index.html#facet=style&group=style-5"


def test_several_facets_are_told_apart():
    """No build: two facets' groups on 4 stand-in records, rendered with the real templates."""
    from render.group_pages import GroupIndex, GroupSite
    from render.pages import PageOptions, environment

    images = [ImageRecord(f"{i:012x}", "", f"p{i}.jpg", f"Picture {i}", 64, 48, 1) for i in range(4)]
    by = {"content": FacetGroups("content", [Group(0, 0, 3, 1, name="Boats")], [np.array([0, 0, 0, -1], np.int32)],
                                 [np.ones(4, np.float32)]),
          "colour": FacetGroups("colour", [Group(4, 0, 4, 2)], [np.full(4, 4, np.int32)], [np.ones(4, np.float32)])}
    index = GroupIndex(by)
    site = GroupSite(index, images, PageOptions("", False, 256, 1024))
    common = {"site_title": "T", "site_description": "D", "search": False}
    env = environment()
    listing = env.get_template("groups.html").render(**common, **site.groups_context())
    assert re.findall(r"<h2[^>]*>([^<]+)</h2>", listing) == ["By subject: 1 group", "By colour: 1 group"]
    assert re.findall(r'href="(group/[^"]+)"', listing) == ["group/content-none.html", "group/content-0.html",
                                                            "group/colour-4.html"]
    pages = dict(site.pages())
    assert sorted(pages) == ["group/colour-4.html", "group/content-0.html", "group/content-none.html"]
    html = env.get_template("group.html").render(**common, **pages["group/colour-4.html"])
    assert '<p class="group-kind">Group by colour</p>' in html and "<h1><bdi>Group 4</bdi></h1>" in html
    links = index.member_links(3, "image/00/000000000003.html")
    assert [(x["label"], [link["label"] for link in x["links"]], x["none"]) for x in links] == [
        ("Subject", [], True), ("Colour", ["Group 4"], False)]
    assert links[0]["none_url"] == "../../group/content-none.html"


def test_a_facet_without_groups_may_be_none():
    """Build.groups may hold None for a facet layout did not group: nothing of it is shown."""
    from render.group_pages import GroupIndex, key, present

    g = FacetGroups("content", [Group(0, 0, 2, 0)], [np.array([0, 0], np.int32)], [np.ones(2, np.float32)])
    assert present({"content": g, "colour": None}) == {"content": g} and present({"colour": None}) == {}
    assert list(GroupIndex({"colour": None, "content": g}).groups) == ["content"]
    assert key({"content": g, "colour": None}) == key({"content": g})

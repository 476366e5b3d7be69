"""The three stages run alone, one after the other, give the same site as one build; each
re-runs only what its inputs changed; the architecture document names real files."""
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, pattern_collection, run_build, site_bytes

pytestmark = pytest.mark.slow


def files_of(site: Path) -> dict[str, bytes]:
    return site_bytes(site)


@pytest.fixture(scope="module")
def two_ways(tmp_path_factory):
    """One collection built in one go, and again stage by stage into another work folder."""
    root = tmp_path_factory.mktemp("stages")
    coll = root / "coll"
    pattern_collection(coll, 4)
    # Catalogue columns NOT in alphabetical order (zone, medium, accession): a stage that read
    # them back sorted would list every page's facts in another order (issue #24).
    (coll / "metadata.csv").write_text("path,title,zone,medium,creator,date,accession\n" + "".join(
        f"{k}/{k}_{i}.jpg,Étude {i},z{i},m{i},C{i % 2},19{i}0,A{i}\n" for k in ("stripes", "checks", "disc")
        for i in range(4)), encoding="utf-8")
    common = ["--collection", coll, "--quiet", "--facets", "content,colour"]
    assert run_build(*common, "--out", root / "one", "--work-dir", root / "w1") == 0
    where = ["--collection", coll, "--work-dir", root / "w2", "--quiet"]
    steps = {"embed": ["--facets", "content,colour"], "layout": [], "render": ["--out", root / "staged"]}
    reports = {}
    for stage, extra in steps.items():  # each command takes only its own stage's flags
        assert run_build(stage, *where, *extra, "--report", root / f"{stage}.json") == 0, stage
        reports[stage] = json.loads((root / f"{stage}.json").read_text())
    return {"root": root, "coll": coll, "common": common, "reports": reports}


def test_stage_by_stage_is_byte_identical_to_one_build(two_ways):
    """Every file, the search index's included (its filters hold the catalogue's columns)."""
    one, staged = files_of(two_ways["root"] / "one"), files_of(two_ways["root"] / "staged")
    assert sorted(one) == sorted(staged) and len(one) > 12 * 3
    assert sum(name.startswith("pagefind/filter/") for name in one) >= 5
    assert [name for name in one if one[name] != staged[name]] == []
    page = next((two_ways["root"] / "staged" / "image").glob("*/*.html")).read_text()
    assert re.findall(r"<dt>([^<]+)</dt>", page)[:5] == ["Creator", "Date", "zone", "medium", "accession"]


def test_each_stage_reports_its_own_figures(two_ways):
    r = two_ways["reports"]
    assert r["embed"]["images"] == 12 and r["embed"]["embedded"] == 12 and r["embed"]["facets"] == ["content", "colour"]
    assert "output_files" not in r["embed"] and "k" not in r["embed"]
    assert r["layout"]["k"] == 11 and set(r["layout"]["recall"]) == {"content", "colour"}
    assert all(v == 1.0 for v in r["layout"]["recall"].values())  # 12 images: the search is exact
    assert "images" not in r["layout"] and r["render"]["pages_rendered"] == 12
    assert set(r["render"]["seconds"]) == {"render", "total"}


def test_a_template_change_is_rendered_by_render_alone(two_ways, tmp_path, monkeypatch):
    from render import pages

    root = two_ways["root"]
    work, site = root / "w2", root / "staged"
    before = {p: p.stat().st_mtime_ns for p in work.rglob("*.npy")} | {
        p: p.stat().st_mtime_ns for p in work.rglob("manifest.json")}
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    image_html = templates / "image.html"
    image_html.write_text(image_html.read_text().replace("{% block main %}", "{% block main %}<p>CHANGED</p>", 1))
    monkeypatch.setattr(pages, "TEMPLATES", templates)
    args = ["render", "--collection", two_ways["coll"], "--work-dir", work, "--out", site, "--quiet",
            "--report", tmp_path / "r.json"]
    assert run_build(*args) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["pages_rendered"] == 12
    assert all("<p>CHANGED</p>" in p.read_text() for p in (site / "image").glob("*/*.html"))
    assert {p: p.stat().st_mtime_ns for p in before} == before  # nothing of embed or layout was rewritten


def test_render_only_setting_rerenders_but_embeds_and_lays_out_nothing(two_ways, tmp_path):
    root, common = two_ways["root"], two_ways["common"]
    args = [*common, "--out", root / "one", "--work-dir", root / "w1", "--report", tmp_path / "r.json"]
    assert run_build(*args, "--title", "Another title") == 0
    r = json.loads((tmp_path / "r.json").read_text())
    assert (r["decoded"], r["embedded"], r["layout_cached"], r["pages_rendered"]) == (0, 0, True, 12)
    assert "Another title" in (root / "one" / "index.html").read_text()
    assert run_build(*args, "--perplexity", "3") == 0  # a layout setting: a new map, nothing embedded
    r = json.loads((tmp_path / "r.json").read_text())
    assert (r["decoded"], r["embedded"], r["layout_cached"]) == (0, 0, False)


KIND = "(?:grid|timeline|groups)"  # an arrangement (core/arrangement_files.py KINDS)
# groups exist from 20 images (layout/groups.py SMALL), this build has 12: tests/test_group_names.py
# checks that the groups step writes the file the block names
WRITTEN_FROM_20_IMAGES = {"groups/<facet>.json"}


def test_architecture_doc_names_files_the_build_writes(two_ways):
    """docs/architecture.md lists the work-folder files; each must exist after a build."""
    doc = (REPO / "docs" / "architecture.md").read_text()
    block = doc.split("<!-- work-folder -->", 1)[1].split("```", 2)[1]
    names = re.findall(r"(?m)^\s*([\w./<>-]+?\.(?:json|npy|ann|key))\b", block)
    assert len(names) >= 8, names
    build_dir = next((two_ways["root"] / "w2" / "builds").iterdir())
    present = {p.relative_to(build_dir).as_posix() for p in build_dir.rglob("*") if p.is_file()}
    for name in names:
        if name in WRITTEN_FROM_20_IMAGES:
            continue
        pattern_ = (re.escape(name).replace(re.escape("<facet>"), r"[a-z]+")
                    .replace(re.escape("<hash12>"), r"[0-9a-f]{12}").replace(re.escape("<kind>"), KIND))
        assert any(re.fullmatch(pattern_, p) for p in present), f"{name} is named in docs/architecture.md " \
                                                                   f"but no build wrote it"


def _doc_patterns() -> list[str]:
    """The work-folder block of docs/architecture.md as regular expressions of paths relative to
    the work folder: a line under builds/ names one file; a cache line names its folder, then
    its files."""
    doc = (REPO / "docs" / "architecture.md").read_text()
    block = doc.split("<!-- work-folder -->", 1)[1].split("```", 2)[1]
    holes = {"<facet>": r"[a-z]+", "<hash12>": r"[0-9a-f]{12}", "<hash8>": r"[0-9a-f]{8}", "<key>": r"[^/]+",
             "<collection>": r"[^/]+", "<thumb>": r"\d+", "<display>": r"\d+", "<sha[:2]>": r"[0-9a-f]{2}",
             "<sha>": r"[0-9a-f]{64}", "<record>": r"[a-z-]+", "<kind>": KIND}

    def rx(text: str) -> str:
        out = re.escape(text)
        for hole, pattern_ in holes.items():
            out = out.replace(re.escape(hole), pattern_)
        return out

    patterns, build = [], None
    for line in block.splitlines():
        parts = line.split()
        if not parts or parts[0] == ".lookalike/":
            continue
        if parts[0].startswith("builds/"):
            build = rx(parts[0])
        elif build and line.startswith("    "):
            patterns.append(build + rx(parts[0]))
        elif parts[0].endswith("/"):  # a folder, then the files in it ("a b c: what" or "a .b .c")
            files = " ".join(parts[1:]).split(":")[0].split()
            stem = files[0].split(".", 1)[0] if files else ""
            for f in files:
                patterns.append(rx(parts[0]) + rx(stem + f if f.startswith(".") else f))
    return patterns


def test_architecture_doc_names_every_file_the_build_writes(two_ways):
    """The other direction: every file a build leaves in the work folder is named in the block."""
    patterns = _doc_patterns()
    work = two_ways["root"] / "w2"
    unnamed = [rel for p in sorted(work.rglob("*")) if p.is_file()
               if not any(re.fullmatch(x, rel := p.relative_to(work).as_posix()) for x in patterns)]
    assert unnamed == [], f"written to the work folder but not named in docs/architecture.md: {unnamed}"

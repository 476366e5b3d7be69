"""Issue #24, finding 14 (the smaller points): filter labels with '&', a column name with ':',
control and bidi characters from metadata and file names, "1 images", `query -n -3` and
one bad query image, embedded colour profiles. No TensorFlow: builds use the colour facet."""
from __future__ import annotations

import csv
import gzip
import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest

from render.urls import page_path
from tests.conftest import read_points, run_build, solid

RLO, RLM, NUL = "\u202e", "\u200f", "\x00"
ARABIC = "\u0645\u0631\u062d\u0628\u0627"  # "marhaba"
HOSTILE_FILE = f"evil{RLO}gpj.png"  # shows as "evilgnp.jpg" when the override reaches the page


def build_site(root: Path, rows: list[list[str]], header: list[str], files: list[str], *extra) -> tuple[int, str]:
    """A colour-only build of `files` (solid colours) with a catalogue, and a site.toml whose
    title has a NUL and an override (a catalogue with a NUL byte is refused: embed/csvtext.py)."""
    coll = root / "coll"
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text('[site]\ntitle = "Site\\u0000 of \\u202eTom"\n', encoding="utf-8")
    for i, name in enumerate(files):
        solid(coll / name, (40 * i % 256, 200 - 30 * i % 200, 90 + 20 * i % 150))
    with open(coll / "metadata.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    out = io.StringIO()
    with redirect_stdout(out):
        rc = run_build("--config", root / "site.toml", "--collection", coll, "--out", root / "site",
                       "--work-dir", root / "work", "--facets", "colour", *extra)
    return rc, out.getvalue()


FILES = ["p0.png", "p1.png", "p2.png", "p3.png", HOSTILE_FILE, "tab\u2066iso.png"]
HEADER = ["path", "title", "creator", "a:b", "Tom & Jerry", "description"]
ROWS = [
    ["p0.png", f"Esc\x1b and {RLO}override{RLM}", "Tom & Jerry", "x1", "y & z", "line\r\nbreak\x1b[31m red"],
    ["p1.png", f"{ARABIC} Arabic", "Tom & Jerry", "x2", "y & z", ""],
    ["p2.png", "two", "Ann", "x1", "q", ""],
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("small")
    rc, stdout = build_site(root, ROWS, HEADER, FILES)
    assert rc == 0, stdout
    out = root / "site"
    points = read_points(out)
    pages = {title: (out / page_path(i)).read_text(encoding="utf-8")
             for i, title in zip(points["ids"], points["titles"])}
    fragments = [json.loads(gzip.decompress(p.read_bytes()).removeprefix(b"pagefind_dcd"))
                 for p in sorted((out / "pagefind" / "fragment").rglob("*.pf_fragment"))]
    return {"out": out, "stdout": stdout, "points": points, "pages": pages, "fragments": fragments}


def _filters(site) -> dict[str, set]:
    """Pagefind's filters as the visitor's menus name them (static/search.js decodes the names)."""
    assert len(site["fragments"]) == 6  # one fragment a page (in shard folders: render/pagefind_canon.py)
    out: dict[str, set] = {}
    for frag in site["fragments"]:
        for name, values in frag["filters"].items():
            out.setdefault(unquote(name), set()).update(values)
    return out


# --- filter labels: '&' shown once escaped, never "&amp;"; a column name with ':' keeps its filter

def test_a_filter_named_with_an_ampersand_is_labelled_as_written(site):
    filters = _filters(site)
    assert filters["Tom & Jerry"] == {"y & z", "q"}
    assert filters["Creator"] == {"Tom & Jerry", "Ann"}
    assert not [n for n in filters if "&amp;" in n or "&amp;" in "".join(filters[n])]
    page = site["pages"]["two"]
    assert "<dt>Tom &amp; Jerry</dt>" in page  # escaped once in the HTML
    assert "&amp;amp;" not in "".join(site["pages"].values())


def test_a_column_name_with_a_colon_keeps_its_filter(site):
    filters = _filters(site)
    assert filters["a:b"] == {"x1", "x2"}
    assert "a" not in filters  # before: Pagefind read "a:b" as the filter "a" with the value "b"
    assert "<dt>a:b</dt>" in site["pages"]["two"]


# --- control characters and bidi overrides never reach a page raw

def test_nul_and_overrides_are_removed_from_every_page_and_the_map_data(site):
    out = site["out"]
    texts = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
             for p in out.rglob("*") if p.suffix in (".html", ".js") and "pagefind" not in p.parts}
    for rel, text in texts.items():
        bad = sorted({f"U+{ord(c):04X}" for c in text
                      if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F
                      or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069})
        assert not bad, (rel, bad)
    for frag in site["fragments"]:  # the search index is made from the pages
        assert RLO not in json.dumps(frag, ensure_ascii=False) and NUL not in json.dumps(frag, ensure_ascii=False)
    assert "<title>Site of Tom</title>" in texts["index.html"]  # [site] title = "Site\u0000 of \u202eTom"
    titles = site["points"]["titles"]
    assert f"Esc and override{RLM}" in titles and "evilgpj" in titles and "\\u0000" not in \
        (out / "data" / "points.js").read_text(encoding="utf-8")


def test_user_text_is_isolated_and_right_to_left_titles_survive(site):
    pages = site["pages"]
    nul = pages[f"Esc and override{RLM}"]
    # the mark a cataloguer may use in a right-to-left title is kept, inside an isolate
    assert f'<h1 data-pagefind-meta="title"><bdi>Esc and override{RLM}</bdi></h1>' in nul
    assert "<p class=\"description\"><bdi>line\nbreak[31m red</bdi></p>" in nul  # ESC gone, CR LF -> LF
    assert f"<h1 data-pagefind-meta=\"title\"><bdi>{ARABIC} Arabic</bdi></h1>" in pages[f"{ARABIC} Arabic"]
    assert "<dt>File</dt><dd><bdi>evilgpj.png</bdi></dd>" in pages["evilgpj"]
    assert "<dt>File</dt><dd><bdi>tabiso.png</bdi></dd>" in pages["tabiso"]
    assert f'<span class="thumb-title"><bdi>{ARABIC} Arabic</bdi></span>' in pages["two"]  # the cards too


def test_the_terminal_summary_shows_overrides_as_escapes(site):
    assert "3 images have no row, e.g. evil\\u202egpj.png" in site["stdout"]  # findable, not reversed
    assert RLO not in site["stdout"] and "\u2066" not in site["stdout"]


# --- "1 images"

def test_counts_agree_with_their_nouns():
    from core.reports import EmbedReport, RenderReport
    from core.summary import count, summary_text

    assert [count(n, "image") for n in (0, 1, 2)] == ["0 images", "1 image", "2 images"]
    assert count(1, "class", "classes") == "1 class" and count(1234, "image", fmt=",") == "1,234 images"
    embed = EmbedReport(images=1, skipped=[{"path": "x.jpg", "reason": "damaged"}], duplicates=[], ignored=[],
                        metadata={"file": "m.csv", "described": 1, "images_without_row": ["a.jpg"],
                                  "unmatched_rows": ["b.jpg"], "duplicate_rows": ["c.jpg"]},
                        decoded=1, embedded=0, cached=0, model="m", precision="float32", facets=["colour"],
                        tags={"images_tagged": 1, "tags": 1, "labels": 1})
    render = RenderReport(output="site", files=1, pages_rendered=1, removed=0, bytes=0,
                          folders={".": {"files": 1, "bytes": 0}},
                          warnings=[], copied=1, data_written=1, sheets=1, sheets_made=1)
    text = summary_text(embed, None, render)
    assert not re.search(r"\b1 (images|files|pages|tags|rows|paths|image copies|data files|map sheets|"
                         r"different classes)\b|\(s\)", text), text
    for said in ("Lookalike: 1 image ", "skipped 1 file:", "1 image has no row", "1 row names no image",
                 "1 path appears in several rows", "1 of 1 image tagged, 1 tag, 1 different class",
                 "1 file, 0.0 MB", "1 page, 1 image copy, 1 data file, 1 of 1 map sheet written", "top level 1 file "):
        assert said in text, (said, text)


def test_a_one_image_site_says_one_image(tmp_path):
    rc, stdout = build_site(tmp_path, [["only.png", "Only", "", "", "", ""]], HEADER, ["only.png"])
    assert rc == 0, stdout
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "1 image &middot;" in index and "1 images" not in index
    assert "Lookalike: 1 image -> " in stdout and "1 images" not in stdout


# --- `query -n -3`, and one bad query image among good ones

class FakeBackbone:
    """Stands in for the CNN (no TensorFlow): the content vector of an input is its mean colour."""
    calls: list = []

    def embed_batch(self, inputs):
        import numpy as np

        FakeBackbone.calls.append(len(inputs))
        v = np.stack([np.asarray(x, np.float32).reshape(-1, 3).mean(0) + 1 for x in inputs])
        return {"content": v / np.linalg.norm(v, axis=1, keepdims=True)}


@pytest.fixture
def queried(tmp_path, monkeypatch):
    """A finished (colour) build; the model and the content index stood in for."""
    import embed.backbones
    import query.by_image

    rc, stdout = build_site(tmp_path, ROWS[2:], HEADER, ["p0.png", "p1.png", "p2.png"])
    assert rc == 0, stdout
    FakeBackbone.calls = []
    monkeypatch.setattr(embed.backbones.ModelSpec, "load", lambda self: FakeBackbone())
    monkeypatch.setattr(query.by_image, "check_model", lambda *a: None)
    monkeypatch.setattr(query.by_image, "nearest", lambda folder, manifest, facet, vector, n:
                        [(r, 1.0 - r / 10) for r in range(min(n, len(manifest)))])
    return tmp_path


def run_query(capsys, base, *argv):
    capsys.readouterr()
    rc = run_build("query", "--collection", base / "coll", "--work-dir", base / "work", "--out", base / "site", *argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize("n", ["-3", "0"])
def test_query_refuses_a_count_below_one_before_any_work(queried, capsys, n):
    good = solid(queried / "q" / "good.png", (200, 30, 30))
    rc, out, err = run_query(capsys, queried, str(good), "-n", n)  # before: exit 0, "no matching images"
    assert rc == 2 and out == "" and FakeBackbone.calls == []  # refused (status 2, as a build), nothing loaded
    assert f"-n/--top is the number of images to list for each query: it must be 1 or more, not {n}" in err
    rc, out, err = run_query(capsys, queried / "nowhere", "--text", "dog", "-n", n)  # checked before the build is read
    assert rc == 2 and "must be 1 or more" in err


def test_each_bad_query_image_has_its_message_and_the_good_ones_answer(queried, capsys):
    base = queried
    good, good2 = solid(base / "q" / "good.png", (200, 30, 30)), solid(base / "q" / "good2.png", (30, 30, 200))
    damaged = base / "q" / "damaged.jpg"
    damaged.write_bytes(b"\xff\xd8\xff\xe0 this is not a picture")
    missing, folder = base / "q" / "missing.png", base / "q"
    rc, out, err = run_query(capsys, base, str(good), str(missing), str(damaged), str(good2), str(folder), "-n", "2")
    assert rc == 1
    assert f"{good}:" in out and f"{good2}:" in out and out.count("  p") == 4  # 2 hits each
    assert FakeBackbone.calls == [2]  # the two good images, in one batch
    lines = [line for line in err.splitlines() if line.startswith("lookalike: error: query image")]
    assert len(lines) == 3, err
    assert f"query image {missing}: file not found" in lines[0]
    assert f"query image {damaged}: " in lines[1] and "damaged" in lines[1].lower()
    assert f"query image {folder}: not a regular file (folder)" in lines[2]
    # --json: one line per hit, and one per image that could not be used
    rc, out, _ = run_query(capsys, base, str(missing), str(good), "--json", "-n", "1")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rc == 1 and rows[0] == {"query": str(missing), "error": rows[0]["error"]} and rows[1]["query"] == str(good)


def test_a_query_of_good_images_still_exits_0(queried, capsys):
    good = solid(queried / "q" / "good.png", (200, 30, 30))
    rc, out, err = run_query(capsys, queried, str(good), "-n", "1")
    assert rc == 0 and f"{good}:" in out and "error" not in err


# --- embedded colour profiles: converted to sRGB at decode, cached work made again once

ADOBE_D50 = ((0.60974, 0.31111, 0.01947), (0.20528, 0.62567, 0.06087), (0.14919, 0.06322, 0.74457))  # r, g, b
ADOBE_GAMMA = 563 / 256


def adobe_rgb_icc() -> bytes:
    """A matrix/TRC ICC v2 profile with Adobe RGB (1998)'s primaries and gamma, made here
    (nothing downloaded; ImageCms.createProfile makes sRGB, Lab and XYZ only)."""
    import struct

    def s15(v):
        return struct.pack(">i", round(v * 65536))

    def xyz(v):
        return b"XYZ " + b"\0" * 4 + b"".join(s15(c) for c in v)

    text = b"Adobe RGB (1998) test\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(text)) + text + b"\0" * 4 + b"\0" * 4 + b"\0" * 3 + b"\0" * 67
    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(ADOBE_GAMMA * 256)) + b"\0\0"
    tags = [(b"desc", desc), (b"wtpt", xyz((0.9642, 1.0, 0.8249))), (b"rXYZ", xyz(ADOBE_D50[0])),
            (b"gXYZ", xyz(ADOBE_D50[1])), (b"bXYZ", xyz(ADOBE_D50[2])), (b"rTRC", curve), (b"gTRC", curve),
            (b"bTRC", curve), (b"cprt", b"text" + b"\0" * 4 + b"none\0\0\0\0")]
    offset = 128 + 4 + 12 * len(tags)
    table, data = struct.pack(">I", len(tags)), b""
    for sig, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"lcms" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ " + b"\0" * 12 + b"acsp"
              + b"\0" * 24 + struct.pack(">I", 0) + s15(0.9642) + s15(1.0) + s15(0.8249) + b"\0" * 48)
    assert len(header) == 128
    return header + table + data


def adobe_to_srgb(rgb) -> "np.ndarray":
    """The sRGB numbers of Adobe RGB ones, by the colour science (not LittleCMS): linearise,
    to XYZ (D50) by Adobe's primaries, to linear sRGB by sRGB's (D50-adapted), encode."""
    import numpy as np

    srgb_d50 = np.array(((0.4360747, 0.2225045, 0.0139322), (0.3850649, 0.7168786, 0.0971045),
                         (0.1430804, 0.0606169, 0.7141733))).T
    lin = (np.asarray(rgb, float) / 255) ** ADOBE_GAMMA
    out = np.clip(np.linalg.solve(srgb_d50, np.array(ADOBE_D50).T @ lin), 0, 1)
    return 255 * np.where(out <= 0.0031308, 12.92 * out, 1.055 * out ** (1 / 2.4) - 0.055)


PATCHES = [(200, 60, 40), (60, 160, 80), (50, 80, 200), (128, 128, 128)]


def patches_image(path: Path, icc: bytes | None, fmt: str = "PNG") -> Path:
    """Four flat 48 x 48 patches side by side, saved with the profile `icc` (or none)."""
    from PIL import Image

    im = Image.new("RGB", (192, 48))
    for k, c in enumerate(PATCHES):
        im.paste(c, (48 * k, 0, 48 * k + 48, 48))
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, fmt, **({"icc_profile": icc} if icc else {}), **({"quality": 95} if fmt == "JPEG" else {}))
    return path


def patch_means(jpeg_bytes: bytes, width: int) -> "np.ndarray":
    import numpy as np
    from PIL import Image

    a = np.asarray(Image.open(io.BytesIO(jpeg_bytes)).convert("RGB"), float)
    step = width // 4
    return np.array([a[step // 4:-(step // 4) or None,
                       step * k + step // 4:step * k + 3 * step // 4].reshape(-1, 3).mean(0)
                     for k in range(4)])


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_an_adobe_rgb_photo_is_converted_to_srgb_in_every_output_of_its_decode(tmp_path, fmt):
    import numpy as np

    from embed.images import decode

    profiled = patches_image(tmp_path / f"adobe.{fmt.lower()}", adobe_rgb_icc(), fmt)
    plain = patches_image(tmp_path / f"plain.{fmt.lower()}", None, fmt)
    expected = np.array([adobe_to_srgb(c) for c in PATCHES])
    assert np.abs(expected - np.array(PATCHES)).max() > 20  # the test means something: Adobe RGB is not sRGB
    dec, raw = decode(profiled, 224, 96, 1024), decode(plain, 224, 96, 1024)
    for got, bytes_of, width in ((dec, "thumb_jpeg", 96), (dec, "display_jpeg", 192)):
        means = patch_means(getattr(got, bytes_of), width)
        assert np.abs(means - expected).max() < 4, (bytes_of, means.round(1), expected.round(1))
        assert np.abs(means - patch_means(getattr(raw, bytes_of), width)).max() > 15  # before: the numbers as they were
    # the colour histogram's pixels and the CNN's input come from the same converted decode
    small = dec.small_rgb.reshape(-1, 3).astype(float)
    assert np.abs(small.mean(0) - expected.mean(0)).max() < 4
    assert np.abs(dec.model_input.reshape(-1, 3).mean(0) - raw.model_input.reshape(-1, 3).mean(0)).max() > 5


def test_images_without_a_profile_or_with_an_srgb_one_are_decoded_as_before(tmp_path, monkeypatch):
    from PIL import ImageCms

    import embed.images
    from embed.images import decode

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    files = [patches_image(tmp_path / "plain.png", None), patches_image(tmp_path / "plain.jpg", None, "JPEG"),
             patches_image(tmp_path / "srgb.png", srgb), patches_image(tmp_path / "srgb.jpg", srgb, "JPEG")]
    now = [decode(p, 224, 96, 1024) for p in files]
    monkeypatch.setattr(embed.images, "to_srgb", lambda im, profile: im)  # the decode before profiles were read
    before = [decode(p, 224, 96, 1024) for p in files]
    for a, b in zip(now, before):
        assert a.thumb_jpeg == b.thumb_jpeg and a.display_jpeg == b.display_jpeg
        assert (a.model_input == b.model_input).all() and (a.small_rgb == b.small_rgb).all()


def test_a_profiled_image_cached_before_the_conversion_is_embedded_again_alone(tmp_path, monkeypatch):
    """A work folder from before profiles were read: the image with an Adobe RGB profile is
    decoded and its colour vector, copies and map sheet made again; the others are untouched."""
    import numpy as np

    import embed.images
    import embed.profiles
    from tests.conftest import site_bytes

    coll, work, out = tmp_path / "coll", tmp_path / "work", tmp_path / "site"
    patches_image(coll / "adobe.png", adobe_rgb_icc())
    for i in range(3):
        solid(coll / f"plain{i}.png", (60 * i, 200 - 50 * i, 90), size=(96, 64))

    def build(n):
        assert run_build("--collection", coll, "--out", out, "--work-dir", work, "--facets", "colour", "--quiet",
                         "--report", tmp_path / f"r{n}.json") == 0
        report = json.loads((tmp_path / f"r{n}.json").read_text())
        manifest = json.loads(next(work.glob("builds/*/manifest.json")).read_text())
        vectors = np.load(next(work.glob("builds/*/features/colour.npy")))
        return report, {im["path"]: (im, vectors[r]) for r, im in enumerate(manifest["images"])}, site_bytes(out)

    with monkeypatch.context() as m:  # the build before this change: profiles ignored, no record
        m.setattr(embed.images, "to_srgb", lambda im, profile: im)
        m.setattr(embed.profiles, "needs_conversion", lambda path: False)
        _, old_images, old_site = build(1)
    (work / "cache" / "colour-profiles.json").unlink()
    report, images, site = build(2)
    assert report["decoded"] == 1 and report["cached"] == 3  # the profiled image alone, once
    assert report["copied"] == 1 and report["sheets_made"] == 1  # its thumbnail, and the map sheet it is on
    im, vector = images["adobe.png"]
    assert not np.allclose(vector, old_images["adobe.png"][1])  # its colour vector made from sRGB pixels
    assert all((images[p][1] == old_images[p][1]).all() for p in images if p != "adobe.png")
    changed = sorted(rel for rel in site
                     if site[rel] != old_site.get(rel) and not rel.startswith(("pagefind/", "image/")))
    copies = [rel for rel in changed if rel.startswith(("thumbs/", "media/", "atlas/"))]
    assert copies == ["atlas/0.jpg", "atlas/2/0.jpg", "atlas/4/0.jpg", f"thumbs/{im['id'][:2]}/{im['id']}.jpg"], changed
    assert im["colour"] == "srgb-1" and all(images[f"plain{i}.png"][0]["colour"] == "" for i in range(3))
    thumb = (out / "thumbs" / im["id"][:2] / f"{im['id']}.jpg").read_bytes()
    expected = np.array([adobe_to_srgb(c) for c in PATCHES])
    assert np.abs(patch_means(thumb, 192) - expected).max() < 4  # the published thumbnail is converted
    report3, images3, site3 = build(3)  # and then cached like any other image
    assert report3["decoded"] == 0 and site3 == site
    assert all((images3[p][1] == images[p][1]).all() for p in images)


def test_the_conversion_changes_no_byte_of_a_site_without_profiles(tmp_path, monkeypatch):
    """Images without a profile: the same site and vectors as the decode before this change."""
    import embed.images
    from tests.conftest import site_bytes

    coll = tmp_path / "coll"
    for i in range(4):
        solid(coll / f"p{i}.png", (50 * i, 200 - 40 * i, 90), size=(120, 80))
        solid(coll / f"q{i}.jpg", (200 - 40 * i, 50 * i, 140), size=(80, 120))
    common = ["--collection", coll, "--facets", "colour", "--quiet"]
    with monkeypatch.context() as m:
        m.setattr(embed.images, "to_srgb", lambda im, profile: im)
        assert run_build(*common, "--out", tmp_path / "before", "--work-dir", tmp_path / "w1") == 0
    assert run_build(*common, "--out", tmp_path / "now", "--work-dir", tmp_path / "w2") == 0
    assert site_bytes(tmp_path / "before") == site_bytes(tmp_path / "now")


def test_a_new_thumbnail_size_reaches_the_site(tmp_path):
    """Found on the way: the site's copies were keyed by the image alone, so after a change
    of [images] thumb_size the site kept the old thumbnails (the pages gave the new sizes)."""
    from PIL import Image

    coll = tmp_path / "coll"
    for i in range(3):
        solid(coll / f"p{i}.png", (60 * i, 90, 200 - 60 * i), size=(400, 300))
    sizes = []
    for ts in (256, 128):
        (tmp_path / "site.toml").write_text(f"[images]\nthumb_size = {ts}\n")
        assert run_build("--config", tmp_path / "site.toml", "--collection", coll, "--out", tmp_path / "site",
                         "--work-dir", tmp_path / "w", "--facets", "colour", "--quiet") == 0
        with Image.open(next((tmp_path / "site" / "thumbs").rglob("*.jpg"))) as im:
            sizes.append(im.size)
    assert sizes == [(256, 192), (128, 96)]

"""Shared test helpers: generated images, real-data lookup, in-process builds."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def site_bytes(folder: Path) -> dict[str, bytes]:
    """Every file of a site by its path, for byte-for-byte comparisons, the search index
    included (render/pagefind_canon.py puts Pagefind's filters in one order). No build
    state is published: besides the site, only the record of the files Lookalike wrote
    there, with their digests (render/sitefiles.py RECORD)."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def read_points(site: Path) -> dict:
    """The map's data (data/points.js: a script, so that file:// works) as a dict."""
    import json

    text = (Path(site) / "data" / "points.js").read_text(encoding="utf-8")
    head = "window.LOOKALIKE_POINTS = "
    assert text.startswith(head), text[:80]
    points = json.loads(text[len(head):].rstrip().rstrip(";"))
    for name, facet in points["facets"].items():  # the neighbour parts, joined as static/explorer/data.js does
        if "parts" not in facet:
            continue
        push = f"window.LOOKALIKE_POINTS.facets[{json.dumps(name)}].parts.push("
        for i in range(len(list((Path(site) / "data").glob(f"points-{name}-*.js")))):
            part = (Path(site) / "data" / f"points-{name}-{i}.js").read_text(encoding="utf-8")
            assert part.startswith(push), part[:80]
            facet["parts"].append(json.loads(part[len(push):].rstrip().removesuffix(");")))
        facet["neighbours"] = [row for p in facet["parts"] for row in p["neighbours"]]
        facet["similarity"] = [row for p in facet["parts"] for row in p["similarity"]]
        assert [p["start"] for p in facet["parts"]] == [sum(len(q["neighbours"]) for q in facet["parts"][:j])
                                                        for j in range(len(facet["parts"]))]
        del facet["parts"]
    return points


def shared_data(name: str) -> Path:
    """A real test collection beside the project, or skip with the reason."""
    base = Path(os.environ.get("LOOKALIKE_DATA", REPO.parent / "shared" / "data"))
    path = base / name
    if not path.is_dir():
        pytest.skip(f"real test images {path} are not present (set LOOKALIKE_DATA to their folder)")
    return path


def solid(path: Path, colour, size=(64, 48), fmt=None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, fmt)
    return path


def pattern(path: Path, kind: str, seed: int, size=(96, 96)) -> Path:
    """Simple distinct pictures: stripes, checks, discs (varied by seed)."""
    rng = np.random.default_rng(seed)
    h, w = size[1], size[0]
    y, x = np.mgrid[0:h, 0:w]
    hue = rng.uniform(0.3, 1.0, 3)
    if kind == "stripes":
        period = rng.integers(6, 14)
        m = ((x + rng.integers(0, 20)) // period) % 2
    elif kind == "checks":
        period = rng.integers(8, 16)
        m = ((x // period) + (y // period)) % 2
    else:
        cx, cy, r = rng.uniform(30, 66), rng.uniform(30, 66), rng.uniform(15, 30)
        m = ((x - cx) ** 2 + (y - cy) ** 2 < r * r).astype(int)
    img = (m[..., None] * hue * 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img, "RGB").save(path, quality=92)
    return path


KINDS = ("stripes", "checks", "disc")


def pattern_collection(coll: Path, per_kind: int) -> Path:
    """per_kind generated pictures of each kind in coll/<kind>/ (labels for precision checks)."""
    for kind in KINDS:
        for i in range(per_kind):
            pattern(coll / kind / f"{kind}_{i}.jpg", kind, seed=i * 10 + KINDS.index(kind))
    return coll


def run_build(*argv: str) -> int:
    """build.main in-process; without --config it runs from an empty folder, so the
    repo's own site.toml is not picked up."""
    import tempfile

    import build

    if "--config" in argv:
        return build.main([str(a) for a in argv])
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as empty:
        os.chdir(empty)
        try:
            return build.main([str(a) for a in argv])
        finally:
            os.chdir(here)


def sigint_as_usual() -> None:
    """preexec_fn for a build that a test interrupts with SIGINT: a shell's background job
    (a CI runner may start one) inherits SIGINT ignored, and Python then never raises
    KeyboardInterrupt, so the interrupted path would go untested."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)

"""Retrieval quality on real photos nobody here made (skipped when absent)."""
import json
import re

import numpy as np
import pytest

from tests.conftest import run_build, shared_data

pytestmark = pytest.mark.slow


def label(path: str) -> str:
    return path.rsplit("_", 1)[1].rsplit(".", 1)[0]


def test_imagen_precision_at_4(tmp_path):
    folder = shared_data("imagen")
    out, report = tmp_path / "site", tmp_path / "r.json"
    assert run_build("--collection", folder, "--out", out, "--work-dir", tmp_path / "w",
                     "--report", report, "--quiet") == 0
    r = json.loads(report.read_text())
    assert r["images"] == 1000 and r["skipped"] == []
    builds = list((tmp_path / "w" / "builds").iterdir())
    manifest = json.loads((builds[0] / "manifest.json").read_text())
    labels = [label(im["path"]) for im in manifest["images"]]
    nb = np.load(builds[0] / "neighbours" / "content.npy")
    assert nb.shape == (1000, 30)
    p4 = np.mean([[labels[j] == labels[i] for j in row[:4]] for i, row in enumerate(nb)])
    print(f"imagen precision@4 = {p4:.3f} (chance 0.004)")
    assert p4 >= 0.30
    # every page lists 30 neighbours
    pages = list((out / "image").glob("*/*.html"))
    assert len(pages) == 1000
    for p in pages[:50]:
        panel = p.read_text().split('id="panel-content"')[1].split('class="facet-panel"')[0]
        assert len(re.findall('class="similarity"', panel)) == 30

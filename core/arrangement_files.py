"""Arrangements of a facet's images other than the map, as the layout stage writes them and render
reads them (the contract: docs/contract.md). The layout stage decides where each image goes
(layout/arrangements.py); this module only says what the files hold and checks their rows.

    arrangements/<facet>-<kind>.npy   (N, 2) float32: each image's place, in [0, 1]^2 (aspect kept,
                                      like FacetLayout.xy); kind is grid, timeline or groups
    arrangements/<facet>.json         {"version", "key", "rows", "kinds": {kind: {"cell", ...extra}},
                                       "stats"}: written last, so a build killed in between recomputes

extra: grid {"cols", "rows", "kept", "naive"}; timeline {"unit": "year" | "decade", "axis": [{"label",
"x"}], "undated", "undated_x" (when undated > 0), "column"}; groups {"by": "group" | "column:<name>" |
"tag", "blocks": [{"label", "x", "y", "w", "h", "size"}]} (x, y: the block's top-left corner).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import StageOrderError
from core.files import load_npy, save_npy, write_text
from core.layout_files import rows_digest
from core.manifest import Manifest

ARRANGEMENTS_FILE_VERSION = 1
KINDS = ("grid", "timeline", "groups")  # in the order the site offers them, after the map


@dataclass
class Arrangement:
    kind: str  # one of KINDS
    xy: np.ndarray  # (N, 2) float32 in [0, 1]^2
    cell: float  # a cell's side in the same units
    extra: dict = field(default_factory=dict)  # what the kind adds (the module's docstring)


class ArrangementFiles:
    """Readers and writers of arrangements/ (BuildFolder inherits them)."""
    path: Path

    def _arrangements_record(self, facet: str) -> Path:
        return self.path / "arrangements" / f"{facet}.json"

    def _arrangement_array(self, facet: str, kind: str) -> Path:
        return self.path / "arrangements" / f"{facet}-{kind}.npy"

    def _arrangements_data(self, facet: str) -> dict | None:
        try:
            data = json.loads(self._arrangements_record(facet).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and data.get("version") == ARRANGEMENTS_FILE_VERSION else None

    def arrangements_key(self, facet: str) -> str | None:
        """The key the facet's arrangements were last made with, when their record and arrays are there."""
        data = self._arrangements_data(facet)
        if data is None or not all(self._arrangement_array(facet, k).is_file() for k in data.get("kinds", {})):
            return None
        return data.get("key")

    def write_arrangements(self, manifest: Manifest, facet: str, arrangements: list[Arrangement], key: str,
                           stats: dict | None = None) -> None:
        """The record goes first and comes back last, with the key (a killed build recomputes);
        the arrays of kinds no longer made are removed."""
        self._arrangements_record(facet).unlink(missing_ok=True)
        for a in arrangements:
            manifest.check_rows(a.xy, f"arrangements/{facet}-{a.kind}")
            save_npy(self._arrangement_array(facet, a.kind), np.asarray(a.xy, np.float32))
        for kind in KINDS:
            if kind not in {a.kind for a in arrangements}:
                self._arrangement_array(facet, kind).unlink(missing_ok=True)
        data = {"version": ARRANGEMENTS_FILE_VERSION, "key": key, "rows": rows_digest(manifest),
                "kinds": {a.kind: {"cell": a.cell, **a.extra} for a in arrangements}, "stats": stats or {}}
        write_text(self._arrangements_record(facet), json.dumps(data, sort_keys=True, ensure_ascii=False) + "\n")

    def read_arrangements(self, manifest: Manifest, facet: str) -> list[Arrangement] | None:
        """The facet's arrangements in KINDS order, or None when layout made none (an older work
        folder). Made for other images than the manifest lists: a stage-order error, as for the layout."""
        if self.arrangements_key(facet) is None:
            return None
        data = self._arrangements_data(facet)
        if data.get("rows") != rows_digest(manifest):
            raise StageOrderError(f"the {facet} arrangements in {self.path} are for other images than the "
                                  f"manifest lists: run `python build.py layout` again")
        out = []
        for kind in (k for k in KINDS if k in data["kinds"]):
            xy = load_npy(self._arrangement_array(facet, kind))
            manifest.check_rows(xy, f"arrangements/{facet}-{kind}")
            extra = dict(data["kinds"][kind])
            out.append(Arrangement(kind, xy, float(extra.pop("cell")), extra))
        return out

    def arrangements_stats(self, facet: str) -> dict:
        data = self._arrangements_data(facet)
        return data.get("stats", {}) if data else {}

    def remove_arrangements(self, facet: str) -> None:
        self._arrangements_record(facet).unlink(missing_ok=True)
        for kind in KINDS:
            self._arrangement_array(facet, kind).unlink(missing_ok=True)

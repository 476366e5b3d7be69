"""Groups of similar images, as the layout stage writes them and render reads them (the contract:
docs/contract.md). The layout stage decides what the groups are (layout/groups.py); this module
only says what a group file holds and checks its rows.

    groups/<facet>.json   {"version", "facet", "key", "method", "groups": [Group...],
                           "levels": [{"of": [group id or -1 per row], "strength": [0..1 per row]}, ...],
                           "rows": rows digest of the manifest the file was made for,
                           "ids": image id per row (previous_groups: the next build keeps their groups)}

Level 0 holds the broad groups, level 1 the sub-groups inside the large ones (a sub-group's
`parent` is its broad group's id; an image in no sub-group has -1 at level 1). -1 at level 0
means "not in a group": counted and shown, never forced into one.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core.errors import StageOrderError
from core.files import write_text
from core.layout_files import rows_digest
from core.manifest import Manifest

GROUPS_FILE_VERSION = 1


@dataclass
class Group:
    id: int              # stable within the facet: "Group 7" when it has no name
    level: int           # 0 broad, 1 sub-group
    size: int
    face: int            # row of its representative image (the medoid)
    parent: int | None = None   # the broad group of a sub-group
    name: str = ""       # "" when no name is supported by enough members
    named_by: str = ""   # how it was named, in words a visitor reads on the group page
    x: float = 0.5       # where its label sits on the facet's map (normalised like FacetLayout.xy)
    y: float = 0.5

    @property
    def label(self) -> str:
        return self.name or f"Group {self.id}"


@dataclass
class FacetGroups:
    facet: str
    groups: list[Group]
    of: list[np.ndarray]          # per level: (N,) int32 group id per row, -1 = none
    strength: list[np.ndarray]    # per level: (N,) float32 membership strength, 0 for -1
    method: str = ""              # in words: library, what it ran on, its settings
    extra: dict = field(default_factory=dict)  # anything the layout stage wants to keep (its stats)

    def members(self, group: Group) -> np.ndarray:
        return np.flatnonzero(self.of[group.level] == group.id)

    def ungrouped(self) -> int:
        return int((self.of[0] < 0).sum()) if self.of else 0


class GroupFiles:
    """Readers and writers of groups/ (BuildFolder inherits them)."""
    path: Path

    def _groups_path(self, facet: str) -> Path:
        return self.path / "groups" / f"{facet}.json"

    def groups_key(self, facet: str) -> str | None:
        try:
            return json.loads(self._groups_path(facet).read_text(encoding="utf-8")).get("key")
        except (OSError, ValueError):
            return None

    def write_groups(self, manifest: Manifest, groups: FacetGroups, key: str) -> None:
        for level, (of, strength) in enumerate(zip(groups.of, groups.strength)):
            manifest.check_rows(of, f"groups/{groups.facet} level {level}")
            manifest.check_rows(strength, f"groups/{groups.facet} level {level} strength")
        data = {"version": GROUPS_FILE_VERSION, "facet": groups.facet, "key": key, "method": groups.method,
                "rows": rows_digest(manifest), "extra": groups.extra,
                "ids": [im.id for im in manifest.images], "groups": [asdict(g) for g in groups.groups],
                "levels": [{"of": np.asarray(o, np.int32).tolist(),
                            "strength": [round(float(s), 3) for s in st]}
                           for o, st in zip(groups.of, groups.strength)]}
        write_text(self._groups_path(groups.facet), json.dumps(data, sort_keys=True, ensure_ascii=False) + "\n")

    def read_groups(self, manifest: Manifest, facet: str) -> FacetGroups | None:
        """The facet's groups, or None when it has none (groups off, or too few images). A file made
        for other images than the manifest lists is a stage-order error, as for the layout."""
        path = self._groups_path(facet)
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise StageOrderError(f"{path} cannot be read ({e}): run `python build.py layout` again") from None
        if data.get("version") != GROUPS_FILE_VERSION or data.get("rows") != rows_digest(manifest):
            raise StageOrderError(f"the {facet} groups in {self.path} are for other images than the manifest "
                                  f"lists: run `python build.py layout` again")
        of = [np.asarray(lv["of"], np.int32) for lv in data["levels"]]
        strength = [np.asarray(lv["strength"], np.float32) for lv in data["levels"]]
        for level, arr in enumerate(of):
            manifest.check_rows(arr, f"groups/{facet} level {level}")
        return FacetGroups(facet, [Group(**g) for g in data["groups"]], of, strength, data.get("method", ""),
                           data.get("extra", {}))

    def previous_groups(self, facet: str) -> tuple[FacetGroups, list[str]] | None:
        """The facet's last groups and the image id of each of their rows, whatever images they were
        made for (layout/groups.py keeps their groups for the images still there); None without."""
        try:
            data = json.loads(self._groups_path(facet).read_text(encoding="utf-8"))
            of = [np.asarray(lv["of"], np.int32) for lv in data["levels"]]
            strength = [np.asarray(lv["strength"], np.float32) for lv in data["levels"]]
            ids = [str(i) for i in data["ids"]]
            groups = [Group(**g) for g in data["groups"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if data.get("version") != GROUPS_FILE_VERSION or any(len(a) != len(ids) for a in of + strength):
            return None
        return FacetGroups(facet, groups, of, strength, data.get("method", ""), data.get("extra", {})), ids

    def remove_groups(self, facet: str) -> None:
        self._groups_path(facet).unlink(missing_ok=True)

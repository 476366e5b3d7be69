"""Site files that are made again only when what they are made from changed.

The render stage's shared mechanism for "unchanged: do nothing": each file is remembered
in the work folder with a key of its inputs (an image's SHA-256, a digest of the arrays an
export is made from) and the size and mtime the file had when written. An unchanged file
costs one stat: no read, no compare, no making (at 100,000 images comparing 200,000 copied
files took ~43 s). A file someone changed or removed is made again. The image copies, the
map's data, the exports and the list pages all go through it.
"""
from __future__ import annotations

import json
import os
from pathlib import Path



class KeyedFiles:
    """put(rel, key, make) writes make() only when the key or the file changed; save() after."""

    def __init__(self, site, state: Path | None):
        self.site, self.state = site, state
        self.saved = self.read_state(state)
        self.record: dict = {}
        self.made: list[str] = []
        self._out = str(site.out)

    @staticmethod
    def read_state(state: Path | None) -> dict:
        """{site path: [key, size, mtime_ns]} of the last build, {} when none or damaged."""
        try:
            saved = json.loads(state.read_text()) if state is not None else {}
            return saved if isinstance(saved, dict) else {}
        except (OSError, ValueError):
            return {}

    def put(self, rel: str, key: str, make) -> None:
        path = f"{self._out}/{rel}"  # a str, not a Path: 200,000 of these on a warm 100,000-image build
        try:
            st = os.stat(path)
            unchanged = self.saved.get(rel) == [key, st.st_size, st.st_mtime_ns]
        except OSError:
            unchanged = False
        if not unchanged:
            self.site.put(rel, make())
            st = os.stat(self.site.path(rel))  # its staged copy until the site is committed (same inode)
            self.made.append(rel)
        self.site.keep(rel)
        self.record[rel] = [key, st.st_size, st.st_mtime_ns]

    def put_all(self, group: str, key: str, make) -> None:
        """Several files made by one call, make() -> {site path: content}: made at most once,
        and not at all while the key and every file are as last written."""
        saved = self.saved.get("@" + group)
        made: dict = {}
        if isinstance(saved, list) and len(saved) == 2 and saved[0] == key:
            names = list(saved[1])
        else:
            made = make()
            names = sorted(made)

        def one(rel: str):
            if not made:
                made.update(make())
            return made[rel]

        for rel in names:
            self.put(rel, key, lambda rel=rel: one(rel))
        self.record["@" + group] = [key, names]

    def save(self) -> None:
        if self.state is not None and self.record != self.saved:  # once the files are in place
            self.site.save_after(self.state, json.dumps(self.record, sort_keys=True, separators=(",", ":")))

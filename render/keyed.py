"""Site files that are made again only when what they are made from changed.

The render stage's one mechanism for "unchanged: do nothing" (render/outputs.py runs every
output through it): each file is remembered in one of the work folder's site records
(core/site_state.py SiteState) with a key of its inputs (an image's SHA-256, a digest of the
arrays an export is made from, of a page's context) and the size, mtime and inode the file had
when written (and its inode, for an output that asks: the image pages, whose file restored from
a backup with its size and time must not pass for the one written). An unchanged file costs one
stat: no read, no compare, no making (at 100,000 images comparing 200,000 copied files took
~43 s). A file someone changed or removed is made again. A group key over all of an output's
inputs lets a whole output be kept without even listing its keys (the image pages: no context
is built when nothing changed).
"""
from __future__ import annotations

import os


def _valid(record: dict) -> bool:
    return all(isinstance(v, list) for v in record.values())


class KeyedFiles:
    """put(rel, key, make) writes make() only when the key or the file changed; save() after."""

    def __init__(self, site, state, name: str, inode: bool = False):
        self.site, self.state, self.name, self.inode = site, state, name, inode
        self.saved = state.read(name, _valid) if state is not None else {}
        self.record: dict = {}
        self.made: list[str] = []
        self._out = str(site.out)

    def _unchanged(self, rel: str, key: str):
        """The file's stat when it is as last written with this key, else None."""
        try:
            st = os.stat(f"{self._out}/{rel}")  # a str, not a Path: 200,000 of these on a warm build
        except OSError:
            return None
        return st if self.saved.get(rel) == self._entry(key, st) else None

    def _entry(self, key: str, st) -> list:
        return [key, st.st_size, st.st_mtime_ns] + ([st.st_ino] if self.inode else [])

    def put(self, rel: str, key: str, make) -> None:
        """make() -> the bytes or text of the file."""
        st = self._unchanged(rel, key)
        if st is None:
            self.site.put(rel, make())
            st = os.stat(self.site.path(rel))  # its staged copy until the site is committed (same inode)
            self.made.append(rel)
        self.site.keep(rel)
        self.record[rel] = self._entry(key, st)

    def group_unchanged(self, key: str, rels: list[str]) -> bool:
        """Every file of the output is as last written, under one key over all its inputs: then
        they are all kept as they are."""
        if self.saved.get("@") != [key] or len(self.saved) != len(rels) + 1:
            return False
        entries = {}
        for rel in rels:
            entry = self.saved.get(rel)
            if not (isinstance(entry, list) and entry and self._unchanged(rel, entry[0])):
                return False
            entries[rel] = entry
        self.site.keep(*rels)
        self.record.update(entries)
        self.record["@"] = [key]
        return True

    def group(self, key: str) -> None:
        """The key over all the output's inputs, for the next build's group_unchanged."""
        self.record["@"] = [key]

    def save(self) -> None:
        """Written by SiteFiles.finish once the files are in place, never if the build fails."""
        if self.state is not None and self.record != self.saved:
            self.site.save_after(self.state.path(self.name), self.state.text(self.record))

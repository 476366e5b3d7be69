"""What Lookalike wrote into a site folder, and writing a site so that a failure leaves the last one as it was.

The site keeps its own record, RECORD (.lookalike-files.json): each file the last finished build
wrote, with the first 16 hex digits of its SHA-256. It is a list of the site's own public files
(about 50 bytes each), not build state, so deleting the work folder loses nothing: a file is
removed as stale only when the record says Lookalike wrote it and its bytes are still the ones
written (one edited since is kept and named in the summary). Nothing is ever guessed from names.
While a build writes, each file is announced in JOURNAL (.lookalike-files.journal) before it is
written, so a build stopped half-way (Ctrl-C, kill, power cut) knows its files on the next run.

A file new to the site is written in place (nothing links to it yet). A file that is there and
changes is written beside it (.<name>.lookalike-tmp) and renamed over it only when every file of
the build is written, the entry points (the list pages, the map's data, index.html) last; then
stale files are removed and the record replaced. A failure before that (full disk, read-only
folder) removes what the build added: the last site stays byte for byte as it was.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from core import files
from core.errors import LookalikeError
from render.siterecord import JOURNAL, LEGACY, RECORD, _inside, digest, file_digest, is_ours, read_record, tmp_of  # noqa: F401

__all__ = ["JOURNAL", "LEGACY", "RECORD", "OutputError", "SiteFiles", "digest", "read_record"]

# What a visitor starts from, renamed in last and in this order: the list pages, the map's data, index.html.
ENTRY = (re.compile(r"^list/[^/]+$"), re.compile(r"^data/points[^/]*$"), re.compile(r"^index\.html$"))


def _commit_order(rel: str) -> tuple[int, str]:
    return next((n + 1 for n, entry in enumerate(ENTRY) if entry.match(rel)), 0), rel


class OutputError(LookalikeError):
    """The output folder is unsafe to write; the message says why and what to do."""


class SiteFiles:
    """The output folder as this build writes it: put() and copy() write (or leave a file that
    already holds these bytes), keep() claims a file an earlier build wrote and this one wants
    unchanged; finish() commits, removes stale files and writes the record; abort() undoes."""

    def __init__(self, out: Path, legacy: Path | None = None):
        self.out, self.legacy = Path(out), legacy
        self.previous = read_record(self.out, legacy)
        self.written: dict[str, str] = {}
        self.pending: dict[str, Path] = {}  # staged replacements of files that are there
        self.created: list[str] = []  # files new to the site (abort removes them)
        self.edited: list[str] = []  # files of ours that someone changed, replaced by this build
        self.committing = self.committed = False
        self._after: list[tuple[Path, str]] = []
        self._folders: dict[str, bool] = {}
        self._journal: int | None = None
        self._journal_was = (self.out / JOURNAL).exists()

    def path(self, rel: str) -> Path:
        """Where the current bytes of rel are (its staged copy until finish)."""
        return self.pending.get(rel) or self.out / rel

    def put(self, rel: str, data: bytes | str) -> None:
        data = data.encode("utf-8") if isinstance(data, str) else data
        self._write(rel, digest(data), len(data), lambda p: _same_bytes(p, data),
                    lambda tmp, path: files.write_staged(tmp, data, path))

    def copy(self, rel: str, src: Path, sha256: str) -> None:
        """Copy a file (an original: it may be large, so it is streamed); sha256 is its digest."""
        import filecmp

        size = Path(src).stat().st_size
        self._write(rel, sha256[:16], size, lambda p: filecmp.cmp(src, p, shallow=False),
                    lambda tmp, path: files.copy_staged(tmp, src, path))

    def _within(self, rel: str) -> bool:
        """rel's folder is the site's own, not a link out of it (checked once a folder)."""
        parent = rel.rpartition("/")[0]
        if parent not in self._folders:
            base = os.path.realpath(self.out)
            self._folders[parent] = (os.path.realpath(self.out / parent)
                                     == (os.path.join(base, parent) if parent else base))
        return self._folders[parent]

    def _write(self, rel: str, d: str, size: int, same, write) -> None:
        if not _inside(rel):
            raise ValueError(f"not a site path: {rel!r}")
        path = self.out / rel
        if not self._within(rel):
            raise OutputError(f"{path.parent} is a link out of the output folder {self.out}; Lookalike "
                              f"writes only inside it: replace the link by a folder, or build into another one")
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            st = None
        if st is not None and rel not in self.previous and rel not in self.written and rel not in self.pending:
            if not (_regular(st) and st.st_size == size and same(path)):
                raise OutputError(f"{path} is there already and Lookalike did not write it (it is not in "
                                  f"{self.out / RECORD}); move it away or build into another folder. "
                                  f"Nothing was overwritten")
        elif st is not None and not _regular(st):
            raise OutputError(f"{path} is not a plain file (a folder or a link); move it away or build "
                              f"into another folder")
        if st is not None and rel not in self.pending and st.st_size == size and same(path):
            self.written[rel] = d  # already these bytes: left untouched (mtime stays)
            return
        self._announce(rel, d)
        if st is None:
            tmp = tmp_of(path)
            write(tmp, path)
            files.rename(tmp, path)
            self.created.append(rel)
        else:
            known = {x for x in self.previous.get(rel, ()) if not x.startswith("<")}
            if rel not in self.pending and known and file_digest(path) not in known:
                self.edited.append(rel)
            write(tmp_of(path), path)
            self.pending[rel] = tmp_of(path)
        self.written[rel] = d

    def keep(self, *rels: str) -> None:
        for rel in rels:
            if rel in self.written:
                continue
            known = [x for x in self.previous.get(rel, ()) if not x.startswith("<")]
            d = known[0] if len(known) == 1 else file_digest(self.out / rel)
            if d is not None:
                self.written[rel] = d

    def save_after(self, path: Path, text: str) -> None:
        """A work-folder record that vouches for files of this build (core/site_state.py: each
        output's keys, render/keyed.py; the atlas's): written by finish() once they are in place,
        never if the build fails."""
        self._after.append((Path(path), text))

    def _announce(self, rel: str, d: str) -> None:
        journal = self.out / JOURNAL
        if self._journal is None:
            try:
                self.out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise files.WriteError(self.out, exc) from exc
            self._journal = files.open_append(journal)
            if os.fstat(self._journal).st_size:  # a line a kill or a full disk cut short ends here
                files.append_line(self._journal, "", journal)
        files.append_line(self._journal, json.dumps([rel, d], ensure_ascii=False), journal)

    def finish(self) -> tuple[list[str], list[str]]:
        """Commit the staged files (entry points last), remove the files of earlier builds that
        this one did not write and that are still as written, write the record. Returns (removed,
        kept): kept are stale files someone changed since Lookalike wrote them, left in place."""
        text = json.dumps({"generator": "Lookalike", "files": self.written}, sort_keys=True, indent=0,
                          ensure_ascii=False) + "\n"
        record, staged = self.out / RECORD, False
        if self.written and not _same_bytes(record, text.encode("utf-8")):
            files.write_staged(tmp_of(record), text.encode("utf-8"), record)
            staged = True
        self.committing = True
        for rel in sorted(self.pending, key=_commit_order):
            files.rename(self.pending.pop(rel), self.out / rel)
        removed, kept = [], []
        for rel in sorted(set(self.previous) - set(self.written)):
            path = self.out / rel
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if _regular(st) and self._within(rel) and is_ours(st, self.previous[rel], path):
                os.unlink(path)
                removed.append(rel)
                _prune(self.out, path.parent)
            else:
                kept.append(rel)
        if self._journal_was:  # a build stopped half-way may have left its temporary files
            for rel in self.previous:
                _unlink(tmp_of(self.out / rel))
        if staged:
            files.rename(tmp_of(record), record)
        self._close()
        _unlink(self.out / JOURNAL)
        for legacy in (self.out / LEGACY, self.legacy):
            if legacy is not None and self.written:
                _unlink(legacy)
        self.committed = True
        for path, text in self._after:
            files.write_text(path, text)
        return removed, kept

    def abort(self) -> None:
        """Undo a build that failed before finish() committed: staged copies and files new to the
        site go; the files of the last build were not touched."""
        self._close()
        if self.committing:
            return  # half-renamed: what the journal lists stays known to the next build
        for tmp in list(self.pending.values()) + [tmp_of(self.out / RECORD)]:
            _unlink(tmp)
        for rel in reversed(self.created):
            path = self.out / rel
            _unlink(tmp_of(path))
            _unlink(path)
            _prune(self.out, path.parent)
        self.pending.clear()
        if not self._journal_was:
            _unlink(self.out / JOURNAL)

    def _close(self) -> None:
        if self._journal is not None:
            os.close(self._journal)
            self._journal = None


def _regular(st: os.stat_result) -> bool:
    import stat

    return stat.S_ISREG(st.st_mode)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return os.path.getsize(path) == len(data) and Path(path).read_bytes() == data
    except OSError:
        return False


def _unlink(path: Path) -> None:
    try:
        if not Path(path).is_symlink() and Path(path).is_file():
            os.unlink(path)
    except OSError:
        pass


def _prune(out: Path, folder: Path) -> None:
    """Remove folders a removal left empty (old flat image/ folders become shard folders)."""
    while folder != out and out in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent

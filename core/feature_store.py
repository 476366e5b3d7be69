"""The feature store of one facet key: every image's vector in one memory-mapped array.

    <folder>/store.json vectors.f32 index.sha lock   (core/workfolder.py chooses <folder>)

Keyed by the SHA-256 of each file's bytes: a renamed image costs nothing, an edited one
only itself. A damaged or missing row reads as missing and is computed again.
"""
from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
from pathlib import Path

import numpy as np

from core.commit_group import CommitGroup
from core.feature_migration import migrate_per_image_files
from core.files import FILE_MODE, write_bytes, write_text

try:
    import fcntl
except ImportError:  # Windows: one build at a time per work folder
    fcntl = None

DIGEST = 32  # bytes of a SHA-256 digest: one index record


class FeatureCache:
    """Content-addressed vectors of one facet key, in one memory-mapped array.

        store.json    {"dim", "id", "version"}: written when the first vector comes
        vectors.f32   (rows, dim) little-endian float32, appended
        index.sha     row i's image: the 32-byte SHA-256 digest at byte 32 * i
        lock          taken around each commit (several builds may share a work folder)

    A warm lookup of 100k images is one read of index.sha and one memory map, not one file
    per image. Vectors are kept in memory and committed in rounds (CommitGroup: all the
    stores of a build together, about once a second): rows first (written and fsynced),
    their index records after, so a build killed at any point leaves no index record naming
    unwritten data; it loses at most the last second of work, which the next build computes
    again. A short (truncated) index or data file reads as the rows both hold whole; the
    rest is missing, never garbage. An edited image adds a row and the old one stays (nothing
    is compacted: a row is ~5 KB and the next use of an image's old content finds it).
    Committed rows are never rewritten in place while any record names them, so another
    build's memory map stays valid; a store made anew gets new files (and a new id).
    Folders of the per-image cache of earlier versions (<sha[:2]>/<sha>.npy) are moved into
    the store the first time it is opened, then deleted.
    """

    VERSION = 1
    MIGRATE_ROWS = 4096  # per commit while moving per-image files in: memory stays flat

    def __init__(self, folder: Path):
        self.dir = Path(folder)
        self.meta_path, self.data_path = self.dir / "store.json", self.dir / "vectors.f32"
        self.index_path = self.dir / "index.sha"
        self._rows: dict[bytes, int] | None = None  # digest -> row, loaded on first use
        self._meta: dict | None = None
        self._count = 0  # rows this process knows to be committed
        self._pending: dict[str, np.ndarray] = {}
        self._view: np.memmap | None = None
        self._lock = threading.RLock()
        self._lock_fd: int | None = None
        self._lock_depth = 0
        self.group = CommitGroup([self])  # alone until a build groups its stores

    # --- reading ---------------------------------------------------------------------------

    def rows(self, shas) -> np.ndarray:
        """Row of each SHA-256 (hex) in vectors.f32, -1 where there is none (pending rows are
        not rows yet: flush() first)."""
        return self.rows_of_digests([bytes.fromhex(s) for s in shas])

    def rows_of_digests(self, digests: list[bytes]) -> np.ndarray:
        """rows() for SHA-256s as 32 bytes each: a build looks its images up in four stores."""
        with self._lock:
            index = self._index()
            return np.fromiter((index.get(d, -1) for d in digests), np.int64, len(digests))

    def take(self, rows) -> np.ndarray:
        """(len(rows), dim) float32 copy of those rows, gathered from the memory map."""
        rows = np.asarray(rows, np.int64)
        with self._lock:
            self._index()
            if len(rows) and (rows.min() < 0 or rows.max() >= self._count):
                raise IndexError(f"rows outside the {self._count} committed rows of {self.dir}")
            if self._meta is None or not len(rows):
                return np.zeros((len(rows), self._meta["dim"] if self._meta else 0), np.float32)
            if self._view is None or len(self._view) < self._count:
                self._view = np.memmap(self.data_path, dtype="<f4", mode="r", shape=(self._count, self._meta["dim"]))
            return np.asarray(self._view[rows], np.float32)

    def get(self, sha: str) -> np.ndarray | None:
        with self._lock:
            if sha in self._pending:
                return self._pending[sha].copy()
            row = int(self.rows([sha])[0])
            return None if row < 0 else self.take([row])[0]

    def __len__(self) -> int:
        with self._lock:
            self._index()
            return self._count

    @property
    def store_id(self) -> str:
        """Changes whenever the store is made anew (a damaged store.json, deleted files)."""
        with self._lock:
            self._index()
            return self._meta["id"] if self._meta else ""

    # --- writing ---------------------------------------------------------------------------

    def put(self, sha: str, vector: np.ndarray) -> None:
        """Pending until the group's next commit (at most CommitGroup.SECONDS away)."""
        with self._lock:
            self._pending[sha] = np.asarray(vector, np.float32).reshape(-1)
            pending = len(self._pending)
        self.group.touched(pending)  # outside our lock: the group's lock comes first, always

    def put_many(self, shas, matrix: np.ndarray) -> None:
        """Many rows in one commit (seeding, migration)."""
        with self._lock:
            self.flush()
            self._commit(list(shas), np.asarray(matrix, np.float32))

    def flush(self) -> None:
        """Commit this store's pending vectors now: rows, fsync, index records."""
        with self._lock:
            if self._pending:
                shas, vectors = list(self._pending), list(self._pending.values())
                self._commit(shas, np.stack(vectors))  # raises with the rows still pending
                self._pending.clear()

    def close(self) -> None:
        self.group.flush()
        with self._lock:
            self._view = None

    # --- the files -------------------------------------------------------------------------

    def _index(self) -> dict[bytes, int]:
        if self._rows is None:
            if not self.dir.is_dir():  # nothing cached yet (and a look makes no folder)
                self._meta, self._rows, self._count = None, {}, 0
                return self._rows
            with self._locked():
                self._load()
                migrate_per_image_files(self)
        return self._rows

    def _load(self) -> None:
        """Read store.json and index.sha; keep the rows both files hold whole."""
        self._view, self._rows, self._count = None, {}, 0
        self._meta = self._read_meta()
        if self._meta is None:
            return
        try:
            digests = self.index_path.read_bytes()
            data_rows = self.data_path.stat().st_size // (4 * self._meta["dim"])
        except OSError:
            return
        self._count = min(len(digests) // DIGEST, data_rows)
        self._rows = {digests[DIGEST * i:DIGEST * (i + 1)]: i for i in range(self._count)}  # a later row wins

    def _read_meta(self) -> dict | None:
        try:
            meta = json.loads(self.meta_path.read_text())
            ok = meta.get("version") == self.VERSION and isinstance(meta.get("dim"), int) and meta["dim"] > 0
            return meta if ok and isinstance(meta.get("id"), str) else None
        except (OSError, ValueError, AttributeError):
            return None

    def _commit(self, shas: list[str], block: np.ndarray) -> None:
        if not shas:
            return
        if block.ndim != 2 or len(block) != len(shas):
            raise ValueError(f"{len(shas)} SHA-256s for vectors of shape {block.shape}")
        self._index()
        with self._locked():
            meta = self._read_meta()
            if meta is None or not (self.data_path.is_file() and self.index_path.is_file()):
                meta = self._create(block.shape[1])
            if meta != self._meta:  # made anew by another build since we read it
                self._load()
            if meta["dim"] != block.shape[1]:
                raise ValueError(f"the vectors in {self.dir} have {meta['dim']} values, these {block.shape[1]}: "
                                 f"a different vector needs a different cache key (embed/facets.py)")
            start = self._committed_on_disk(meta)
            with open(self.data_path, "r+b") as f:  # the rows first, on disk before any record names them
                f.seek(start * 4 * meta["dim"])
                f.write(np.ascontiguousarray(block, "<f4").tobytes())
                f.truncate()  # only unnamed rows lie past start: no map of another build reaches them
                f.flush()
                os.fsync(f.fileno())
            with open(self.index_path, "r+b") as f:
                f.seek(start * DIGEST)
                f.write(b"".join(bytes.fromhex(s) for s in shas))
                f.truncate()
            for i, sha in enumerate(shas, start):
                self._rows[bytes.fromhex(sha)] = i
            self._count = start + len(shas)

    def _committed_on_disk(self, meta: dict) -> int:
        """Rows committed by now, by any build (another one may have appended since _load)."""
        index_rows = self.index_path.stat().st_size // DIGEST
        return min(index_rows, self.data_path.stat().st_size // (4 * meta["dim"]))

    def _create(self, dim: int) -> dict:
        """A new, empty store. New files replace the old ones (a map another build holds
        keeps the old data), the index first, so no record ever names a row of another
        size; the new id makes every features/<facet>.key stamp of the old store stale."""
        self.dir.mkdir(parents=True, exist_ok=True)
        write_bytes(self.index_path, b"")
        meta = {"dim": int(dim), "id": uuid.uuid4().hex, "version": self.VERSION}
        write_text(self.meta_path, json.dumps(meta, sort_keys=True))
        write_bytes(self.data_path, b"")
        self._meta, self._rows, self._count, self._view = meta, {}, 0, None
        return meta

    @contextlib.contextmanager
    def _locked(self):
        """An exclusive lock on the store across processes (re-entrant within this one)."""
        with self._lock:
            if self._lock_depth == 0:
                self.dir.mkdir(parents=True, exist_ok=True)
                self._lock_fd = os.open(self.dir / "lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
                if fcntl is not None:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0:
                    os.close(self._lock_fd)  # closing releases the flock
                    self._lock_fd = None

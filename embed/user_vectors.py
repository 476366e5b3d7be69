"""Your own vectors as a facet: `[facets] vectors = "clip.npy"` (CLIP, a museum's own model...).

Three forms, each one row per image, matched to the images by path (core/path_table.py):

* ``.npy`` (a 2-D array of numbers, read without pickle) with the paths of its rows in a CSV
  beside it (``clip.csv`` for ``clip.npy``, or ``[facets] vectors_paths``): row i of the array
  is the image named on row i of the CSV's path column;
* ``.csv``: a path column and one column per dimension;
* ``.parquet``: a path column and a vector column (a list of numbers a row; or, without one,
  one numeric column per dimension).

Ragged rows, NaN or infinity, zero vectors and any other kind of file are refused with the
file and the row. Rows are made unit length (compared by cosine, as every facet). An image
without a row gets no vector, and so no place in the site: it is skipped with that reason
(the contract is one row per image in every array; the summary, the manifest and --strict
see it like any skipped file); a row naming no image is reported. The facet is named by
``[facets] vectors_name`` (default: the file's stem).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import LookalikeError
from core.path_table import (
    TableError,
    check_finite,
    listed,
    match,
    norm_path,
    numbers,
    path_column,
    read_csv,
    regular_file,
    say_where,
)

SUFFIXES = (".npy", ".csv", ".parquet")
RESERVED = ("content", "style", "colour", "blend", "focused")  # focused: the image page's "As <tag>" tab
NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")
WHAT = "vectors"


def safe_name(name: str) -> bool:
    """A facet name that is safe in file names, URLs and the map's hash, and no built-in facet's."""
    return bool(NAME.fullmatch(name)) and name.lower() not in RESERVED


@dataclass
class UserVectors:
    name: str  # the facet's name
    file: str  # the vectors file, as resolved
    paths: list[str]  # row i's image path
    vectors: np.ndarray  # (rows, dim) float32, unit rows
    digest: str  # of the file(s) it was read from
    row: object = None  # i -> where row i is, in words ("line 5", "row 3 ('a.jpg')")
    files: tuple = ()  # the files read (the vectors, their paths)


def load(facets, root: Path, near: Path, log) -> UserVectors | None:
    """The vectors of [facets] vectors, read and checked before any image is decoded; None without.
    near: the work folder's folder (where the settings file usually is)."""
    if not facets.vectors:
        return None
    path = regular_file(Path(facets.vectors), WHAT)
    name = facets.vectors_name or path.stem
    if not safe_name(name):
        raise LookalikeError(f"the facet of {path} would be called {name!r}, which is not a usable facet name "
                             f"(letters, digits, - and _, at most 40; not {', '.join(RESERVED)}); "
                             f"name it with [facets] vectors_name")
    say_where(path, (root, near), WHAT, log)
    kind = path.suffix.lower()
    if kind not in SUFFIXES:
        raise TableError(f"the vectors file {path} is not a .npy, .csv or .parquet file; give one of those "
                         f"(e.g. numpy.save('clip.npy', vectors) and clip.csv with a path column)")
    if facets.vectors_paths and kind != ".npy":
        raise TableError(f"[facets] vectors_paths names the paths of a .npy's rows, but {path} is a {kind} file, "
                         f"which holds its paths itself; leave vectors_paths empty")
    h = hashlib.sha256(path.read_bytes())
    path_files = (path,)
    if kind == ".npy":
        paths_file = Path(facets.vectors_paths) if facets.vectors_paths else path.with_suffix(".csv")
        if not facets.vectors_paths and not paths_file.exists():
            raise TableError(f"the vectors file {path} needs the paths of its rows: {paths_file.name} beside it "
                             f"(a column named path; row i names the image of row i), or [facets] vectors_paths")
        h.update(b"\0" + regular_file(paths_file, "vectors' paths").read_bytes())
        paths, matrix, row = _npy(path, paths_file)
        path_files = (path, paths_file)
    elif kind == ".csv":
        paths, matrix, row = _csv(path)
    else:
        paths, matrix, row = _parquet(path)
    base = root.resolve()
    paths = [norm_path(p, base) for p in paths]
    return UserVectors(name, str(path), paths, _unit(matrix, path, row), h.hexdigest(), row, path_files)


def _npy(path: Path, paths_file: Path):
    try:
        matrix = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise TableError(f"the vectors file {path} is not a .npy array of numbers ({exc})") from None
    if not isinstance(matrix, np.ndarray) or matrix.ndim != 2:
        raise TableError(f"the vectors file {path} holds an array of shape {getattr(matrix, 'shape', '?')}; "
                         f"it must be 2-D, one row per image (rows, dimensions)")
    if not (np.issubdtype(matrix.dtype, np.floating) or np.issubdtype(matrix.dtype, np.integer)):
        raise TableError(f"the vectors file {path} holds {matrix.dtype} values, not numbers")
    names, rows = read_csv(paths_file, "vectors' paths")
    col = path_column(names, paths_file, "vectors' paths")
    paths = [cells[col] if col < len(cells) else "" for _, cells in rows]
    if len(paths) != len(matrix):
        raise TableError(f"the vectors file {path} has {len(matrix)} rows but {paths_file} names {len(paths)} "
                         f"paths; row i of one must be the image on row i of the other")
    return paths, matrix, lambda i: f"row {i} (counting from 0; {paths[i]!r})"


def _csv(path: Path):
    names, rows = read_csv(path, WHAT)
    col = path_column(names, path, WHAT)
    dims = [j for j in range(len(names)) if j != col]
    matrix = numbers(path, WHAT, rows, dims, names)
    return [cells[col] for _, cells in rows], matrix, lambda i: f"line {rows[i][0]}"


def _parquet(path: Path):
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise TableError(f"the vectors file {path} is not a Parquet file Lookalike can read ({exc})") from None
    names = table.column_names
    col = path_column(names, path, WHAT)
    paths = [str(p) for p in table.column(col).to_pylist()]
    lists = [n for n in names if pa.types.is_list(table.schema.field(n).type)
             or pa.types.is_large_list(table.schema.field(n).type)
             or pa.types.is_fixed_size_list(table.schema.field(n).type)]
    row = lambda i: f"row {i} (counting from 0; {paths[i]!r})"  # noqa: E731
    if len(lists) > 1:
        preferred = [n for n in lists if n.lower() in ("vector", "vectors", "embedding", "embeddings")]
        if len(preferred) != 1:
            raise TableError(f"the vectors file {path} has several list columns ({', '.join(lists)}); "
                             f"name the one with the vectors 'vector' or 'embedding'")
        lists = preferred
    if not lists:  # wide: one numeric column per dimension
        dims = [n for i, n in enumerate(names) if i != col]
        if not dims or not all(pa.types.is_integer(table.schema.field(n).type)
                                or pa.types.is_floating(table.schema.field(n).type) for n in dims):
            raise TableError(f"the vectors file {path} has no vector column: give a column of lists of numbers, "
                             f"or one numeric column per dimension (its columns: {', '.join(names[:10])})")
        matrix = np.column_stack([table.column(n).to_numpy(zero_copy_only=False) for n in dims])
        return paths, matrix, row
    arr = table.column(lists[0]).combine_chunks()
    if arr.null_count:
        raise TableError(f"the vectors file {path}: {row(int(np.flatnonzero(arr.is_null().to_numpy(False))[0]))} "
                         f"has no vector")
    lengths = pc.list_value_length(arr).to_numpy(zero_copy_only=False)
    if len(lengths) and (lengths != lengths[0]).any():
        i = int(np.flatnonzero(lengths != lengths[0])[0])
        raise TableError(f"the vectors file {path}: {row(i)} has {lengths[i]} numbers where row 0 has "
                         f"{lengths[0]}; every vector must have the same dimensions")
    flat = arr.flatten()
    if flat.null_count or not (pa.types.is_integer(flat.type) or pa.types.is_floating(flat.type)):
        raise TableError(f"the vectors file {path}: column {lists[0]!r} must hold numbers only (found {flat.type}"
                         + (", with empty values" if flat.null_count else "") + ")")
    width = int(lengths[0]) if len(lengths) else 0
    return paths, flat.to_numpy(zero_copy_only=False).reshape(len(paths), width), row


def _unit(matrix: np.ndarray, path: Path, row) -> np.ndarray:
    """Rows of unit length, float32; too few dimensions, NaN, infinity and zero rows refused."""
    if matrix.shape[1] < 2:
        raise TableError(f"the vectors file {path} has vectors of {matrix.shape[1]} number(s); at least 2 are needed")
    if not len(matrix):
        raise TableError(f"the vectors file {path} has no rows")
    check_finite(matrix, path, WHAT, row)
    v = np.asarray(matrix, np.float32)  # 100,000 x 512 is 200 MB in float32
    norms = np.linalg.norm(v, axis=1)
    if (norms == 0).any():
        raise TableError(f"the vectors file {path}: {row(int(np.flatnonzero(norms == 0)[0]))} is all zeros; "
                         f"a zero vector has no direction, so it is like nothing (give it a real vector, or "
                         f"leave the image out of the collection)")
    return v / norms[:, None]


def pick(uv: UserVectors, scan, root: Path, log) -> tuple[list[dict], np.ndarray, dict]:
    """Match the vectors to the scanned images: the images without a row are taken out of
    scan.candidates (returned as skipped, with the reason), and each kept candidate's row."""
    found = match(uv.paths, [(c.path, c.also) for c in scan.candidates], Path(uv.file), WHAT, uv.row)
    if not (found.row_of >= 0).any():
        raise TableError(f"no row of the vectors file {uv.file} names an image of the collection: its paths "
                         f"must be relative to the collection folder, e.g. "
                         f"{scan.candidates[0].path if scan.candidates else 'blue/guitarist.jpg'} "
                         f"(its first: {listed(uv.paths, 3)})")
    why = f"no vector in {Path(uv.file).name} (no row names it), so it has no place in the '{uv.name}' facet"
    skipped = [{"path": p, "reason": why} for c, r in zip(scan.candidates, found.row_of) if r < 0
               for p in [c.path, *c.also]]
    scan.candidates = [c for c, r in zip(scan.candidates, found.row_of) if r >= 0]
    mine = {norm_path(str(Path(f).resolve()), root.resolve()) for f in uv.files}
    scan.ignored = [p for p in scan.ignored if p not in mine]  # vectors kept in the collection are used
    log.info(f"vectors: facet '{uv.name}' from {Path(uv.file).name}: {len(uv.paths)} rows of "
             f"{uv.vectors.shape[1]} dimensions, {int((found.row_of >= 0).sum())} images matched")
    if found.missing:
        log.warning(f"vectors: {len(found.missing)} image(s) have no row in {Path(uv.file).name} and are left out "
                    f"of the site: {listed(found.missing)}")
    if found.unmatched:
        log.warning(f"vectors: {len(found.unmatched)} row(s) of {Path(uv.file).name} name no image of the "
                    f"collection: {listed(found.unmatched)}")
    report = {"name": uv.name, "file": uv.file, "rows": len(uv.paths), "dimensions": int(uv.vectors.shape[1]),
              "images_without_vector": found.missing, "unmatched_rows": found.unmatched}
    return skipped, found.row_of[found.row_of >= 0], report


def write(folder, manifest, uv: UserVectors, rows: np.ndarray) -> None:
    """The vectors of the manifest's images in row order (the facet's features array), written again only
    when the file or the rows it takes changed (the stamp layout's cache key is made of)."""
    h = hashlib.sha256(f"{uv.digest}\0".encode())
    h.update(np.ascontiguousarray(rows, np.int64).tobytes() + b"\0" + manifest.sha_bytes())
    if folder.features_key(uv.name) != h.hexdigest():
        folder.write_features(manifest, uv.name, uv.vectors[rows], h.hexdigest())

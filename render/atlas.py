"""Thumbnail sprite sheets ("atlases") for the map explorer.

The map draws thousands of thumbnails on one canvas; fetching one file per image
would mean 20,000 requests, so thumbnails are packed into a few JPEG sheets that
the browser loads lazily. Cell j is cell j % per_sheet of sheet j // per_sheet; which
image a cell holds is place_cells()'s choice, kept from build to build so that a growing
collection remakes only the sheets whose cells changed (render/assets.py keys each sheet).
"""
from __future__ import annotations

import io
import math
import re
from pathlib import Path

from PIL import Image

from core.files import write_bytes

# Browsers (mobile Safari in particular) refuse or downscale canvases/images
# beyond 4096 px a side, so a sheet never exceeds that.
MAX_SHEET = 4096
# Letterbox colour of each cell; matches the map background so any sub-pixel
# mismatch between the JS rect and the fitted thumbnail stays invisible.
BACKGROUND = (20, 20, 22)
JPEG_QUALITY = 82
# Smaller copies of every sheet, cells of cell/2 and cell/4 px, in atlas/2/ and atlas/4/: the map
# far out loads these (a 512 px sheet decodes in a few ms, a 2048 px one took ~30 ms on the main
# thread and halving it in the browser as long again), the full sheets only once zoomed in.
LEVELS = (2, 4)
# The site's cells and sheets: 1,024 thumbnails of 64 px a sheet.
CELL, SHEET = 64, 2048


def _fit(img: Image.Image, cell: int) -> Image.Image:
    """Scale to fit inside cell x cell keeping aspect, on an opaque background."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, BACKGROUND)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        img = flat
    else:
        img = img.convert("RGB")
    w, h = img.size
    scale = cell / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return img.resize(size, Image.LANCZOS) if size != img.size else img


def _sheet(rows: list[Path | None], first: int, cell: int, per_row: int, colors: list[str]) -> Image.Image:
    """One sheet: each thumbnail fitted in its cell, centred; its mean colour appended
    (an empty cell, None, stays background)."""
    # The last sheet is only as tall as it needs to be: fewer bytes to load.
    height = math.ceil(len(rows) / per_row) * cell
    canvas = Image.new("RGB", (per_row * cell, height), BACKGROUND)
    for j, p in enumerate(rows):
        if p is None:
            colors.append(EMPTY_COLOR)
            continue
        p = Path(p)
        if not p.is_file():
            raise FileNotFoundError(f"thumbnail for row {first + j} not found: {p}")
        with Image.open(p) as im:
            im.draft("RGB", (cell * 2, cell * 2))  # cheap JPEG downscale on decode
            fitted = _fit(im, cell)
        x = (j % per_row) * cell + (cell - fitted.width) // 2
        y = (j // per_row) * cell + (cell - fitted.height) // 2
        canvas.paste(fitted, (x, y))
        r, g, b = fitted.resize((1, 1), Image.BOX).getpixel((0, 0))
        colors.append(f"{r:02x}{g:02x}{b:02x}")
    return canvas


EMPTY_COLOR = "%02x%02x%02x" % BACKGROUND
# A grown and shrunk collection leaves empty cells; past this share of them the cells are packed afresh.
MAX_EMPTY = 0.25


def place_cells(pictures: list[str], previous: list[str | None] | None = None) -> list[str | None]:
    """Which picture (a content digest) each cell holds, None for an empty cell.

    A fresh atlas holds the pictures in row order, each once. With the cells of the last build,
    every picture still there keeps its cell, the new ones fill the cells of removed ones (lowest
    first) and then follow at the end: adding 1,000 images to 100,000 changes one or two sheets,
    not all of them. Past MAX_EMPTY empty cells the atlas is packed afresh."""
    fresh = list(dict.fromkeys(pictures))
    if not previous:
        return fresh
    present = set(fresh)
    cells = [p if p in present else None for p in previous]
    placed = set(cells)
    free = [j for j, p in enumerate(cells) if p is None]
    new = [p for p in fresh if p not in placed]
    for j, p in zip(free, new):
        cells[j] = p
    cells.extend(new[len(free):])
    while cells and cells[-1] is None:
        cells.pop()
    return fresh if cells.count(None) > MAX_EMPTY * len(cells) else cells


def _jpeg(canvas: Image.Image) -> bytes:
    buf = io.BytesIO()
    canvas.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=False, subsampling=0)
    return buf.getvalue()


def sheet_files(s: int, divisors=LEVELS) -> list[str]:
    """Site paths of sheet s: the full sheet, then its smaller levels (atlas/2/, atlas/4/)."""
    return [f"atlas/{s}.jpg"] + [f"atlas/{d}/{s}.jpg" for d in divisors]


def write_atlases(thumb_paths: list[Path | None], site_dir: Path, cell: int = CELL, sheet: int = SHEET,
                  on_sheet=None, keep: dict[int, list[str]] | None = None, put=None) -> dict:
    """Write site_dir/atlas/<n>.jpg (and atlas/2/<n>.jpg, atlas/4/<n>.jpg: LEVELS) and return
    the metadata for points["atlas"].

    thumb_paths[j] is the thumbnail of cell j (None: an empty cell). Each thumbnail is fitted
    inside its cell (longest side = cell), centred, so the explorer can compute the drawn
    rectangle from the image's aspect ratio. "colors" holds one 6-hex-digit mean colour per
    cell; the map uses it for the zoomed-out dots and as a placeholder while a sheet loads.
    keep: sheet n -> its cells' colours, for sheets already in site_dir as they would be
    written again (render/assets.py knows): those are not made again.
    Output bytes depend only on the cells' pictures (same cells -> same files); which cell holds
    which picture depends on the builds before (place_cells), so a grown collection's sheets
    differ from a fresh build's of the same images.
    ``on_sheet(rows)`` is called after each sheet with the thumbnails it holds (progress).
    ``put(site path, bytes)`` writes a sheet when given (render/sitefiles.py: sheets of an earlier
    build are then removed as stale files of the site); alone, sheets left over in site_dir go.
    """
    if cell < 1:
        raise ValueError(f"atlas cell must be >= 1 px, got {cell}")
    if not cell <= sheet <= MAX_SHEET:
        raise ValueError(f"atlas sheet must be between cell ({cell}) and {MAX_SHEET} px, got {sheet}")
    keep = keep or {}
    per_row = sheet // cell
    per_sheet = per_row * per_row
    n = len(thumb_paths)
    n_sheets = math.ceil(n / per_sheet)
    out_dir = Path(site_dir) / "atlas"
    if put is None:
        out_dir.mkdir(parents=True, exist_ok=True)

        def put(rel: str, data: bytes) -> None:
            write_bytes(Path(site_dir) / rel, data)  # atomic
    else:
        out_dir = None  # what the site's record says was written, and nothing else, is removed

    sheets: list[str] = []
    colors: list[str] = []
    divisors = [d for d in LEVELS if cell % d == 0]
    small: dict[int, list[str]] = {d: [] for d in divisors}
    for s in range(n_sheets):
        rows = thumb_paths[s * per_sheet:(s + 1) * per_sheet]
        full, *smaller = sheet_files(s, divisors)
        sheets.append(full)
        for d, name in zip(divisors, smaller):
            small[d].append(name)
        if s in keep:
            if len(keep[s]) != len(rows):  # the caller keyed the sheet by its cells: cannot happen
                raise ValueError(f"atlas sheet {s}: {len(keep[s])} colours kept for {len(rows)} cells")
            colors.extend(keep[s])
        else:
            canvas = _sheet(rows, s * per_sheet, cell, per_row, colors)
            put(full, _jpeg(canvas))
            for d, name in zip(divisors, smaller):  # box-filtered: cell j of the small sheet is cell j shrunk
                put(name, _jpeg(canvas.reduce(d)))
        if on_sheet is not None:
            on_sheet(len(rows))

    # Sheets left over from a larger earlier build would be dead weight on deploy.
    for folder in [out_dir] + [out_dir / str(d) for d in LEVELS] if out_dir is not None else []:
        for old in folder.iterdir() if folder.is_dir() else []:
            m = re.fullmatch(r"(\d+)\.jpg", old.name)
            if m and (int(m.group(1)) >= n_sheets or (folder != out_dir and int(folder.name) not in divisors)):
                old.unlink()

    return {
        "version": 1,
        "cell": cell,
        "per_row": per_row,
        "per_sheet": per_sheet,
        "count": n,
        "sheets": sheets,
        "levels": [{"divisor": d, "sheets": small[d]} for d in divisors],
        "colors": "".join(colors),
    }

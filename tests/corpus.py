"""A hostile collection, made by code: every odd file an archive or museum export holds.

`make_corpus(root)` writes the files and returns one `Case` per path saying what a
user should see after a build: an image page (with its size and colours), a
skipped file with a reason, a duplicate shown once, a file left out, or nothing.
Nothing is downloaded; every file is a few KB (the "decompression bombs" only
claim huge sizes in their headers).
"""
from __future__ import annotations

import io
import os
import socket
import struct
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

RED, GREEN, BLUE, WHITE = (220, 30, 30), (30, 170, 60), (40, 60, 210), (255, 255, 255)


@dataclass
class Case:
    path: str  # as reports show it (relative, posix)
    expect: str  # image | skipped | duplicate | ignored | absent
    reason: str = ""  # skipped: regex the reason must match
    size: tuple[int, int] | None = None  # image: width x height a user sees (upright)
    top: tuple | None = None  # image: colour of the top-centre of the picture, upright
    centre: tuple | None = None  # image: colour at the centre
    same_as: str = ""  # duplicate: the path of the image that is shown
    note: str = ""  # what the case is about, for the report table
    extra: dict = field(default_factory=dict)


def _banded(w: int, h: int, top=RED, rest=BLUE, band: float = 0.25) -> Image.Image:
    """Upright test picture: a coloured band across the top, another colour below."""
    arr = np.empty((h, w, 3), np.uint8)
    arr[:] = rest
    arr[: max(1, int(h * band))] = top
    return Image.fromarray(arr, "RGB")


def _save(img: Image.Image, path: Path, fmt=None, **kw) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, fmt, **kw)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width: int, height: int, depth: int, colour_type: int, rows: bytes | None,
              idat: bytes | None = None) -> bytes:
    """A PNG written by hand (Pillow cannot write 16-bit RGB)."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    data = idat if idat is not None else zlib.compress(rows, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def rgb16_png(arr16: np.ndarray) -> bytes:
    h, w, _ = arr16.shape
    be = arr16.astype(">u2").reshape(h, w * 3).tobytes()
    stride = w * 6
    rows = b"".join(b"\x00" + be[y * stride:(y + 1) * stride] for y in range(h))
    return png_bytes(w, h, 16, 2, rows)


def rgb16_tiff(arr16: np.ndarray) -> bytes:
    """An uncompressed little-endian 16-bit RGB TIFF, written by hand."""
    h, w, _ = arr16.shape
    pixels = arr16.astype("<u2").tobytes()
    n_entries = 10
    ifd_at = 8
    extra_at = ifd_at + 2 + n_entries * 12 + 4
    bits_at, data_at = extra_at, extra_at + 6
    entries = [
        (256, 3, 1, w), (257, 3, 1, h), (258, 3, 3, bits_at), (259, 3, 1, 1), (262, 3, 1, 2),
        (273, 4, 1, data_at), (277, 3, 1, 3), (278, 3, 1, h), (279, 4, 1, len(pixels)), (284, 3, 1, 1),
    ]
    out = b"II*\x00" + struct.pack("<I", ifd_at) + struct.pack("<H", n_entries)
    for tag, typ, count, value in entries:
        packed = struct.pack("<HI", value, 0)[:4] if typ == 3 and count == 1 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, typ, count) + packed
    out += struct.pack("<I", 0) + struct.pack("<HHH", 16, 16, 16)
    assert len(out) == data_at
    return out + pixels


def gif_bomb(width: int, height: int) -> bytes:
    """A valid-looking GIF header that claims a huge canvas; the file is a few bytes."""
    head = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    desc = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
    return head + desc + b"\x02\x02\x44\x01\x00" + b"\x3b"


def exif_jpeg(path: Path, orientation: int, stored: Image.Image) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    _save(stored, path, "JPEG", exif=exif.tobytes(), quality=95)


def _noise(seed: int, w: int = 48, h: int = 40) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (h, w, 3), np.uint8), "RGB")


def make_corpus(root: Path) -> dict[str, Case]:
    """Write the hostile collection under root; return {path: Case}."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    cases: dict[str, Case] = {}

    def add(case: Case) -> None:
        cases[case.path] = case

    # --- broken files: skipped with a reason --------------------------------------
    (root / "bad").mkdir()
    (root / "bad" / "empty.jpg").write_bytes(b"")
    add(Case("bad/empty.jpg", "skipped", r"^empty file \(0 bytes\)$", note="zero-byte file"))
    buf = io.BytesIO()
    _noise(1, 200, 150).save(buf, "JPEG", quality=90)
    (root / "bad" / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    add(Case("bad/truncated.jpg", "skipped", r"damaged or truncated JPEG", note="truncated JPEG"))
    (root / "bad" / "garbage.jpg").write_bytes(np.random.default_rng(2).integers(0, 256, 3000, np.uint8).tobytes())
    add(Case("bad/garbage.jpg", "skipped", r"not an image", note="random bytes named .jpg"))
    (root / "bad" / "readme.png").write_text("This is a text file that someone named .png\n" * 20)
    add(Case("bad/readme.png", "skipped", r"text file, not an image", note="text file named .png"))
    (root / "bad" / "download.jpg").write_text("<!DOCTYPE html><html><body>404 Not Found</body></html>\n")
    add(Case("bad/download.jpg", "skipped", r"web page \(HTML\), not an image",
             note="HTML error page saved as .jpg"))
    (root / "bad" / "bomb.png").write_bytes(png_bytes(52000, 40000, 8, 2, None, idat=zlib.compress(b"\x00" * 4000)))
    add(Case("bad/bomb.png", "skipped", r"too many pixels \(52,000 x 40,000\).*max_pixels",
             note="decompression bomb (PNG header 52,000 x 40,000, file 200 bytes)"))
    (root / "bad" / "bomb.gif").write_bytes(gif_bomb(65000, 65000))
    add(Case("bad/bomb.gif", "skipped", r"too many pixels \(65,000 x 65,000\)", note="decompression bomb (GIF)"))
    (root / "bad" / "phone.heic").write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    add(Case("bad/phone.heic", "skipped", r"HEIC.*convert", note="iPhone HEIC photo (no decoder)"))

    # --- colour modes and formats: all in the site, in the right colours ----------
    m = root / "modes"
    g16 = (np.linspace(0, 65535, 64 * 48).reshape(48, 64)).astype(np.uint16)
    _save(Image.fromarray(g16), m / "grey16.png")
    add(Case("modes/grey16.png", "image", size=(64, 48), note="16-bit greyscale PNG"))
    rgb16 = np.zeros((40, 60, 3), np.uint16)
    rgb16[:] = (56000, 8000, 8000)  # red, 16 bits a channel
    rgb16[10:] = (10000, 15000, 54000)
    (m / "rgb16.png").write_bytes(rgb16_png(rgb16))
    add(Case("modes/rgb16.png", "image", size=(60, 40), top=RED, centre=BLUE, note="16-bit RGB PNG (hand-written)"))
    (m / "rgb16.tif").write_bytes(rgb16_tiff(rgb16[::-1].copy()))
    add(Case("modes/rgb16.tif", "image", size=(60, 40), top=BLUE, centre=RED, note="16-bit RGB TIFF (hand-written)"))
    _save(Image.fromarray((g16 // 2).astype(np.uint16)).convert("I;16"), m / "grey16.tif")
    add(Case("modes/grey16.tif", "image", size=(64, 48), note="16-bit greyscale TIFF"))
    pal = _banded(50, 40, RED, GREEN).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    corner = pal.getpixel((0, 39))
    arr = np.asarray(pal).copy()
    arr[20:, :] = corner  # the lower half is the transparent index
    pal2 = Image.fromarray(arr, "P")
    pal2.putpalette(pal.getpalette())
    _save(pal2, m / "palette-transparent.png", transparency=corner)
    add(Case("modes/palette-transparent.png", "image", size=(50, 40), top=RED, centre=WHITE,
             note="palette PNG with transparency (shown on white)"))
    _save(_banded(40, 30, RED, GREEN).convert("L"), m / "grey.png")
    add(Case("modes/grey.png", "image", size=(40, 30), note="greyscale PNG"))
    la = Image.new("LA", (40, 30), (0, 255))
    la.paste((0, 0), (0, 15, 40, 30))  # transparent lower half
    _save(la, m / "grey-alpha.png")
    add(Case("modes/grey-alpha.png", "image", size=(40, 30), top=(0, 0, 0), centre=WHITE,
             note="grey + alpha PNG (transparent on white)"))
    _save(_banded(48, 36, RED, BLUE).convert("CMYK"), m / "cmyk.jpg", "JPEG", quality=95)
    add(Case("modes/cmyk.jpg", "image", size=(48, 36), top=RED, centre=BLUE, note="CMYK JPEG"))
    _save(_banded(30, 30, GREEN, RED).convert("1"), m / "bilevel.png")
    add(Case("modes/bilevel.png", "image", size=(30, 30), note="1-bit PNG"))
    frames = [_banded(40, 40, RED, BLUE), _banded(40, 40, GREEN, GREEN)]
    _save(frames[0], m / "animated.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    add(Case("modes/animated.gif", "image", size=(40, 40), top=RED, centre=BLUE, note="animated GIF (first frame)"))
    _save(frames[0], m / "animated.webp", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    add(Case("modes/animated.webp", "image", size=(40, 40), top=RED, centre=BLUE, note="animated WebP (first frame)"))
    pages = [_banded(44, 33, BLUE, RED), _banded(20, 20, GREEN, GREEN)]
    _save(pages[0], m / "multipage.tiff", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    add(Case("modes/multipage.tiff", "image", size=(44, 33), top=BLUE, centre=RED, note="multi-page TIFF (first page)"))
    _save(Image.fromarray(np.linspace(-3, 7, 32 * 24, dtype=np.float32).reshape(24, 32), "F"), m / "float.tif")
    add(Case("modes/float.tif", "image", size=(32, 24), note="32-bit float TIFF (scientific)"))
    _save(_banded(52, 39, GREEN, BLUE), m / "photo.webp", "WEBP", quality=90)
    add(Case("modes/photo.webp", "image", size=(52, 39), top=GREEN, centre=BLUE, note="WebP"))
    _save(_banded(45, 35, BLUE, GREEN), m / "scan.bmp")
    add(Case("modes/scan.bmp", "image", size=(45, 35), top=BLUE, centre=GREEN, note="BMP"))
    rgba = _banded(40, 40, RED, BLUE).convert("RGBA")
    rgba.putalpha(Image.fromarray(np.where(np.arange(40)[:, None] < 20, 255, 0).astype(np.uint8).repeat(40, 1)))
    _save(rgba, m / "rgba.png")
    add(Case("modes/rgba.png", "image", size=(40, 40), top=RED, centre=WHITE, note="RGBA PNG (transparent on white)"))
    _save(_banded(36, 28, GREEN, RED), m / "really-a-png.jpg", "PNG")
    add(Case("modes/really-a-png.jpg", "image", size=(36, 28), top=GREEN, centre=RED,
             note="PNG content with a .jpg name"))
    _save(_banded(38, 30, RED, GREEN), m / "UPPER.JPG", "JPEG", quality=95)
    add(Case("modes/UPPER.JPG", "image", size=(38, 30), top=RED, centre=GREEN, note="upper-case extension"))
    _save(_banded(34, 30, BLUE, RED), m / "old.jfif", "JPEG", quality=95)
    add(Case("modes/old.jfif", "image", size=(34, 30), top=BLUE, centre=RED, note=".jfif extension"))

    # --- orientation: upright everywhere -------------------------------------------
    o = root / "orient"
    # Stored sideways (the camera was turned): the red band is on the left as stored;
    # EXIF 6 = rotate 90 degrees clockwise to show, so the band ends up on top.
    stored = _banded(80, 60, RED, BLUE).rotate(90, expand=True)  # 60 x 80, band on the left
    exif_jpeg(o / "rotated-6.jpg", 6, stored)
    add(Case("orient/rotated-6.jpg", "image", size=(80, 60), top=RED, centre=BLUE, note="EXIF orientation 6 (90 cw)"))
    exif_jpeg(o / "rotated-8.jpg", 8, _banded(80, 60, RED, GREEN).rotate(-90, expand=True))
    add(Case("orient/rotated-8.jpg", "image", size=(80, 60), top=RED, centre=GREEN, note="EXIF orientation 8 (90 ccw)"))
    exif_jpeg(o / "rotated-3.jpg", 3, _banded(70, 50, GREEN, BLUE).rotate(180))
    add(Case("orient/rotated-3.jpg", "image", size=(70, 50), top=GREEN, centre=BLUE, note="EXIF orientation 3 (180)"))
    buf = io.BytesIO()
    _banded(64, 48, BLUE, GREEN).save(buf, "JPEG", quality=95)
    data = buf.getvalue()
    bad_exif = (b"\xff\xe1" + struct.pack(">H", 2 + 6 + 20) + b"Exif\x00\x00" + b"MM\x00\x2a\x00\x00\x00\x08\x00\x05"
                + b"\xff" * 10)
    (o / "broken-exif.jpg").write_bytes(data[:2] + bad_exif + data[2:])
    add(Case("orient/broken-exif.jpg", "image", size=(64, 48), top=BLUE, centre=GREEN, note="JPEG with damaged EXIF"))

    # --- shapes --------------------------------------------------------------------
    s = root / "shapes"
    _save(Image.new("RGB", (1, 1), GREEN), s / "1x1.png")
    add(Case("shapes/1x1.png", "image", size=(1, 1), centre=GREEN, note="1 x 1 pixel"))
    _save(Image.new("RGB", (1, 5000), RED), s / "strip-1x5000.png")
    add(Case("shapes/strip-1x5000.png", "image", size=(1, 5000), centre=RED, note="1 x 5,000 strip"))
    _save(Image.new("RGB", (5000, 1), BLUE), s / "strip-5000x1.png")
    add(Case("shapes/strip-5000x1.png", "image", size=(5000, 1), centre=BLUE, note="5,000 x 1 strip"))
    _save(_banded(3000, 2000, GREEN, RED), s / "large.jpg", "JPEG", quality=80)
    add(Case("shapes/large.jpg", "image", size=(3000, 2000), top=GREEN, centre=RED,
             note="6-megapixel JPEG (draft decode)"))

    # --- hidden, system and special entries -----------------------------------------
    _noise(10).save(root / ".hidden.jpg")
    add(Case(".hidden.jpg", "ignored", note="hidden file"))
    (root / ".hidden-folder").mkdir()
    _noise(11).save(root / ".hidden-folder" / "inside.jpg")
    add(Case(".hidden-folder/", "ignored", note="hidden folder"))
    add(Case(".hidden-folder/inside.jpg", "absent", note="image inside a hidden folder"))
    (root / "__MACOSX" / "modes").mkdir(parents=True)
    (root / "__MACOSX" / "modes" / "._cmyk.jpg").write_bytes(b"\x00\x05\x16\x07" + b"\x00" * 80)
    add(Case("__MACOSX/", "ignored", note="macOS resource-fork folder"))
    (root / "._photo.jpg").write_bytes(b"\x00\x05\x16\x07" + b"\x00" * 80)
    add(Case("._photo.jpg", "ignored", note="AppleDouble file"))
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1" + b"\x00" * 60)
    add(Case(".DS_Store", "ignored", note=".DS_Store"))
    (root / "notes.txt").write_text("registrar notes\n")
    add(Case("notes.txt", "ignored", note="not an image (by extension)"))
    (root / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 60)
    add(Case("Thumbs.db", "ignored", note="Windows Thumbs.db"))

    (root / "folder.jpg").mkdir()
    _save(_banded(30, 40, GREEN, BLUE), root / "folder.jpg" / "inside.png")
    add(Case("folder.jpg/inside.png", "image", size=(30, 40), top=GREEN, centre=BLUE,
             note="image inside a folder named x.jpg"))

    lk = root / "links"
    lk.mkdir()
    _save(_banded(42, 30, BLUE, BLUE), root / "linked-target.png")
    add(Case("linked-target.png", "image", size=(42, 30), note="target of a symbolic link"))
    os.symlink("../linked-target.png", lk / "to-file.png")
    add(Case("links/to-file.png", "duplicate", same_as="linked-target.png", note="symbolic link to a file"))
    os.symlink("does-not-exist.jpg", lk / "broken.jpg")
    add(Case("links/broken.jpg", "skipped", r"broken symbolic link", note="broken symbolic link"))
    os.symlink("self.jpg", lk / "self.jpg")
    add(Case("links/self.jpg", "skipped", r"symbolic link loop", note="symbolic link to itself"))
    os.symlink("..", lk / "parent")
    add(Case("links/parent/", "skipped", r"symbolic link to a folder \(not followed\)",
             note="symbolic link loop to a parent folder"))

    sp = root / "special"
    sp.mkdir()
    os.mkfifo(sp / "pipe.jpg")
    add(Case("special/pipe.jpg", "skipped", r"not a regular file \(named pipe\)", note="FIFO named .jpg"))
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.getcwd()
        os.chdir(sp)  # short relative name: AF_UNIX paths are limited to ~100 bytes
        try:
            sock.bind("socket.png")
        finally:
            os.chdir(old)
            sock.close()
        add(Case("special/socket.png", "skipped", r"not a regular file \(socket\)", note="socket named .png"))
    except OSError:
        pass
    os.symlink("/dev/zero", sp / "device.jpg")
    add(Case("special/device.jpg", "skipped", r"not a regular file \(device\)", note="link to /dev/zero named .jpg"))

    perm = root / "perm"
    _save(_banded(40, 40, RED, GREEN), perm / "unreadable.jpg", "JPEG")
    os.chmod(perm / "unreadable.jpg", 0)
    readable = os.access(perm / "unreadable.jpg", os.R_OK)  # root reads anything (CAP_DAC_OVERRIDE)
    if readable:
        add(Case("perm/unreadable.jpg", "image", size=(40, 40), top=RED, centre=GREEN,
                 note="chmod 000 file (readable anyway: running as root)"))
    else:
        add(Case("perm/unreadable.jpg", "skipped", r"permission denied", note="chmod 000 file"))

    # --- names ------------------------------------------------------------------
    n = root / "names"
    names = [
        "with space.jpg", "it's.jpg", 'say "cheese".jpg', "#1.jpg", "what?.jpg", "100%.jpg", "a&b.jpg",
        "back\\slash.jpg", "semi;colon,comma.jpg", unicodedata.normalize("NFC", "café.jpg"),
        unicodedata.normalize("NFD", "café.jpg"), "🎨 palette.jpg", "<script>alert(1)</script>.jpg",
        "日本語の絵.jpg", "-leading-dash.jpg", "trailing dot..jpg",
    ]
    for i, name in enumerate(names):
        _save(_noise(100 + i, 40 + i, 30), n / name, "JPEG", quality=90)
        add(Case(f"names/{name}", "image", size=(40 + i, 30), note=f"file name {name!r}"))
    # A file name that is not UTF-8 (Latin-1 from an old Windows zip).
    raw = os.fsencode(n) + b"/caf\xe9-latin1.jpg"
    with open(raw, "wb") as f:
        _noise(200, 33, 22).save(f, "JPEG")
    add(Case("names/caf\\xe9-latin1.jpg", "image", size=(33, 22), note="file name in Latin-1, not UTF-8"))

    # --- duplicates --------------------------------------------------------------
    d = root / "dupes"
    _save(_banded(40, 30, RED, RED), d / "one" / "img.jpg", "JPEG")
    _save(_banded(40, 30, GREEN, GREEN), d / "two" / "img.jpg", "JPEG")
    add(Case("dupes/one/img.jpg", "image", size=(40, 30), centre=RED, note="same name in two folders (1)"))
    add(Case("dupes/two/img.jpg", "image", size=(40, 30), centre=GREEN, note="same name in two folders (2)"))
    _save(_banded(41, 31, BLUE, GREEN), d / "copy-a.jpg", "JPEG")
    (d / "copy-b.jpg").write_bytes((d / "copy-a.jpg").read_bytes())
    add(Case("dupes/copy-a.jpg", "image", size=(41, 31), top=BLUE, centre=GREEN,
             note="same content, two names (shown)"))
    add(Case("dupes/copy-b.jpg", "duplicate", same_as="dupes/copy-a.jpg", note="same content, two names (reported)"))
    return cases

"""What a file really is, in words a registrar understands.

Used when a file has an image name but cannot be read, so the build summary can
say "a web page (HTML), not an image" instead of "cannot identify image file".
Also lists the image formats that are recognised by name but cannot be read,
so an iPhone export of .heic photos is reported, not silently left out.
"""
from __future__ import annotations

# Extensions of image formats Lookalike recognises but cannot decode: the reason users see.
UNSUPPORTED_EXTENSIONS = {
    ".heic": "HEIC photo (the iPhone format), which Lookalike cannot read: convert it to JPEG",
    ".heif": "HEIF photo, which Lookalike cannot read: convert it to JPEG",
    ".jxl": "JPEG XL image, which Lookalike cannot read yet: convert it to JPEG or PNG",
    ".svg": "vector drawing (SVG), which Lookalike cannot read: export it as PNG",
    ".psd": "Photoshop file: save a flattened copy as TIFF or JPEG",
    ".psb": "Photoshop file: save a flattened copy as TIFF or JPEG",
    **{ext: "camera raw file, which Lookalike cannot read: export it as JPEG or TIFF"
       for ext in (".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".dng", ".raf",
                   ".orf", ".rw2", ".pef", ".srw", ".x3f", ".3fr", ".iiq", ".erf", ".kdc", ".mrw")},
}

_FORMAT_NAMES = {
    "JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "GIF": "GIF", "TIFF": "TIFF", "WEBP": "WebP",
    "BMP": "BMP", "DIB": "BMP", "JPEG2000": "JPEG 2000", "AVIF": "AVIF", "PPM": "PPM", "TGA": "TGA",
    "ICO": "icon", "PSD": "Photoshop", "PCX": "PCX", "SGI": "SGI", "QOI": "QOI",
}


def format_name(pillow_format: str | None, suffix: str = "") -> str:
    """'JPEG' -> 'JPEG', 'WEBP' -> 'WebP'; falls back on the file's extension, then 'image'."""
    if pillow_format:
        return _FORMAT_NAMES.get(pillow_format, pillow_format)
    by_ext = {".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".jfif": "JPEG", ".png": "PNG", ".gif": "GIF",
              ".tif": "TIFF", ".tiff": "TIFF", ".webp": "WebP", ".bmp": "BMP", ".jp2": "JPEG 2000",
              ".j2k": "JPEG 2000", ".avif": "AVIF"}
    return by_ext.get(suffix.lower(), "image")


def describe_unreadable(head: bytes, suffix: str = "") -> str:
    """Reason for a file Pillow cannot identify, from its first bytes."""
    if not head:
        return "empty file (0 bytes)"
    magic = [
        (b"\xff\xd8\xff", "damaged JPEG image: the start of the file is there but its header cannot be read"),
        (b"\x89PNG", "damaged PNG image: the start of the file is there but its header cannot be read"),
        (b"GIF8", "damaged GIF image: the start of the file is there but its header cannot be read"),
        (b"II*\x00", "damaged or unsupported TIFF: its header cannot be read"),
        (b"MM\x00*", "damaged or unsupported TIFF: its header cannot be read"),
        (b"BM", "damaged or unsupported BMP: its header cannot be read"),
        (b"%PDF", "a PDF document, not an image: export its pages as images"),
        (b"%!PS", "a PostScript/EPS file, which Lookalike does not read: export it as PNG or TIFF"),
        (b"PK\x03\x04", "a ZIP archive (or Office document), not an image: unpack it first"),
        (b"Rar!", "a RAR archive, not an image: unpack it first"),
        (b"7z\xbc\xaf", "a 7-Zip archive, not an image: unpack it first"),
        (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (or Thumbs.db), not an image"),
        (b"\x00\x05\x16\x07", "a macOS resource fork (AppleDouble), not an image"),
        (b"8BPS", "a Photoshop file: save a flattened copy as TIFF or JPEG"),
    ]
    for prefix, reason in magic:
        if head.startswith(prefix):
            return reason
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "damaged WebP image: its header cannot be read"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "HEIC photo (the iPhone format) with an image name, which Lookalike cannot read: convert it to JPEG"
        if brand in (b"avif", b"avis"):
            return "AVIF image that this installation cannot read (Pillow without AVIF support)"
        return "a video or MP4/QuickTime file, not an image"
    text = _as_text(head)
    if text is not None:
        low = text.lstrip("\ufeff \t\r\n").lower()
        if low.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in low:
            return "a web page (HTML), not an image: probably a failed download"
        if "<svg" in low:
            return "a vector drawing (SVG), which Lookalike cannot read: export it as PNG"
        if low.startswith(("<?xml", "{", "[")):
            return "a text file (XML or JSON data), not an image"
        return "a text file, not an image"
    return (f"not an image: the content is not {_article(format_name(None, suffix))} "
            "or any format Lookalike reads (unknown or damaged)")


def _article(name: str) -> str:
    return ("an " if name[:1].upper() in "AEIOU" else "a ") + name


def _as_text(head: bytes) -> str | None:
    """The bytes as text when they look like text (UTF-8, UTF-16 with a BOM, Latin-1; no control characters)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
    else:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":  # cut inside a character
                text = head[:exc.start].decode("utf-8")
            else:
                text = head.decode("latin-1")
    if not text:
        return None
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\r\n\f") or 0x7F <= ord(ch) < 0xA0)
    return text if bad == 0 else None

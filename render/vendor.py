"""Copy the d3 modules the map explorer needs from node_modules into the site.

Third-party JS is never committed: `npm ci` installs the versions pinned in
package-lock.json and each build copies their prebuilt UMD files, so the site
works offline and from file:// without a CDN or a bundler.
"""
from __future__ import annotations

import json
from pathlib import Path

from core.errors import LookalikeError
from core.files import write_bytes

REPO_ROOT = Path(__file__).resolve().parent.parent

# Load order matters: each UMD file extends window.d3 and expects the modules
# it depends on to be there already.
MODULES = (
    "d3-dispatch",
    "d3-selection",
    "d3-color",
    "d3-interpolate",
    "d3-ease",
    "d3-timer",
    "d3-transition",
    "d3-drag",
    "d3-zoom",
    "d3-delaunay",  # its UMD build bundles delaunator and robust-predicates
)


class MissingFrontendError(LookalikeError):
    """The npm packages for the map are not installed (or out of date)."""


def _pinned_versions() -> dict[str, str]:
    try:
        return json.loads((REPO_ROOT / "package.json").read_text("utf-8")).get("dependencies", {})
    except (OSError, ValueError):
        return {}


def copy_vendor_scripts(site_dir: Path, node_modules: Path = REPO_ROOT / "node_modules", put=None) -> list[str]:
    """Copy the minified d3 dist files to site_dir/static/vendor/.

    Returns their site-relative paths ("static/vendor/d3-zoom.min.js", ...) in
    the order the <script> tags must load them; put(site path, bytes) writes them when given
    (render/sitefiles.py SiteFiles.put). Raises MissingFrontendError
    when node_modules lacks a module or holds a version other than the pinned one.
    """
    node_modules = Path(node_modules)
    hint = "run `npm ci` (or `make setup`) in the repository root"
    if not node_modules.is_dir():
        raise MissingFrontendError(f"front-end packages not installed: {node_modules} does not exist; {hint}")
    pinned = _pinned_versions()
    sources = []
    for name in MODULES:
        src = node_modules / name / "dist" / f"{name}.min.js"
        if not src.is_file():
            raise MissingFrontendError(f"front-end package {name} missing ({src} not found); {hint}")
        want = pinned.get(name)
        if want:
            try:
                have = json.loads((node_modules / name / "package.json").read_text("utf-8"))["version"]
            except (OSError, ValueError, KeyError):
                have = None
            if have != want:
                raise MissingFrontendError(
                    f"front-end package {name} is {have or 'unreadable'}, package.json pins {want}; {hint}")
        sources.append(src)

    paths = []
    for src in sources:
        rel = f"static/vendor/{src.name}"
        if put is not None:
            put(rel, src.read_bytes())
        else:
            write_bytes(Path(site_dir) / rel, src.read_bytes())  # atomic; unchanged files untouched
        paths.append(rel)
    return paths


# The photo query's runtime (render/photo_query.py): onnxruntime-web's WebAssembly-only build, a
# classic script and the one single-thread-capable .wasm with its loader (no other backend).
RUNTIME_PACKAGE = "onnxruntime-web"
RUNTIME_FILES = ("ort.wasm.min.js", "ort-wasm-simd-threaded.wasm", "ort-wasm-simd-threaded.mjs")


def runtime_files(node_modules: Path = REPO_ROOT / "node_modules") -> list[tuple[str, Path]]:
    """(file name, source) of onnxruntime-web's files, at the version package.json pins; raises
    MissingFrontendError when they are missing or another version is installed."""
    hint = "run `npm ci` (or `make setup`) in the repository root"
    folder = Path(node_modules) / RUNTIME_PACKAGE
    try:
        have = json.loads((folder / "package.json").read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        raise MissingFrontendError(f"front-end package {RUNTIME_PACKAGE} missing ({folder}); {hint}") from None
    want = _pinned_versions().get(RUNTIME_PACKAGE)
    if want and have != want:
        raise MissingFrontendError(f"front-end package {RUNTIME_PACKAGE} is {have}, package.json pins {want}; {hint}")
    files = [(name, folder / "dist" / name) for name in RUNTIME_FILES]
    missing = [str(src) for _, src in files if not src.is_file()]
    if missing:
        raise MissingFrontendError(f"front-end package {RUNTIME_PACKAGE} lacks {', '.join(missing)}; {hint}")
    return files

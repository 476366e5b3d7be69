"""static/photo_resize.js (the photo query's port of the build's preprocessing) against Pillow and
embed/images.py, byte for byte, run under node: the browser must give the model the same pixels."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embed.copies import fit, model_crop
from embed.images import _reduce, _transpose, decode

REPO = Path(__file__).resolve().parents[1]
PORT = REPO / "static" / "photo_resize.js"
RUNNER = r"""
const R = require(process.argv[1]); const fs = require("fs");
function load(p) { const b = fs.readFileSync(p), n = b.readUInt16LE(8), head = b.slice(10, 10 + n).toString();
  const s = head.match(/\((\d+), (\d+), 3\)/);
  return {h: +s[1], w: +s[2], data: new Uint8Array(b.buffer, b.byteOffset + 10 + n)}; }
const out = {};
for (const c of JSON.parse(fs.readFileSync(process.argv[2], "utf8"))) {
  const img = load(c.file); let got;
  if (c.op === "crop") { const k = Math.min(img.w, img.h) * 0.875, l = (img.w - k) / 2, t = (img.h - k) / 2;
                         got = R.resize(img, c.side, c.side, [l, t, l + k, t + k], 3.0); }
  else if (c.op === "fit") { const s = R.fittedSize(img.w, img.h, c.size); got = R.resize(img, s[0], s[1], null, 2.0); }
  else if (c.op === "reduce") { const f = Math.floor(Math.max(img.w, img.h) / c.size); got = R.reduce(img, f, f); }
  else if (c.op === "turn") got = R.transpose(img, c.orientation, c.inverse);
  else got = {w: 224, h: 224, data: R.modelInput(img, c.meta, c.size, 224)};
  fs.writeFileSync(c.file + ".got", Buffer.from(got.data.buffer, got.data.byteOffset, got.data.length));
  out[c.name] = [got.w, got.h];
}
console.log(JSON.stringify(out));
"""


def run_port(tmp_path: Path, cases: list[dict], arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each case's output of the port, as (h, w, 3) arrays."""
    if not shutil.which("node"):
        pytest.skip("node is not installed")
    for c in cases:
        c["file"] = str(tmp_path / f"{c['name']}.npy")
        np.save(c["file"], np.ascontiguousarray(arrays[c["name"]], np.uint8))
    spec = tmp_path / "cases.json"
    spec.write_text(json.dumps(cases))
    run = subprocess.run(["node", "-e", RUNNER, str(PORT), str(spec)], capture_output=True, text=True, check=True)
    sizes = json.loads(run.stdout)
    return {c["name"]: np.fromfile(c["file"] + ".got", np.uint8).reshape(sizes[c["name"]][1], sizes[c["name"]][0], 3)
            for c in cases}


def photo(size=None) -> np.ndarray:
    """A real-looking picture (no test data needed): smooth shapes, edges and noise."""
    rng = np.random.default_rng(3)
    h, w = size or (301, 457)
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([128 + 100 * np.sin(x / 17.0), 128 + 90 * np.cos(y / 11.0), (x * y) % 255], axis=-1)
    img[(x - w / 2) ** 2 + (y - h / 3) ** 2 < (min(w, h) / 4) ** 2] = (250, 30, 60)
    return np.clip(img + rng.normal(0, 12, img.shape), 0, 255).astype(np.uint8)


def test_each_step_of_the_port_gives_pillows_bytes(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {"noise": rng.integers(0, 256, (301, 457, 3), dtype=np.uint8), "photo": photo(),
              "fit": photo((2100, 2900)), "reduce": photo((2213, 3100)),  # factor 3, partial boxes at both edges
              "gapcrop": photo((2050, 1900)),  # the crop's side / 224 / 3 >= 2: reduce(2) before the resample
              **{f"t{o}": rng.integers(0, 256, (5, 7, 3), dtype=np.uint8) for o in range(2, 9)}}
    cases = [{"name": "noise", "op": "crop", "side": 224}, {"name": "photo", "op": "crop", "side": 224},
             {"name": "fit", "op": "fit", "size": 1024}, {"name": "reduce", "op": "reduce", "size": 1024},
             {"name": "gapcrop", "op": "crop", "side": 224}]
    cases += [{"name": f"t{o}", "op": "turn", "orientation": o, "inverse": False} for o in range(2, 9)]
    got = run_port(tmp_path, cases, arrays)
    want = {"noise": model_crop(Image.fromarray(arrays["noise"]), 224),
            "photo": model_crop(Image.fromarray(arrays["photo"]), 224),
            "fit": np.asarray(fit(Image.fromarray(arrays["fit"]), 1024)),
            "reduce": np.asarray(_reduce(Image.fromarray(arrays["reduce"]), 1024)),
            "gapcrop": model_crop(Image.fromarray(arrays["gapcrop"]), 224),
            **{f"t{o}": np.asarray(_transpose(Image.fromarray(arrays[f"t{o}"]), o)) for o in range(2, 9)}}
    assert got["reduce"].shape == (738, 1034, 3)
    for name in want:
        assert got[name].shape == want[name].shape, name
        differ = np.count_nonzero(got[name] != want[name])
        assert differ == 0, f"{name}: {differ} bytes differ"


def test_the_whole_preparation_equals_the_builds_decode(tmp_path):
    """modelInput from the upright pixels a browser decodes == embed/images.py decode's model
    input: a PNG larger than the display size (reduced, then fitted), a small JPEG, and photos
    whose EXIF turns them a quarter (the port turns back, reduces, turns again, as the build)."""
    big = photo((2300, 3300))
    files = {"big.png": (big, {}), "small.jpg": (photo(), {}), "turned.png": (photo((2400, 1300)), {"exif": 6}),
             "turned.jpg": (photo((300, 420)), {"exif": 8})}
    arrays, cases, want = {}, [], {}
    for name, (pixels, opts) in files.items():
        path = tmp_path / name
        im = Image.fromarray(pixels)
        exif = Image.Exif()
        if opts.get("exif"):
            exif[0x0112] = opts["exif"]
        im.save(path, exif=exif.tobytes(), **({"quality": 90} if name.endswith(".jpg") else {}))
        with Image.open(path) as opened:  # what the browser decodes: the file's pixels, upright
            from PIL import ImageOps
            upright = np.asarray(ImageOps.exif_transpose(opened).convert("RGB"))
        key = name.replace(".", "_")
        arrays[key] = upright
        cases.append({"name": key, "op": "model", "size": 1024,
                      "meta": {"orientation": opts.get("exif", 1), "jpeg": name.endswith(".jpg"),
                               "progressive": False}})
        want[key] = decode(path, 224, 256, 1024).model_input
    got = run_port(tmp_path, cases, arrays)
    for key in want:
        assert np.array_equal(got[key], want[key]), f"{key}: {np.count_nonzero(got[key] != want[key])} bytes differ"

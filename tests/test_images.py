import io

import numpy as np
import pytest
from PIL import Image

from embed.images import ImageDecodeError, decode, model_crop, to_rgb


def jpeg_with_orientation(path, orientation):
    img = Image.new("RGB", (80, 40), (255, 255, 255))
    img.paste((255, 0, 0), (0, 0, 20, 40))  # red band on the left edge as stored
    exif = Image.Exif()
    exif[0x0112] = orientation
    img.save(path, exif=exif.tobytes(), quality=95)


def test_exif_rotation_is_applied_everywhere(tmp_path):
    p = tmp_path / "rot.jpg"
    jpeg_with_orientation(p, 6)  # stored landscape, shown rotated 90 degrees clockwise
    d = decode(p, 32, 64, 128)
    assert (d.width, d.height) == (40, 80)
    thumb = Image.open(io.BytesIO(d.thumb_jpeg))
    assert thumb.size[1] > thumb.size[0]  # upright = portrait
    top = np.asarray(thumb)[2, thumb.size[0] // 2]
    assert top[0] > 200 and top[1] < 80  # the red band is now at the top


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "P", "CMYK", "I;16", "1"])
def test_every_mode_becomes_rgb(mode):
    base = Image.new("RGB", (10, 10), (30, 60, 90))
    if mode == "I;16":
        img = Image.fromarray(np.full((10, 10), 65535, np.uint16))
    elif mode == "P":
        img = base.convert("P")
        img.info["transparency"] = 0
    else:
        img = base.convert(mode)
    out = to_rgb(img)
    assert out.mode == "RGB" and out.size == (10, 10)
    if mode == "I;16":
        assert np.asarray(out).min() == 255  # full-scale 16-bit white stays white


def test_transparent_pixels_become_white():
    img = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    assert np.asarray(to_rgb(img))[0, 0].tolist() == [255, 255, 255]


def test_sizes_are_capped_and_never_enlarged(tmp_path):
    p = tmp_path / "big.png"
    Image.new("RGB", (300, 150), (0, 128, 0)).save(p)
    d = decode(p, 64, 50, 200)
    assert Image.open(io.BytesIO(d.display_jpeg)).size == (200, 100)
    assert Image.open(io.BytesIO(d.thumb_jpeg)).size == (50, 25)
    assert d.model_input.shape == (64, 64, 3) and d.model_input.dtype == np.uint8
    small = decode(p, None, 1000, 1000)
    assert Image.open(io.BytesIO(small.display_jpeg)).size == (300, 150) and small.model_input is None


def test_model_crop_takes_the_centre():
    arr = np.zeros((100, 200, 3), np.uint8)
    arr[:, :50] = 255  # white only in the left quarter, outside the centre square
    out = model_crop(Image.fromarray(arr), 32)
    assert out.shape == (32, 32, 3) and out.max() == 0


@pytest.mark.parametrize("content,reason", [
    (b"not an image at all", "not an image"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image"),
])
def test_bad_files_raise_a_readable_reason(tmp_path, content, reason):
    p = tmp_path / "bad.jpg"
    p.write_bytes(content)
    with pytest.raises(ImageDecodeError, match=reason):
        decode(p, 32, 32, 32)


def test_truncated_jpeg_is_reported(tmp_path):
    p = tmp_path / "t.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), np.uint8)).save(p, quality=90)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(ImageDecodeError, match="truncated|damaged"):
        decode(p, 32, 32, 32)


def test_animated_gif_uses_first_frame(tmp_path):
    p = tmp_path / "a.gif"
    frames = [Image.new("RGB", (20, 20), c) for c in [(255, 0, 0), (0, 0, 255)]]
    frames[0].save(p, save_all=True, append_images=frames[1:], duration=100)
    d = decode(p, 16, 16, 16)
    r, g, b = d.model_input[8, 8]
    assert r > 200 and b < 60

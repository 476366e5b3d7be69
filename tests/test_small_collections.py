"""What a user of tiny images, same-named files and link previews sees (no TensorFlow: colour only)."""
import re

from PIL import Image

from render.urls import page_path, thumb_path
from tests.conftest import read_points, run_build, solid


def test_tiny_images_same_names_favicon_and_previews(tmp_path):
    coll = tmp_path / "cifar"
    for k, cls in enumerate(("airplane", "cat", "ship")):
        for i in range(3):
            solid(coll / cls / f"{i:04d}.png", (60 * k + 20 * i, 200 - 50 * k, 40 + 60 * i), size=(32, 32))
    out = tmp_path / "site"
    assert run_build("--collection", coll, "--out", out, "--work-dir", tmp_path / "w", "--facets", "colour",
                     "--base-url", "https://user.github.io/cifar/", "--quiet") == 0
    points = read_points(out)
    assert sorted(points["titles"])[:3] == ["airplane / 0000", "airplane / 0001", "airplane / 0002"]
    assert len(set(points["titles"])) == 9  # no two images share a title in cards and lists

    page = (out / page_path(points["ids"][0])).read_text()
    img = re.search(r'<figure class="artwork-figure">\s*<img [^>]+>', page).group(0)
    assert 'width="320" height="320"' in img and 'class="upscaled px"' in img  # 32 px shown at 10x, crisp
    assert page.count('class="px"') == 8  # the neighbours' thumbnails too
    assert f'<meta property="og:image" content="https://user.github.io/cifar/{thumb_path(points["ids"][0])}">' in page
    assert '<link rel="icon" type="image/png" href="../../favicon.png">' in page

    index = (out / "index.html").read_text()
    assert re.search(r"<h1 class=\"site-name\"><a href=\"index.html\">", index)
    with Image.open(out / "favicon.png") as icon:
        assert icon.size == (64, 64) and icon.format == "PNG"


def test_render_alone_refuses_a_layout_made_for_other_images(tmp_path, capsys):
    """embed replaced an image (same count); render alone must say to run layout, not shift rows."""
    coll = tmp_path / "pics"
    for i in range(6):
        solid(coll / f"p{i}.png", (40 * i, 200 - 30 * i, 90))
    common = ["--collection", coll, "--work-dir", tmp_path / "w", "--facets", "colour", "--quiet"]
    assert run_build(*common, "--out", tmp_path / "site") == 0
    (coll / "p0.png").unlink()
    solid(coll / "zz.png", (250, 250, 10))
    assert run_build("embed", *common) == 0
    capsys.readouterr()
    assert run_build("render", *[a for a in common if a not in ("--facets", "colour")], "--out", tmp_path / "site") == 2
    assert "run `python build.py layout` first" in capsys.readouterr().err

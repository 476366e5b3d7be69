from render.urls import absolute_url, relative_url


def test_relative_from_root_and_subfolder():
    assert relative_url("index.html", "image/abc.html") == "image/abc.html"
    assert relative_url("image/abc.html", "thumbs/abc.jpg") == "../thumbs/abc.jpg"
    assert relative_url("image/abc.html", "image/def.html") == "def.html"
    assert relative_url("image/abc.html", "index.html", "abc") == "../index.html#abc"


def test_special_characters_are_quoted():
    assert relative_url("index.html", "media/a b#?.jpg") == "media/a%20b%23%3F.jpg"


def test_absolute_only_with_base_url():
    assert absolute_url("", "thumbs/a.jpg") == ""
    assert absolute_url("https://u.github.io/repo/", "thumbs/a.jpg") == "https://u.github.io/repo/thumbs/a.jpg"

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


def test_per_image_files_are_sharded_by_id_prefix():
    """256 folders: a 100,000-image site has ~400 files a folder, under GitHub's 3,000."""
    from render.urls import list_path, media_path, page_path, thumb_path

    assert page_path("abcdef012345") == "image/ab/abcdef012345.html"
    assert thumb_path("abcdef012345") == "thumbs/ab/abcdef012345.jpg"
    assert media_path("0bcdef012345") == "media/0b/0bcdef012345.jpg"
    assert relative_url(page_path("abcdef012345"), page_path("ffcdef012345")) == "../ff/ffcdef012345.html"
    assert (list_path(1), list_path(2)) == ("index.html", "list/2.html")

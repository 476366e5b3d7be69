"""Issue #24, settings: every setting is checked before the first image is decoded, and a bad one
ends in a message naming the key, what was expected and what arrived, never in "unexpected error"
after the long work. No model is loaded here: each case stops before embedding."""
import pytest

from tests.conftest import run_build, solid


@pytest.fixture
def pictures(tmp_path):
    for i, colour in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200)]):
        solid(tmp_path / "pictures" / f"p{i}.png", colour)
    return tmp_path / "pictures"


def build(pictures, *extra) -> int:
    tmp = pictures.parent
    return run_build("--collection", pictures, "--out", tmp / "site", "--work-dir", tmp / "work",
                     "--facets", "colour", "--quiet", *extra)


def nothing_done(pictures) -> bool:
    tmp = pictures.parent
    return not (tmp / "site").exists() and not list(tmp.rglob("manifest.json")) and not list(tmp.rglob("*.npy"))


@pytest.mark.parametrize("flag, value, expected", [
    ("--seed", "-1", "[map] seed must be an integer from 0 to 2147483647, found -1"),
    ("--seed", "2147483648", "[map] seed must be an integer from 0 to 2147483647, found 2147483648"),
    ("--trees", "0", "[neighbours] trees must be an integer from 1 to 1000, found 0"),
    ("--trees", "2147483648", "[neighbours] trees must be an integer from 1 to 1000, found 2147483648"),
    ("--perplexity", "inf", "[map] perplexity must be a finite number, found inf"),
    ("--perplexity", "nan", "[map] perplexity must be a finite number, found nan"),
    ("--perplexity", "0", "[map] perplexity must be a number > 0 and at most 1000, found 0.0"),
    ("--neighbours", "0", "[neighbours] k must be an integer >= 1, found 0"),
    ("--base-url", "javascript:alert(1)", "[site] base_url must be empty or an http(s) URL"),
    ("--base-url", 'https://x.org/" onload="alert(1)', "[site] base_url must be empty or an http(s) URL"),
])
def test_a_bad_flag_stops_before_any_image_is_read(pictures, capsys, flag, value, expected):
    assert build(pictures, flag, value) == 2
    err = capsys.readouterr().err
    assert f"lookalike: error: command line {flag}: {expected}" in err, err
    assert "unexpected error" not in err and nothing_done(pictures)


@pytest.mark.parametrize("toml, expected", [
    ("[map]\nseed = -1\n", "[map] seed must be an integer from 0 to 2147483647, found -1"),
    ("[map]\nseed = 2147483648\n", "[map] seed must be an integer from 0 to 2147483647, found 2147483648"),
    ("[map]\nperplexity = inf\n", "[map] perplexity must be a finite number, found inf"),
    ("[model]\nbatch_size = 99999999999999999999\n",
     "[model] batch_size must be an integer >= 1, at most 2147483647; found 99999999999999999999"),
    ('[site]\nbase_url = "javascript:alert(document.domain)"\n',
     "[site] base_url must be empty or an http(s) URL, e.g. \"https://user.github.io/repo/\", "
     "found 'javascript:alert(document.domain)'"),
])
def test_a_bad_value_in_site_toml_stops_before_any_image_is_read(pictures, capsys, toml, expected):
    cfg = pictures.parent / "site.toml"
    cfg.write_text(toml)
    assert build(pictures, "--config", cfg) == 2
    err = capsys.readouterr().err
    assert f"{cfg}: {expected}" in err, err
    assert "unexpected error" not in err and nothing_done(pictures)


@pytest.mark.parametrize("where", ["given", "in the collection"])
def test_a_site_toml_that_is_not_utf8_names_the_byte_and_line(pictures, capsys, where):
    cfg = pictures / "site.toml" if where == "in the collection" else pictures.parent / "site.toml"
    cfg.write_bytes(b'[site]\ntitle = "Caf\xe9"\n')  # Windows-1252
    assert (build(pictures, "--config", cfg) if where == "given" else build(pictures)) == 2
    err = capsys.readouterr().err
    assert f"{cfg} is not UTF-8 text: byte 19 (line 2) is 0xe9. Save it as UTF-8" in err, err
    assert "unexpected error" not in err and nothing_done(pictures)


def test_a_config_that_is_a_folder_is_named(pictures, capsys):
    assert build(pictures, "--config", pictures) == 2
    err = capsys.readouterr().err
    assert f"config file {pictures} is a folder, not a file" in err and "unexpected error" not in err


def test_a_work_dir_that_is_a_file_is_refused_before_any_work(pictures, capsys):
    tmp = pictures.parent
    (tmp / "notes.txt").write_text("the user's notes\n")
    assert run_build("--collection", pictures, "--out", tmp / "site", "--work-dir", tmp / "notes.txt",
                     "--facets", "colour", "--quiet") == 2
    err = capsys.readouterr().err
    assert f"command line --work-dir: [build] work_dir {tmp / 'notes.txt'} is a file, not a folder" in err, err
    assert (tmp / "notes.txt").read_text() == "the user's notes\n" and not (tmp / "site").exists()


def test_a_work_dir_below_a_file_is_refused(pictures, capsys):
    tmp = pictures.parent
    (tmp / "notes.txt").write_text("x")
    assert run_build("--collection", pictures, "--out", tmp / "site", "--work-dir", tmp / "notes.txt" / "w",
                     "--facets", "colour", "--quiet") == 2
    err = capsys.readouterr().err
    assert f"cannot be made: {tmp / 'notes.txt'} is a file, not a folder" in err, err


def test_a_collection_site_toml_is_named_with_every_key_it_sets(pictures, capsys):
    (pictures / "site.toml").write_text('[site]\ntitle = "Theirs"\n[neighbours]\nk = 0\n')
    assert build(pictures) == 2  # its k is wrong; still named first
    err = capsys.readouterr().err
    assert "[neighbours] k must be an integer >= 1, found 0" in err
    (pictures / "site.toml").write_text('[site]\ntitle = "Theirs"\n[map]\nseed = 7\n')
    from core import cli
    from core.log import QUIET

    cli.resolve_settings(cli.parse_args(["embed", "--collection", str(pictures), "--quiet"]), QUIET)  # said even so
    err = capsys.readouterr().err
    assert f"config: {pictures / 'site.toml'} is inside the collection folder; it sets [map] seed, [site] title" in err


def test_good_values_still_pass():
    from core.setting import branch_name, remote_kind, web_url

    assert [remote_kind(v) for v in ("origin", "git@github.com:u/r.git", "https://github.com/u/r.git",
                                     "ssh://git@github.com/u/r.git", "../r.git", "file:///tmp/r.git")] == \
        ["name", "url", "url", "url", "path", "path"]
    assert all(branch_name(v) for v in ("gh-pages", "site/2024", "pages_été"))
    assert all(web_url(v) for v in ("", "https://user.github.io/repo/", "http://localhost:8000/"))

"""The command line: instant help, config file paths, flags over the file."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from core import cli
from core.config import ConfigError
from core.log import QUIET
from tests.conftest import run_build, solid

REPO = Path(__file__).resolve().parent.parent


def test_help_is_instant_and_imports_no_tensorflow():
    code = ("import sys, build\ntry:\n    build.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('tensorflow', 'keras', 'openTSNE', 'annoy', 'jinja2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert "--collection" in out and out.strip().endswith("[]")


def test_config_paths_are_relative_to_the_file_and_flags_win(tmp_path, monkeypatch):
    proj = tmp_path / "proj"
    solid(proj / "pics" / "a.png", (10, 20, 30))
    (proj / "site.toml").write_text('[site]\ncollection = "pics"\noutput = "out"\ntitle = "From file"\n'
                                    '[neighbours]\nk = 5\n')
    monkeypatch.chdir(tmp_path)
    args = cli.parse_args(["--config", "proj/site.toml", "-k", "3"])
    settings, base = cli.resolve_settings(args, QUIET)
    assert Path(settings.site.collection) == proj / "pics" and Path(settings.site.output) == proj / "out"
    assert settings.neighbours.k == 3 and settings.site.title == "From file" and base == proj


def test_missing_collection_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="no collection given"):
        cli.resolve_settings(cli.parse_args([]), QUIET)


def test_each_command_offers_only_the_flags_of_its_stage():
    embed = cli.make_parser("embed").format_help()
    layout = cli.make_parser("layout").format_help()
    render = cli.make_parser("render").format_help()
    full = cli.make_parser("build").format_help()
    assert "--model" in embed and "--model" not in layout and "--model" not in render
    assert "--perplexity" in layout and "--perplexity" not in embed and "--perplexity" not in render
    assert "--title" in render and "--title" not in embed and "--out" not in layout
    for flag in ("--model", "--perplexity", "--title", "--collection", "--work-dir", "--force", "--strict"):
        assert flag in full, flag
    assert cli.parse_args(["layout", "--collection", "x"]).command == "layout"
    assert cli.parse_args(["--collection", "x"]).command == "build"  # today's usage runs all three


def test_a_stage_before_its_inputs_says_which_to_run(tmp_path, capsys):
    solid(tmp_path / "pics" / "a.png", (10, 20, 30))
    assert run_build("render", "--collection", tmp_path / "pics", "--work-dir", tmp_path / "w",
                     "--out", tmp_path / "s") == 2
    err = capsys.readouterr().err
    assert "no manifest" in err and "python build.py embed" in err and "Traceback" not in err


def test_bad_config_exits_2_with_message(tmp_path, capsys):
    cfg = tmp_path / "site.toml"
    cfg.write_text("[neighbours]\nk = 0\n")
    assert run_build("--config", cfg, "--collection", tmp_path) == 2
    err = capsys.readouterr().err
    assert "[neighbours] k must be an integer >= 1, found 0" in err and "Traceback" not in err


@pytest.mark.slow
def test_build_from_config_file_writes_where_the_file_says(tmp_path, monkeypatch):
    proj = tmp_path / "proj"
    for i in range(3):
        solid(proj / "pics" / f"{i}.png", (i * 80, 40, 200 - i * 60))
    (proj / "site.toml").write_text('[site]\ncollection = "pics"\noutput = "out"\ntitle = "Tiny <b>"\n')
    monkeypatch.chdir(tmp_path)
    assert run_build("--config", "proj/site.toml", "--quiet", "--report", "r.json") == 0
    assert (proj / "out" / "index.html").exists() and (proj / ".lookalike" / "cache").is_dir()
    assert "Tiny &lt;b&gt;" in (proj / "out" / "index.html").read_text()
    assert json.loads((tmp_path / "r.json").read_text())["images"] == 3

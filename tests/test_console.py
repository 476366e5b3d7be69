"""A normal build's console: our progress and summary only, no library chatter."""
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO, pattern_collection

pytestmark = pytest.mark.slow
NOISE = ("absl", "oneDNN", "I0000", "W0000", "tensorflow", "cuda", "Warning")


def build(tmp_path, *flags) -> subprocess.CompletedProcess:
    coll = pattern_collection(tmp_path / "coll", 2)
    return subprocess.run([sys.executable, str(REPO / "build.py"), "--collection", str(coll), "--out",
                           str(tmp_path / "site"), "--work-dir", str(tmp_path / "work"), *flags],
                          capture_output=True, text=True, cwd=tmp_path, check=True)


def test_a_normal_build_prints_no_third_party_lines(tmp_path):
    run = build(tmp_path)
    lines = run.stderr.splitlines()
    assert [line for line in lines if any(word in line for word in NOISE)] == []
    # not a terminal: one line per long step, with its count and time, and no ETA guesses
    assert any(re.match(r"  embed +6/6 images in [0-9.]+ s", line) for line in lines), lines
    assert any(re.match(r"  map content +750/750 iterations in", line) for line in lines), lines
    assert not any("ETA" in line for line in lines)
    assert "Lookalike: 6 images" in run.stdout
    assert "the rest from the cache" not in run.stdout
    assert (tmp_path / "work" / "logs" / "libraries.log").is_file()  # where the library lines went


def test_quiet_prints_nothing_but_the_summary(tmp_path):
    run = build(tmp_path, "--quiet")
    assert run.stderr == "" and run.stdout.startswith("Lookalike: 6 images")

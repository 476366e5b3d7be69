"""core/console.py: native lines go to the log; Python's stderr (and what libraries keep of it) still works."""
import subprocess
import sys

from tests.conftest import REPO

CODE = r"""
import logging, os, sys
sys.path.insert(0, {repo!r})
from core.console import quiet_libraries
with quiet_libraries({log!r}):
    os.write(2, b"native line\n")              # like TensorFlow's C++ logging
    print("ours", file=sys.stderr)
    kept = logging.StreamHandler(sys.stderr)    # like TensorFlow's logger, made during the build
log = logging.getLogger("after"); log.addHandler(kept); log.warning("later line")
os.write(2, b"native after\n")
print(os.environ.get("TF_CPP_MIN_LOG_LEVEL"), file=sys.stderr)
"""


def test_native_lines_go_to_the_log_and_streams_survive(tmp_path):
    log = tmp_path / "logs" / "libraries.log"
    run = subprocess.run([sys.executable, "-c", CODE.format(repo=str(REPO), log=str(log))],
                         capture_output=True, text=True, check=True)
    assert run.stderr.splitlines() == ["ours", "later line", "native after", "None"]
    assert log.read_text() == "native line\n"

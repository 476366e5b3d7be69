"""Atomic writes: readable like any file the user would create, untouched when unchanged."""
import os
import stat

from core import files


def _mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def test_written_files_get_the_usual_mode_not_mkstemps_0600(tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    p = tmp_path / "page.html"
    assert files.write_bytes(p, b"<p>hi</p>") is True
    assert _mode(p) == 0o666 & ~mask  # 0644 under umask 022: a web server's user can read it
    if mask & 0o044 == 0:
        assert _mode(p) & 0o044 == 0o044


def test_unchanged_file_is_left_alone_but_a_0600_mode_is_repaired(tmp_path):
    p = tmp_path / "thumb.jpg"
    files.write_bytes(p, b"jpeg")
    os.chmod(p, 0o600)  # as written by builds before this fix
    before = os.stat(p).st_mtime_ns
    assert files.write_bytes(p, b"jpeg") is False
    assert os.stat(p).st_mtime_ns == before and _mode(p) == 0o600 | (files.FILE_MODE & 0o444)
    os.chmod(p, 0o664)  # a mode chosen on purpose (group-writable) is kept
    files.write_bytes(p, b"jpeg")
    assert _mode(p) == 0o664 | (files.FILE_MODE & 0o444)
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))

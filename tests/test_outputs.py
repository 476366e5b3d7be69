"""Render's write phase is a list of outputs (render/outputs.py): an output is one entry, its
files are written through SiteFiles and made again only when their key or the file changed,
and what it keeps between builds is one record of the work folder's SiteState."""
from __future__ import annotations

import os
from types import SimpleNamespace

from core.site_state import SiteState
from render.outputs import OUTPUTS, File, Output, write
from render.sitefiles import RECORD, SiteFiles


def _build(tmp_path, output: Output, b: SimpleNamespace) -> list[str]:
    b.site = SiteFiles(tmp_path / "site")
    try:
        made = write(output, b)
    except BaseException:
        b.site.abort()
        raise
    b.site.finish()
    return made


def test_a_new_output_is_one_entry_made_again_only_when_its_key_changes(tmp_path):
    calls = []

    def make(text):
        calls.append(text)
        return text

    key = ["v1"]
    extra = Output("extra", lambda b: [File("extra/a.txt", key[0], lambda: make("a " + key[0])),
                                       File("extra/b.txt", None, lambda: make("b"))])
    b = SimpleNamespace(state=SiteState(tmp_path / "work"))
    assert _build(tmp_path, extra, b) == ["extra/b.txt", "extra/a.txt"] and calls == ["a v1", "b"]
    site = tmp_path / "site"
    assert (site / "extra" / "a.txt").read_text() == "a v1" and "extra/a.txt" in (site / RECORD).read_text()
    assert "extra/a.txt" in b.state.read("extra")

    calls.clear()
    assert _build(tmp_path, extra, b) == ["extra/b.txt"] and calls == ["b"]  # keyed: not made; unkeyed: compared
    key[0] = "v2"
    assert (_build(tmp_path, extra, b) == ["extra/b.txt", "extra/a.txt"]
            and (site / "extra" / "a.txt").read_text() == "a v2")
    calls.clear()
    os.utime(site / "extra" / "a.txt", ns=(1, 1))  # touched since it was written: made again
    _build(tmp_path, extra, b)
    assert "a v2" in calls


def test_a_group_key_keeps_every_file_without_listing_them(tmp_path):
    listed = []

    def files(b):
        listed.append(1)
        return [File(f"g/{i}.txt", "k", lambda i=i: str(i)) for i in range(3)]

    group = Output("grouped", files, paths=lambda b: [f"g/{i}.txt" for i in range(3)], group=lambda b: b.key)
    b = SimpleNamespace(state=SiteState(tmp_path / "work"), key="all-1")
    _build(tmp_path, group, b)
    assert _build(tmp_path, group, b) == [] and listed == [1]  # unchanged: not even listed
    assert sorted(p.name for p in (tmp_path / "site" / "g").iterdir()) == ["0.txt", "1.txt", "2.txt"]
    b.key = "all-2"
    _build(tmp_path, group, b)
    assert listed == [1, 1]


def test_a_damaged_record_means_make_it_again(tmp_path):
    made = []
    out = Output("extra", lambda b: [File("x.txt", "k", lambda: made.append(1) or "x")])
    b = SimpleNamespace(state=SiteState(tmp_path / "work"))
    _build(tmp_path, out, b)
    for damage in ("{broken", "[]", '{"x.txt": 5}', '{"x.txt": ["k"]}'):
        b.state.path("extra").write_text(damage)
        _build(tmp_path, out, b)
    assert len(made) == 5 and (tmp_path / "site" / "x.txt").read_text() == "x"


def test_every_output_keeps_its_own_record():
    """A new output needs no other change than its entry: only its name must be its own."""
    names = [o.name for o in OUTPUTS if o.name]
    assert len(names) == len(set(names)) and not {"atlas-made", "sizes", "files"} & set(names)
    assert {"copies", "points", "exports", "lists", "pages", "atlas"} <= set(names)

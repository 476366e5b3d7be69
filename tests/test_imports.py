"""The stages talk only through the work folder: no stage imports another (an AST check, as
tests/test_cli.py checks the heavy imports). Whatever two stages both need is the contract,
and lives in core/ (the manifest, the work folder's readers, the names, the vocabulary)."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "embed", "layout", "render", "query", "deploy")

# What each package may import of the others (itself always).
ALLOWED = {
    "core": {"core"},
    "embed": {"core", "embed"},
    "layout": {"core", "layout"},
    "render": {"core", "render"},
    "query": {"core", "query"},
    "deploy": {"core", "deploy"},
}
# The imports across stages that are the point of their module, each with its reason: query
# embeds a photo with the very model embed used, and prints the pages' addresses as render
# lays them out; deploy checks the site render wrote with render's own link check and budgets.
ACROSS = {
    ("query/by_image.py", "embed.backbones"), ("query/by_image.py", "embed.reader"),
    ("query/by_image.py", "embed.backbones.registry"), ("query/command.py", "embed.precision"),
    ("query/command.py", "render.urls"),
    ("deploy/stage.py", "render.linkcheck"), ("deploy/stage.py", "render.output"),
}


def imports_of(path: Path) -> list[str]:
    """Every module a file imports, at its top or inside a function (absolute names)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            if node.module in PACKAGES:  # `from render import stage`
                names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def crossings() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            for name in imports_of(path):
                top = name.split(".")[0]
                if top in PACKAGES and top not in ALLOWED[package] and (rel, name) not in ACROSS:
                    found.append(f"{rel} imports {name}")
    return found


def test_no_stage_imports_another():
    assert crossings() == []


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from embed.copies import copy_sizes\n    import layout.projection\n"
                     "from render import stage\n")
    assert sorted(imports_of(probe)) == ["embed.copies", "layout.projection", "render", "render.stage"]


def test_every_allowed_crossing_is_still_there():
    """An exception that is no longer needed goes from the list."""
    seen = {(path.relative_to(REPO).as_posix(), name) for package in ("query", "deploy")
            for path in (REPO / package).rglob("*.py") for name in imports_of(path)}
    assert ACROSS <= seen


def parameters(node) -> int:
    a = node.args
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs] + [x.arg for x in (a.vararg, a.kwarg) if x]
    return len([n for n in names if n not in ("self", "cls")])


def test_no_render_function_takes_over_seven_parameters():
    """A function that needs more is handed an object that holds them (render/stage.py Build,
    render/pages.py PageInputs, render/budget.py Planned), not a longer list."""
    long = [f"{path.relative_to(REPO).as_posix()}:{node.name} ({parameters(node)})"
            for path in sorted((REPO / "render").rglob("*.py"))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and parameters(node) > 7]
    assert long == []

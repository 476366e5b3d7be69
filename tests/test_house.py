"""The house rules of issue #25 that a reader can check by eye, checked by the machine:
no product function takes more than 7 parameters, and only the reporter (core/log.py,
core/progress.py) writes progress, warnings or notes; the commands write their output."""
import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PRODUCT = ("build.py", "core", "embed", "layout", "render", "deploy", "query")
MAX_PARAMETERS = 7

REPORTER = {"core/log.py", "core/progress.py"}
COMMAND_OUTPUT = {"build.py", "query/command.py"}  # the summary and the hits, on stdout
# Writing to stderr, drawing progress, or the old say() callback.
SAYS = re.compile(r"file\s*=\s*sys\.stderr|stderr\.write\(|\bsay\(|\bProgress\(|\btqdm\b")


def product_files() -> list[Path]:
    out = []
    for name in PRODUCT:
        path = REPO / name
        out += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return out


def parameters(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Positional and keyword parameters, self/cls excluded; *args and **kwargs count one each."""
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args]
    if names and names[0] in ("self", "cls"):
        names = names[1:]
    return len(names) + len(a.kwonlyargs) + (a.vararg is not None) + (a.kwarg is not None)


def rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_no_product_function_takes_more_than_seven_parameters():
    over = {}
    for path in product_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and parameters(node) > MAX_PARAMETERS:
                over[f"{rel(path)}:{node.name}"] = parameters(node)
    assert over == {}, \
        f"functions with more than {MAX_PARAMETERS} parameters (group them, or pass the step's settings view): {over}"


def test_the_parameter_count_counts_what_a_caller_passes():
    fn = ast.parse("class A:\n    def f(self, a, b=1, *rest, c, **more): pass").body[0].body[0]
    assert parameters(fn) == 5


def test_only_the_reporter_says_progress_and_notes():
    said = {}
    for path in product_files():
        name = rel(path)
        if name in REPORTER:
            continue
        text = path.read_text(encoding="utf-8")
        lines = [f"{i}: {line.strip()}" for i, line in enumerate(text.splitlines(), 1) if SAYS.search(line)]
        if name not in COMMAND_OUTPUT:
            lines += [f"{i}: {line.strip()}" for i, line in enumerate(text.splitlines(), 1)
                      if re.search(r"(?<![\w.])print\(", line)]
        if lines:
            said[name] = lines
    assert said == {}, f"say it through the step's log (core/log.py info, warning, progress): {said}"


def test_no_quiet_flag_travels_through_the_stages():
    """--quiet lives in the Log; no stage, query or core module takes it, or a say callback."""
    takes = []
    for path in product_files():
        name = rel(path)
        if name in REPORTER:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                a = node.args
                if any(x.arg in ("quiet", "say") for x in a.posonlyargs + a.args + a.kwonlyargs):
                    takes.append(f"{name}:{node.name}")
    assert takes == []


def test_every_step_has_the_one_shape():
    """build.py's table names every step of core/config.py STAGES, each with run(folder, settings, log)
    and, where it has one, check(folder, settings, log)."""
    import inspect

    import build
    from core.config import STAGES

    assert [s.name for s in build.STEPS] == list(STAGES)
    assert all(set(steps) <= set(STAGES) for steps in build.COMMANDS.values())
    for step in build.STEPS:
        module = build._module(step)
        for name in ("run", "check"):
            if name == "run" or hasattr(module, name):
                assert list(inspect.signature(getattr(module, name)).parameters) == ["folder", "settings", "log"], \
                    (step.name, name)

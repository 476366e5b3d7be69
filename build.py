#!/usr/bin/env python3
"""Lookalike: turn a folder of images into a static website explorable by similarity.

    python build.py --collection picasso/            # all three stages: writes _site/
    python build.py embed  --collection picasso/     # images -> manifest + vectors (work folder)
    python build.py layout --collection picasso/     # vectors -> neighbours + map (work folder)
    python build.py render --collection picasso/     # work folder + templates -> _site/
    python build.py deploy --collection picasso/     # build, check, push to the gh-pages branch
    python build.py query  --collection picasso/ photo.jpg   # or --text "dog": nearest images

The stages talk only through files in the work folder (core/workfolder.py), so each can
run alone. This file is a table of steps and one loop: every step is a module with
`run(folder, settings, log) -> Report` (and, optionally, `check(folder, settings, log)`, run
for every step of the command before any of them works); `settings` is the step's own view
of the settings (core/views.py), `log` the one reporter (core/log.py). The summary is made
from the reports; heavy libraries are imported by the stages, so --help is instant.
"""
from __future__ import annotations

import importlib
import json
import sys
import traceback
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from core import cli, folders, views
from core.console import quiet_libraries
from core.errors import LookalikeError
from core.files import WriteError, write_text
from core.log import Log
from core.summary import summary_text, to_json
from core.workfolder import WorkFolder


@dataclass(frozen=True)
class Step:
    name: str  # its command, and its settings view (core/config.py gives each key its steps)
    module: object  # the module (imported when the command has the step) with run() and perhaps check()
    needs: str  # what it reads; run before its inputs exist, it raises StageOrderError naming the command
    publishes: bool = False  # --strict stops the command before it
    hushed: bool = True  # libraries' log lines to the work folder's log (core/console.py) while it runs


STEPS = (
    Step("embed", "embed.stage", "the collection folder (and its metadata.csv)"),
    Step("layout", "layout.stage", "embed's manifest and feature arrays"),
    Step("render", "render.stage",
         "the manifest, layout's neighbours and map, the image cache, templates/ and static/"),
    Step("deploy", "deploy.stage", "the site folder render wrote, and a git remote", publishes=True,
         hushed=False),  # git's own messages (a refused push, a password prompt) must reach the user
)
COMMANDS = {"build": ("embed", "layout", "render"), "embed": ("embed",), "layout": ("layout",),
            "render": ("render",), "deploy": ("embed", "layout", "render", "deploy")}


@dataclass
class Opened:
    """What build and query share before any work: the settings, the work folder, and the
    context in which libraries keep quiet (core/console.py; none with --verbose)."""
    cfg: object
    work: WorkFolder
    verbose: bool

    def hushed(self):
        return nullcontext() if self.verbose else quiet_libraries(self.work.library_log)


def open_work(args, log: Log, writes_site: bool) -> Opened:
    """settings -> work folder -> the folders checked against each other (core/folders.py)."""
    cfg, base = cli.resolve_settings(args, log)
    work = WorkFolder(folders.work_path(cfg, base, log))
    folders.check_folders(Path(cfg.site.collection), work.root, Path(cfg.site.output) if writes_site else None)
    return Opened(cfg, work, args.verbose)


def _module(step: Step):
    return importlib.import_module(step.module) if isinstance(step.module, str) else step.module


def run_steps(args, opened: Opened, log: Log) -> tuple[dict, str]:
    """Every check, then every step of the command in order; returns {step: report} and why
    --strict failed ('' when it did not)."""
    steps = [s for s in STEPS if s.name in COMMANDS[args.command]]
    folder = opened.work.build(Path(opened.cfg.site.collection))
    options = {s.name: {"force": args.force} for s in steps}
    for step in steps:  # before any work: a refused remote or output folder costs no embedding
        check = getattr(_module(step), "check", None)
        if check is not None:
            options[step.name].update(check(folder, views.for_step(opened.cfg, step.name, **options[step.name]), log))
    reports: dict = {}

    def run(step: Step) -> None:
        with opened.hushed() if step.hushed else nullcontext():
            reports[step.name] = _module(step).run(folder, views.for_step(opened.cfg, step.name,
                                                                         **options[step.name]), log)

    for step in steps:
        if not step.publishes:
            run(step)
    strict = _strict(args, reports)  # the one --strict check: the site is built, and not published
    for step in steps:
        if step.publishes and not strict:
            run(step)
    return reports, strict


def _strict(args, reports: dict) -> str:
    embed = reports.get("embed")
    if not (args.strict and embed and embed.skipped):
        return ""
    unpublished = ", so the site was not deployed" if any(s.publishes and s.name in COMMANDS[args.command]
                                                            for s in STEPS) else ""
    return f"--strict: {len(embed.skipped)} file(s) skipped{unpublished}"


def build(args, log: Log) -> int:
    """The stages of the command, the summary from their reports, --report; the exit status."""
    opened = open_work(args, log, writes_site="render" in COMMANDS[args.command])
    reports, strict = run_steps(args, opened, log)
    embed, layout, render, deployed = (reports.get(s) for s in ("embed", "layout", "render", "deploy"))
    print(summary_text(embed, layout, render, deployed, notes=log.warnings))
    if args.report:
        report = to_json(embed, layout, render, str(opened.work.root), deployed, notes=log.warnings)
        write_text(Path(args.report), json.dumps(report, indent=1, sort_keys=True) + "\n")
    if strict:
        log.notice(f"lookalike: {strict}")
        return 1
    return 0


def query(args, log: Log) -> int:
    """`build.py query`: print the nearest images of a finished build (query/command.py)."""
    from query import command

    opened = open_work(args, log, writes_site=False)
    with opened.hushed():
        hits = command.run(args, opened.cfg, opened.work, log)
    if args.json:
        for h in hits:
            print(json.dumps(h, ensure_ascii=False))
    else:
        command.print_hits(hits, log)
    return 1 if command.failed(hits) else 0  # a query image that could not be used (its message is said)


def failed(exc: BaseException, args, log: Log) -> int:
    """Any command's error as one paragraph, and the exit status (README, "Exit status"):
    1 for a file that could not be written (a full disk, a read-only folder: core/files.py
    WriteError names the file), 2 for the rest."""
    import errno

    if args.debug:
        traceback.print_exc()
    if isinstance(exc, OSError) and not isinstance(exc, LookalikeError) and exc.errno in (
            errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):  # not written by core/files.py
        exc = WriteError(exc.filename or "a file", exc)
    if isinstance(exc, (LookalikeError, FileNotFoundError)):
        log.error(str(exc))
    else:
        log.notice(f"lookalike: unexpected error: {type(exc).__name__}: {exc}\n"
                   f"(run again with --debug for details)")
    return 1 if isinstance(exc, WriteError) else 2


def main(argv=None) -> int:
    args = cli.parse_args(argv)
    log = Log(quiet=args.quiet)
    try:
        return (query if args.command == "query" else build)(args, log)
    except KeyboardInterrupt:
        log.notice("\nlookalike: interrupted; finished work is cached, run the same command to resume.")
        return 130
    except Exception as exc:  # noqa: BLE001 - one place turns errors into a message and a status
        return failed(exc, args, log)


if __name__ == "__main__":
    sys.exit(main())

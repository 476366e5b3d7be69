#!/usr/bin/env python3
"""Lookalike: turn a folder of images into a static website explorable by similarity.

    python build.py --collection picasso/            # all three stages: writes _site/
    python build.py embed  --collection picasso/     # images -> manifest + vectors (work folder)
    python build.py layout --collection picasso/     # vectors -> neighbours + map (work folder)
    python build.py render --collection picasso/     # work folder + templates -> _site/
    python build.py deploy --collection picasso/     # build, check, push to the gh-pages branch
    python build.py query  --collection picasso/ photo.jpg   # or --text "dog": nearest images

The stages talk only through files in the work folder (core/workfolder.py), so each can
run alone. This file parses arguments, runs the stages and prints the summary made from
their reports; heavy libraries are imported by the stages, so --help is instant.
"""
from __future__ import annotations

import json
import sys
import traceback
from contextlib import nullcontext
from pathlib import Path

from core import cli, folders
from core.console import quiet_libraries
from core.errors import InputError, LookalikeError
from core.files import WriteError, write_text
from core.progress import say
from core.reports import summary_text, to_json
from core.workfolder import WorkFolder

STAGES_OF = {"build": ("embed", "layout", "render"), "embed": ("embed",), "layout": ("layout",),
             "render": ("render",), "deploy": ("embed", "layout", "render", "deploy")}


def build(args) -> dict:
    """Run the stages of the command in order; returns {stage: report}."""
    cfg, base = cli.resolve_settings(args)
    work = WorkFolder(folders.work_path(cfg, base, args.quiet))
    writes_site = "render" in STAGES_OF[args.command]  # folders checked before anything is written
    folders.check_folders(Path(cfg.site.collection), work.root, Path(cfg.site.output) if writes_site else None)
    target = None
    if "deploy" in STAGES_OF[args.command]:  # remote and branch checked before any work (deploy/target.py)
        from deploy.target import check

        target = check(cfg.deploy, args.force, Path(cfg.site.collection))
    with nullcontext() if args.verbose else quiet_libraries(work.library_log):
        reports = run_stages(args, cfg, work)
    if "deploy" in STAGES_OF[args.command]:  # git's own messages (push refused...) must reach the user
        embed = reports.get("embed")
        if args.strict and embed and embed.skipped:
            raise StrictError(f"--strict: {len(embed.skipped)} file(s) skipped, so the site was not deployed")
        from deploy import stage as deploy

        reports["deploy"] = deploy.run(Path(cfg.site.output), cfg.deploy, args.quiet, reports["render"].warnings,
                                       target)
    return reports


class StrictError(LookalikeError):
    """--strict and some files were skipped."""


def run_stages(args, cfg, work: WorkFolder) -> dict:
    quiet = args.quiet
    collection = Path(cfg.site.collection)
    stages = STAGES_OF[args.command]
    folder = work.build(collection)
    if "embed" in stages and not collection.is_dir():
        raise InputError(f"the collection folder {collection} does not exist or is not a folder")
    if "render" in stages:  # fail before hours of embedding, not after
        from render import output

        out = Path(cfg.site.output)
        output.check_output(out, collection, force=args.force, state=folder.site_state(out, "files.json"))
    reports: dict = {"work_dir": str(work.root)}
    if "embed" in stages:
        from embed import stage as embed

        metadata = Path(cfg.site.metadata) if cfg.site.metadata else None
        reports["embed"] = embed.run(folder, collection, cfg.model, cfg.images, cfg.facets, metadata, quiet,
                                     cfg.embed, cfg.tags)
    if "layout" in stages:
        from layout import stage as layout

        reports["layout"] = layout.run(folder, cfg.neighbours, cfg.map, quiet)
    if "render" in stages:
        from core.log import Log
        from core.views import for_step
        from render import stage as render

        reports["render"] = render.run(folder, for_step(cfg, "render", force=args.force), Log(quiet))
    return reports


def query(args) -> int:
    """`build.py query`: print the nearest images of a finished build (query/command.py)."""
    from query import command

    cfg, base = cli.resolve_settings(args)
    work = WorkFolder(folders.work_path(cfg, base, True))
    folders.check_folders(Path(cfg.site.collection), work.root)
    with nullcontext() if args.verbose else quiet_libraries(work.library_log):
        hits = command.run(args, cfg, work)
    if args.json:
        for h in hits:
            print(json.dumps(h, ensure_ascii=False))
    else:
        command.print_hits(hits)
    return 1 if command.failed(hits) else 0  # a query image that could not be used (its message is printed)


def _failed(exc: BaseException, args) -> int:
    """A build's error as one paragraph; status 1 for a file that could not be written (a full
    disk, a read-only folder: core/files.py WriteError names the file), 2 for the rest."""
    import errno

    if args.debug:
        traceback.print_exc()
    if isinstance(exc, OSError) and not isinstance(exc, LookalikeError) and exc.errno in (
            errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):  # not written by core/files.py
        exc = WriteError(exc.filename or "a file", exc)
    known = isinstance(exc, (LookalikeError, FileNotFoundError))
    print(f"lookalike: error: {exc}" if known else
          f"lookalike: unexpected error: {type(exc).__name__}: {exc}\n(run again with --debug for details)",
          file=sys.stderr)
    return 1 if isinstance(exc, WriteError) else 2


def main(argv=None) -> int:
    args = cli.parse_args(argv)
    if args.command == "query":
        try:
            return query(args)
        except Exception as exc:  # noqa: BLE001 - the same messages as a build
            if args.debug:
                traceback.print_exc()
            print(f"lookalike: error: {exc}" if isinstance(exc, (LookalikeError, FileNotFoundError)) else
                  f"lookalike: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
    try:
        reports = build(args)
    except KeyboardInterrupt:
        print("\nlookalike: interrupted; finished work is cached, run the same command to resume.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one place turns errors into a message and a status
        return _failed(exc, args)
    embed, layout, render, deployed = (reports.get(s) for s in ("embed", "layout", "render", "deploy"))
    print(summary_text(embed, layout, render, deployed))
    if args.report:
        report = to_json(embed, layout, render, reports["work_dir"], deployed)
        write_text(Path(args.report), json.dumps(report, indent=1, sort_keys=True) + "\n")
    if args.strict and embed and embed.skipped:
        say(f"lookalike: --strict: {len(embed.skipped)} file(s) skipped", False)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

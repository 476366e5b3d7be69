"""The command line, MkDocs/git style: `build.py [embed|layout|render] [options]`.

With no command, all three stages run (today's `build.py --collection DIR`). Each
command offers the flags of the settings its stage reads, generated from the schema in
core/config.py, so a new setting with a flag appears on exactly the right commands.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from core import config, config_load
from core.config import STAGES

COMMANDS = {
    "build": "run embed, layout and render (the default when no command is given)",
    "embed": "images -> manifest and vectors in the work folder",
    "layout": "vectors -> neighbours and the 2-D map, in the work folder",
    "render": "work folder + templates -> the site folder",
    "deploy": "build, check the site, and push it to a gh-pages branch with ghp-import",
    "query": "the images nearest to some image files, or to some words (--text), from a finished build",
}


def _epilog(command: str) -> str:
    text = "Settings come from site.toml (see the comments there); flags override it."
    if command == "build":
        text += "\n\ncommands (python build.py COMMAND --help for each):\n" + "\n".join(
            f"  {name:<8} {what}" for name, what in COMMANDS.items())
    return text


def _for_query(section: str, key: str) -> bool:
    """A query embeds like the build (the [model] flags) and names pages like the site."""
    return section == "model" or (section == "site" and key in ("output", "base_url"))


def make_parser(command: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="build.py" if command == "build" else f"build.py {command}",
        description={"build": "Build a static website where similar images sit together.",
                     "deploy": "Build the site, check it, and push it to a gh-pages branch (ghp-import).",
                     "query": "Find the images of a built collection nearest to image files or to words."}.get(
            command, f"Run one stage: {COMMANDS[command]}."),
        epilog=_epilog(command), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", metavar="FILE", help="settings file (default: site.toml in the collection "
                                                    "folder, else ./site.toml unless it is for another collection)")
    for section, f in config.schema():
        stage = config.stage_of(section, f)
        offered = {"build": STAGES[:3], "deploy": STAGES}.get(command, (command,)) + ("all",)
        if not f.metadata["flags"] or not (stage in offered or (command == "query" and _for_query(section, f.name))):
            continue
        kw = {"dest": f"{section}.{f.name}", "help": f.metadata["help"] or None}
        if f.type == "bool":
            kw.update(action="store_true", default=None)
        else:
            kw["type"] = {"int": int, "float": float}.get(f.type, f.metadata["parse"] or str)
            if f.metadata["choices"]:
                kw["choices"] = f.metadata["choices"]
            kw["metavar"] = f.metadata["metavar"] or f.name.upper()
        p.add_argument(*f.metadata["flags"], **kw)
    if command == "query":
        p.add_argument("images", nargs="*", metavar="IMAGE", help="image files to find look-alikes of")
        p.add_argument("--text", help='words to find, e.g. "dog on a beach" (needs tags)')
        p.add_argument("--method", choices=("wordnet", "conse"), default="wordnet",
                       help="--text: WordNet senses (default) or GloVe vectors of the class names (ConSE)")
        p.add_argument("-n", "--top", type=int, default=10, help="images per query (default 10)")
        p.add_argument("--json", action="store_true", help="print the hits as JSON lines")
    p.add_argument("--report", metavar="FILE", help="also write the summary as JSON")
    if command in ("build", "render", "deploy"):
        p.add_argument("--force", action="store_true", help="write into a non-empty folder not made by Lookalike")
    if command == "deploy":
        p.add_argument("--trust-collection-config", action="store_true",
                       help="let a site.toml inside the collection folder set [deploy] remote, branch and "
                            "message (refused by default: it came with the images)")
    if command in ("build", "embed", "deploy"):
        p.add_argument("--strict", action="store_true", help="exit with status 1 when any file was skipped")
    p.add_argument("--quiet", action="store_true", help="only print the summary and errors")
    p.add_argument("--verbose", action="store_true",
                   help="also show the log lines of TensorFlow and other libraries (normally in the work "
                        "folder's logs/libraries.log)")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def parse_args(argv=None) -> argparse.Namespace:
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv.pop(0) if argv and argv[0] in COMMANDS else "build"
    args = make_parser(command).parse_args(argv)
    args.command = command
    for name in ("force", "strict", "trust_collection_config"):
        setattr(args, name, getattr(args, name, False))
    return args


def find_config(args, log) -> Path | None:
    """--config; else site.toml in the collection folder; else ./site.toml, unless that file
    is for another collection (the demo's, say). The choice is said in one line."""
    if args.config:
        return Path(args.config)
    given = getattr(args, "site.collection", None)
    if given and (Path(given) / "site.toml").is_file():
        return Path(given) / "site.toml"  # named, with what it sets, by collection_config()
    here = Path("site.toml")
    if not here.is_file():
        return None
    try:
        named = config_load.load(here).site.collection
    except config.ConfigError as exc:
        if not given:
            raise
        log.info(f"config: not using ./site.toml, which has an error ({exc}); defaults apply")
        return None
    if given and named and (here.resolve().parent / named).resolve() != Path(given).resolve():
        log.info(f"config: not using ./site.toml, which is for the collection {named}; defaults apply "
                 f"(pass --config site.toml to use it anyway)")
        return None
    log.info("config: ./site.toml (in the current folder; --config FILE chooses another)")
    return here


def resolve_settings(args, log) -> tuple[config.Settings, Path]:
    """Settings and the folder that relative paths in the config file are relative to."""
    cfg_path = find_config(args, log)
    settings = config_load.load(cfg_path)
    from_file = sorted(settings.origin)
    base = cfg_path.resolve().parent if cfg_path else Path.cwd()
    for section, f in config.schema():
        sec = getattr(settings, section)
        value = getattr(sec, f.name)
        if f.metadata["path"] and value and settings.origin.get(f"[{section}] {f.name}"):
            setattr(sec, f.name, str(base / value))  # from the file: relative to the file
    for section, f in config.schema():
        dest = f"{section}.{f.name}"
        if hasattr(args, dest):
            config_load.override(settings, section, f.name, getattr(args, dest), f.metadata["flags"][-1])
    config_load.check_consistency(settings)
    if not settings.site.collection:
        raise config.ConfigError("no collection given: pass --collection DIR or set [site] collection in site.toml")
    if cfg_path and not args.config:
        collection_config(args, settings, cfg_path, from_file, log)
    check_work_dir(settings, base)
    return settings, base


def collection_config(args, settings: config.Settings, path: Path, keys: list[str], log) -> None:
    """A site.toml found inside the collection folder came with the images, perhaps from someone
    else: it is named with every key it sets (even with --quiet), and its [deploy] keys are refused
    unless the user passes --trust-collection-config (or names the file with --config)."""
    if not path.resolve().is_relative_to(Path(settings.site.collection).resolve()):
        return
    log.notice(f"config: {path} is inside the collection folder; it sets {', '.join(keys) or 'nothing'}")
    pushes = [k for k in keys if k.startswith("[deploy]") and settings.origin.get(k) == str(path)]
    if getattr(args, "command", "") != "deploy" or not pushes or getattr(args, "trust_collection_config", False):
        return
    values = "; ".join(f"{k} = {getattr(settings.deploy, k.split()[-1])!r}" for k in pushes)
    raise config.ConfigError(
        f"not deploying: {path} is inside the collection folder and sets {values}. Settings that came "
        f"with a collection may not choose where or what deploy pushes. Give --remote, --branch and "
        f"--message yourself, or, if you wrote that file, pass --trust-collection-config "
        f"(or --config {path})")


def check_work_dir(settings: config.Settings, base: Path) -> None:
    """The work folder must be a folder, or be makeable as one: said now, not after a crash."""
    from core.folders import default_work

    path = Path(settings.build.work_dir or default_work(base, Path(settings.site.collection))[0])
    origin = settings.origin.get("[build] work_dir", "the default work folder")
    where = f"command line {origin}" if origin.startswith("-") else origin
    for p in (path, *path.parents):
        try:
            if not p.exists():
                continue
        except OSError as exc:
            raise config.ConfigError(f"{where}: [build] work_dir {path} cannot be used: "
                                     f"{exc.strerror or exc}") from None
        if not p.is_dir():
            what = "is a file" if p == path else f"cannot be made: {p} is a file"
            raise config.ConfigError(f"{where}: [build] work_dir {path} {what}, not a folder; give a folder "
                                     f"(it is made when missing)")
        return

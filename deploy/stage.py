"""The deploy stage: a built and checked site folder -> a gh-pages branch, pushed (MkDocs' gh-deploy).

    check(folder, settings, log) -> {"target": Target}      before any step works
    run(folder, settings, log) -> DeployReport

The fourth step of build.py's table, in the same shape as the others. Its `folder` is the
build folder, like every step's, and it reads nothing there: the site is [site] output, and
deploy checks that folder itself (index.html, every link, GitHub Pages' limits measured on the
files it is about to push, not taken from what render said a moment before), so it can run
alone on any site folder. `settings` is the deploy view: [site] output, [deploy], the run's
`force` and, when check() ran before the build, its `target`.

ghp-import writes the folder as one commit on the branch (with .nojekyll, so GitHub Pages
serves files whose names start with "_"); deploy/target.py checked the remote and branch
before the build, and pushes the commit. A site that would be broken or refused is never
pushed: missing index.html, a link that points at no file, or a part over GitHub Pages'
limits stops the deploy with the reason.
"""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

from core.reports import DeployReport
from deploy import target as targets
from deploy.target import DeployError, git, push

__all__ = ["DeployError", "check", "check_site", "run"]


def check_site(out: Path) -> list[str]:
    """Why this folder must not be published ([] when it may)."""
    from render.linkcheck import broken_links
    from render.output import size_report

    if not (out / "index.html").is_file():
        return [f"{out} has no index.html: build the site first"]
    problems = [f"broken link: {b}" for b in broken_links(out)[:20]]
    return problems + size_report(out)["warnings"]


def check(folder, settings, log) -> dict:
    """Before any step works: the remote and the branch (deploy/target.py), so that a refused
    push costs no build. Returns the run's option {"target": ...}."""
    return {"target": targets.check(settings.deploy, settings.force, Path(settings.site.collection))}


def run(folder, settings, log) -> DeployReport:
    start = time.perf_counter()
    out = Path(settings.site.output)
    target = settings.target if "target" in settings else check(folder, settings, log)["target"]
    problems = check_site(out)
    if problems:
        raise DeployError("not deploying, the site has problems:\n  " + "\n  ".join(problems))
    from ghp_import import GhpError, ghp_import

    log.info(f"deploy: pushing {out} to {target.remote}/{target.branch}")
    try:  # ghp-import commits only; the push is ours (deploy/target.py), its values after `--`
        ghp_import(str(out), mesg=settings.deploy.message, remote=target.remote, branch=target.branch,
                   push=False, nojekyll=True)
    except GhpError as exc:
        raise DeployError(f"ghp-import could not publish the site: {getattr(exc, 'message', exc)}") from None
    except (subprocess.CalledProcessError, OSError) as exc:
        raise DeployError(f"git failed while committing the site to {target.branch!r} ({exc})") from None
    push(target)
    commit = git("rev-parse", "--short", "--verify", "--quiet", f"refs/heads/{target.branch}").stdout.strip()
    files = sum(1 for p in out.rglob("*") if p.is_file())
    return DeployReport(remote=target.remote, branch=target.branch, commit=commit, files=files,
                        seconds=time.perf_counter() - start)

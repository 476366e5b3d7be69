"""The deploy stage: a built and checked site folder -> a gh-pages branch, pushed (MkDocs' gh-deploy).

    run(out, deploy, size_warnings=None, target=None, force=False) -> DeployReport

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

from core.progress import say
from core.reports import DeployReport
from deploy.target import DeployError, Target, check, git, push

__all__ = ["DeployError", "check_site", "run"]


def check_site(out: Path, size_warnings: list[str] | None = None) -> list[str]:
    """Why this folder must not be published ([] when it may). size_warnings: the render
    stage's GitHub Pages warnings for this folder, when it has just measured them."""
    from render.linkcheck import broken_links
    from render.output import size_report

    if not (out / "index.html").is_file():
        return [f"{out} has no index.html: build the site first"]
    problems = [f"broken link: {b}" for b in broken_links(out)[:20]]
    problems += size_report(out)["warnings"] if size_warnings is None else size_warnings
    return problems


def run(out: Path, deploy, quiet: bool = False, size_warnings: list[str] | None = None,
        target: Target | None = None, force: bool = False) -> DeployReport:
    """target: what deploy/target.py check() said before the build (checked now when None)."""
    start = time.perf_counter()
    out = Path(out)
    target = target or check(deploy, force)
    problems = check_site(out, size_warnings)
    if problems:
        raise DeployError("not deploying, the site has problems:\n  " + "\n  ".join(problems))
    from ghp_import import GhpError, ghp_import

    say(f"deploy: pushing {out} to {target.remote}/{target.branch}", quiet)
    try:  # ghp-import commits only; the push is ours (deploy/target.py), its values after `--`
        ghp_import(str(out), mesg=deploy.message, remote=target.remote, branch=target.branch,
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

"""Where deploy may push, checked before any work (build.py) and again before the push.

    check(deploy, force=False, collection=None) -> Target

[deploy] remote and branch have already passed their form checks (core/setting.py: no
leading "-", no transport helper such as ext::, a name git accepts). Here they are checked
against the repository: the remote is one of its remotes, an https:// / ssh:// / git@host:path
URL, or a local repository outside the collection folder (a repository can carry hooks that
run when it receives a push). The branch is never the one checked out here (ghp-import
rewrites the local branch of that name), and never the remote's default branch, nor main or
master, unless --force: that would replace the project's own history with the site.

Every git command gets its values after `--` or inside a refspec, so none can be an option.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from core.errors import LookalikeError
from core.setting import branch_name, remote_kind

PROTECTED = ("main", "master")  # always treated as a project's own branches


class DeployError(LookalikeError):
    """The site cannot or must not be pushed; the message says why."""


@dataclass(frozen=True)
class Target:
    remote: str
    branch: str
    kind: str  # "name", "url" or "path" (core/setting.py remote_kind)
    default_branch: str  # the remote's default branch, "" when it could not be told


def git(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, env=env, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise DeployError("git is not installed or not on PATH; deploy needs it") from None
    except subprocess.TimeoutExpired:
        raise DeployError(f"git {args[0]} did not answer in {timeout:.0f} s (is the remote reachable?)") from None


def check(deploy, force: bool = False, collection: Path | None = None) -> Target:
    remote, branch = deploy.remote, deploy.branch
    kind = remote_kind(remote)
    if kind is None:  # core/config.py refuses these already; a DeploySection made in code is checked too
        raise DeployError(f"[deploy] remote {remote!r} is not a remote name, an https:// or ssh:// URL, "
                          f"or a local path; nothing was pushed")
    if not branch_name(branch):
        raise DeployError(f"[deploy] branch {branch!r} is not a branch name git accepts; nothing was pushed")
    top = git("rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise DeployError(f"deploy pushes from the git repository of the current folder ({Path.cwd()}), and "
                          f"there is none: run it inside a clone of the repository that should hold the site "
                          f"(git says: {top.stderr.strip().removeprefix('fatal: ')})")
    if kind == "name":
        remotes = git("remote").stdout.split()
        if remote not in remotes:
            raise DeployError(f"[deploy] remote {remote!r} is not a remote of this repository (its remotes: "
                              f"{', '.join(remotes) or 'none'}); add it with `git remote add {remote} URL`, or "
                              f"give a URL or a local path starting with ./ or /")
    elif kind == "path":
        _check_path(remote, collection)
    checked_out = git("symbolic-ref", "--quiet", "--short", "HEAD").stdout.strip()
    if branch == checked_out:
        raise DeployError(f"not deploying to the branch {branch!r}: it is checked out here, and ghp-import "
                          f"rewrites the local branch of that name with the site. Deploy to another branch "
                          f"(--branch gh-pages), or run from another branch")
    default = default_branch(remote, kind)
    protected = {b for b in (default, *PROTECTED) if b}
    if branch in protected and not force:
        why = f"the default branch of {remote!r}" if branch == default else f"{branch!r}, a project's own branch name"
        raise DeployError(f"not deploying to {remote}/{branch}: it is {why}, and the push would replace its "
                          f"history with the site. Use --branch gh-pages (the usual branch for GitHub Pages), "
                          f"or --force if that branch really is meant to hold only the site")
    return Target(remote, branch, kind, default)


def _check_path(remote: str, collection: Path | None) -> None:
    from urllib.parse import unquote, urlsplit

    path = Path(unquote(urlsplit(remote).path) if remote.startswith("file:") else remote).resolve()
    if not path.is_dir():
        raise DeployError(f"[deploy] remote {remote!r} is a local path, and {path} is not a folder")
    if collection is not None and path.is_relative_to(Path(collection).resolve()):
        raise DeployError(f"[deploy] remote {remote!r} is inside the collection folder: a repository there "
                          f"came with the images, and its hooks would run on the push")


def default_branch(remote: str, kind: str) -> str:
    """The remote's default branch (what HEAD points at), or "" when it cannot be told (an empty
    repository, no network): the caller then protects main and master only."""
    if kind == "name":
        known = git("symbolic-ref", "--quiet", "--short", f"refs/remotes/{remote}/HEAD").stdout.strip()
        if known.startswith(f"{remote}/"):
            return known[len(remote) + 1:]
    answer = git("ls-remote", "--symref", "--", remote, "HEAD", timeout=30)
    for line in answer.stdout.splitlines() if answer.returncode == 0 else []:
        if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
            return line[len("ref: refs/heads/"):-len("\tHEAD")]
    return ""


def push(target: Target) -> None:
    """Push the branch ghp-import has just committed; the values come after `--`."""
    ref = f"refs/heads/{target.branch}"
    try:  # git's own messages and prompts (a password, a refused push) reach the user
        done = subprocess.run(["git", "push", "--", target.remote, f"{ref}:{ref}"])
    except FileNotFoundError:
        raise DeployError("git is not installed or not on PATH; deploy needs it") from None
    if done.returncode != 0:
        raise DeployError(f"git push to {target.remote}/{target.branch} failed (git's message is above); "
                          f"may you push to {target.remote!r}?")

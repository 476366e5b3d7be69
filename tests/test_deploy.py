"""Publishing is one command: build, check, and push the site to a gh-pages branch (ghp-import)."""
import subprocess

import pytest

import build
from tests.conftest import solid


def git(*args, cwd=None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A user's repository with a bare 'origin' (GitHub stands in as a local bare repo)."""
    remote, repo = tmp_path / "remote.git", tmp_path / "project"
    git("init", "-q", "--bare", str(remote))
    repo.mkdir()
    git("init", "-q", cwd=repo)
    git("remote", "add", "origin", str(remote), cwd=repo)
    for key, value in (("user.name", "Test"), ("user.email", "test@example.org")):
        git("config", key, value, cwd=repo)
    for i, colour in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200), (220, 200, 40)]):
        solid(repo / "pictures" / f"p{i}.png", colour)
    monkeypatch.chdir(repo)
    return {"repo": repo, "remote": remote}


def deploy(*extra) -> int:  # colour only: no model, so the test needs no TensorFlow
    return build.main(["deploy", "--collection", "pictures", "--out", "_site", "--work-dir", ".work",
                       "--facets", "colour", "--quiet", *extra])


def test_deploy_pushes_the_site_to_gh_pages(project, capsys):
    assert deploy("--message", "Site for the test") == 0
    files = set(git("--git-dir", str(project["remote"]), "ls-tree", "-r", "--name-only", "gh-pages").split())
    local = {p.relative_to(project["repo"] / "_site").as_posix()
             for p in (project["repo"] / "_site").rglob("*") if p.is_file()}
    assert {"index.html", ".nojekyll", "data/points.js"} <= files and local <= files
    assert sum(name.startswith("image/") for name in files) == 4
    log = git("--git-dir", str(project["remote"]), "log", "--format=%s", "gh-pages")
    assert log.splitlines() == ["Site for the test"]
    assert "pushed to origin/gh-pages" in capsys.readouterr().out
    assert git("status", "--porcelain", "--untracked-files=no", cwd=project["repo"]) == ""  # main untouched


def test_a_broken_site_is_not_pushed(project, capsys):
    from core.config import Settings
    from core.log import QUIET
    from core.views import for_step
    from deploy.stage import DeployError, run

    assert build.main(["--collection", "pictures", "--out", "_site", "--work-dir", ".work",
                       "--facets", "colour", "--quiet"]) == 0
    thumb = next((project["repo"] / "_site" / "thumbs").glob("*/*.jpg"))
    thumb.unlink()  # e.g. a half-copied folder
    with pytest.raises(DeployError, match=f"broken link: .*{thumb.name}"):
        settings = Settings()
        settings.site.collection, settings.site.output = "pictures", str(project["repo"] / "_site")
        run(None, for_step(settings, "deploy", force=False), QUIET)  # deploy reads nothing in the work folder
    branches = git("--git-dir", str(project["remote"]), "branch", "--list")
    assert branches == ""  # nothing was pushed


def test_deploy_outside_a_repository_says_so(tmp_path, monkeypatch, capsys):
    solid(tmp_path / "pictures" / "a.png", (10, 20, 30))
    solid(tmp_path / "pictures" / "b.png", (200, 20, 30))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert deploy() == 2
    err = capsys.readouterr().err
    assert "lookalike: error:" in err and "git" in err.lower() and "Traceback" not in err


def test_strict_deploy_with_skipped_files_pushes_nothing(project, capsys):
    (project["repo"] / "pictures" / "bad.jpg").write_text("not a picture")
    assert deploy("--strict") == 1  # the one --strict status (README, "Exit status"): built, not published
    assert "--strict: 1 file(s) skipped, so the site was not deployed" in capsys.readouterr().err
    assert git("--git-dir", str(project["remote"]), "branch", "--list") == ""

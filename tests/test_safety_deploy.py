"""Issue #24, deploy: no setting reaches git as an option, a collection's site.toml cannot choose
where the site goes, and a project's own branches are never replaced without --force.

Each attack is run for real against a local bare repository standing in for GitHub; the
tests look at what git did (the remote's refs, a file the attack would have made)."""
import pytest

import build
from tests.conftest import solid
from tests.test_deploy import deploy, git

ATTACK = "--receive-pack=touch PWNED; git-receive-pack"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A user's repository on branch main, pushed to a bare 'origin' whose default branch is main."""
    remote, repo = tmp_path / "remote.git", tmp_path / "project"
    git("init", "-q", "--bare", "--initial-branch=main", str(remote))
    repo.mkdir()
    git("init", "-q", "--initial-branch=main", cwd=repo)
    for key, value in (("user.name", "Test"), ("user.email", "test@example.org")):
        git("config", key, value, cwd=repo)
    (repo / "README").write_text("the project's own files\n")
    git("add", "README", cwd=repo)
    git("commit", "-q", "-m", "project", cwd=repo)
    git("remote", "add", "origin", str(remote), cwd=repo)
    git("push", "-q", "origin", "main", cwd=repo)
    for i, colour in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200), (220, 200, 40)]):
        solid(repo / "pictures" / f"p{i}.png", colour)
    monkeypatch.chdir(repo)
    return {"repo": repo, "remote": remote, "tmp": tmp_path}


def remote_refs(project) -> str:
    return git("--git-dir", str(project["remote"]), "for-each-ref", "--format=%(refname) %(objectname)")


def nothing_ran(project) -> bool:
    """No PWNED anywhere the attack's shell could have run, and no build started."""
    made = [p for p in project["tmp"].rglob("PWNED")]
    return not made and not (project["repo"] / "_site").exists()


def test_receive_pack_option_from_the_command_line_is_refused(project, capsys):
    before = remote_refs(project)
    assert deploy(f"--remote={ATTACK}") == 2
    assert not list(project["tmp"].rglob("PWNED"))  # before #24: made by git push's --receive-pack
    err = capsys.readouterr().err
    assert "command line --remote: [deploy] remote must be a remote of the repository" in err
    assert "Traceback" not in err and nothing_ran(project) and remote_refs(project) == before


def test_receive_pack_option_from_a_collection_site_toml_is_refused(project, capsys):
    (project["repo"] / "pictures" / "site.toml").write_text(f'[deploy]\nremote = "{ATTACK}"\n')
    before = remote_refs(project)
    assert build.main(["deploy", "--collection", "pictures", "--quiet"]) == 2
    assert not list(project["tmp"].rglob("PWNED"))
    err = capsys.readouterr().err
    assert "pictures/site.toml: [deploy] remote must be a remote of the repository" in err
    assert nothing_ran(project) and remote_refs(project) == before


@pytest.mark.parametrize("flag", ["--remote=ext::sh -c touch% PWNED", "--remote=ssh://-oProxyCommand=touch%20PWNED/x",
                                  "--remote=git@-oProxyCommand=x:y",
                                  "--remote=ssh://-oProxyCommand=touch%20PWNED@github.com/u/r.git",
                                  "--branch=--receive-pack=touch PWNED",
                                  "--branch=a..b", "--branch=x\nM 100644 inline PWNED"])
def test_transport_helpers_and_option_like_values_are_refused(project, capsys, flag):
    before = remote_refs(project)
    assert deploy(flag) == 2
    err = capsys.readouterr().err
    assert f"command line {flag.split('=')[0]}: [deploy] {flag[2:].split('=')[0]} must be" in err
    assert nothing_ran(project) and remote_refs(project) == before


def test_a_collection_site_toml_may_not_choose_the_remote_or_branch(project, capsys):
    (project["repo"] / "pictures" / "site.toml").write_text(
        '[site]\ntitle = "Theirs"\n[deploy]\nremote = "origin"\nbranch = "their-pages"\nmessage = "hi"\n')
    before = remote_refs(project)
    assert build.main(["deploy", "--collection", "pictures", "--facets", "colour", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert ("config: pictures/site.toml is inside the collection folder; it sets [deploy] branch, "
            "[deploy] message, [deploy] remote, [site] title") in err
    assert "not deploying: pictures/site.toml is inside the collection folder and sets [deploy] branch = " \
           "'their-pages'" in err and "--trust-collection-config" in err
    assert nothing_ran(project) and remote_refs(project) == before


def test_a_trusted_collection_site_toml_deploys(project, capsys):
    (project["repo"] / "pictures" / "site.toml").write_text('[deploy]\nbranch = "their-pages"\nmessage = "hi"\n')
    assert build.main(["deploy", "--collection", "pictures", "--out", "_site", "--work-dir", ".work",
                       "--facets", "colour", "--quiet", "--trust-collection-config"]) == 0
    assert "it sets [deploy] branch, [deploy] message" in capsys.readouterr().err  # named even with --quiet
    assert git("--git-dir", str(project["remote"]), "log", "--format=%s", "their-pages").splitlines() == ["hi"]


def test_flags_override_a_collection_deploy_setting_without_the_trust_flag(project):
    (project["repo"] / "pictures" / "site.toml").write_text('[deploy]\nbranch = "their-pages"\n')
    assert deploy("--branch", "pages") == 0
    assert "refs/heads/pages" in remote_refs(project) and "their-pages" not in remote_refs(project)


def test_deploy_to_the_remote_default_branch_is_refused(project, capsys):
    git("checkout", "-q", "-b", "work")
    before = remote_refs(project)
    assert deploy("--branch", "main") == 2
    err = capsys.readouterr().err
    assert "not deploying to origin/main: it is the default branch of 'origin'" in err and "--force" in err
    assert remote_refs(project) == before and nothing_ran(project)
    assert git("log", "--format=%s", "main").splitlines() == ["project"]  # the local main untouched too


def test_default_branch_found_without_a_symref_and_master_is_protected(project, capsys):
    git("checkout", "-q", "-b", "work")
    assert deploy("--branch", "master") == 2
    assert "'master', a project's own branch name" in capsys.readouterr().err


def test_deploy_to_the_checked_out_branch_is_refused_even_with_force(project, capsys):
    git("checkout", "-q", "-b", "site")
    assert deploy("--branch", "site", "--force") == 2
    assert "not deploying to the branch 'site': it is checked out here" in capsys.readouterr().err
    assert git("log", "--format=%s", "site").splitlines() == ["project"] and nothing_ran(project)


def test_force_deploys_to_the_default_branch(project):
    git("checkout", "-q", "-b", "work")
    assert deploy("--branch", "main", "--force", "--message", "site on main") == 0
    log = git("--git-dir", str(project["remote"]), "log", "--format=%s", "main").splitlines()
    assert log[0] == "site on main"


def test_a_remote_that_is_not_a_remote_of_the_repository_is_refused(project, capsys):
    assert deploy("--remote", "upstream") == 2
    err = capsys.readouterr().err
    assert "[deploy] remote 'upstream' is not a remote of this repository (its remotes: origin)" in err
    assert nothing_ran(project)


def test_a_local_path_remote_deploys(project):
    assert deploy("--remote", "../remote.git", "--message", "by path") == 0
    assert git("--git-dir", str(project["remote"]), "log", "--format=%s", "gh-pages").splitlines() == ["by path"]


def test_a_repository_inside_the_collection_is_no_remote(project, capsys):
    hooked = project["repo"] / "pictures" / "evil.git"
    git("init", "-q", "--bare", str(hooked))
    hook = hooked / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\ntouch {project['tmp']}/PWNED\n")
    hook.chmod(0o755)
    assert deploy("--remote", "./pictures/evil.git") == 2
    assert "is inside the collection folder" in capsys.readouterr().err and nothing_ran(project)


def test_the_check_runs_before_ghp_import_when_called_directly(project):
    from core.config import Settings
    from core.log import QUIET
    from core.views import for_step
    from deploy.stage import DeployError, run

    bad = Settings()
    bad.site.collection, bad.site.output, bad.deploy.remote = "pictures", str(project["repo"]), ATTACK
    with pytest.raises(DeployError, match="is not a remote name"):
        run(None, for_step(bad, "deploy", force=False), QUIET)
    assert nothing_ran(project)


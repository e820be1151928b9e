"""Publisher CI (issue 13): the pre-commit hook run by pre-commit itself on a temporary git repository
holding a valid and then a broken package; `jiceng precommit`; the CI templates."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from jiceng.cli import app
from jiceng.package import write_package

pytest.importorskip("jiceng.validation")

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
LOC = "620000000000"
runner = CliRunner()


def _package(folder: Path, standard) -> Path:
    meta = {"name": "demo", "title": "测试", "locality_id": LOC, "locality_name": "甘肃省", "province_code": "62",
            "period": "2022", "publisher": {"name": "测试 test"}, "licenses": [{"name": "CC-BY-4.0"}]}
    tables = {
        "localities": [{"locality_id": LOC, "name": "甘肃省", "level": "province"}],
        "meetings": [{"meeting_id": "M1", "locality_id": LOC, "meeting_date": "2022-05-20", "form": "council_hall",
                      "mode": "offline", "participants": 12}],
    }
    return write_package(folder, meta, tables, std=standard)


def _break(pkg: Path) -> None:
    path = pkg / "data" / "meetings.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",12,", ",-12,").replace(",12\n", ",-12\n"), encoding="utf-8")


def test_precommit_command(tmp_path, standard):
    pkg = _package(tmp_path / "pkg", standard)
    result = runner.invoke(app, ["precommit", str(pkg / "data" / "meetings.csv"), str(pkg / "datapackage.json")])
    assert result.exit_code == 0, result.output
    assert result.output.count("✓") == 1  # one package, validated once
    _break(pkg)
    result = runner.invoke(app, ["precommit", str(pkg / "data" / "meetings.csv")])
    assert result.exit_code == 1 and "BELOW_MINIMUM" in result.output
    result = runner.invoke(app, ["precommit", str(tmp_path / "README.md")])
    assert result.exit_code == 0 and "no package changed" in result.output


def _run(cmd, cwd, env):
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_pre_commit_runs_the_hook_on_a_git_repository(tmp_path, standard):
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("pre-commit must be installed in CI (pip install -e '.[test]')")
        pytest.skip("pre-commit is not installed")
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
           "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}
    # the hook definitions of this repository, as a repository of their own (offline, exactly as committed here)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    shutil.copy(REPO / ".pre-commit-hooks.yaml", hooks / ".pre-commit-hooks.yaml")
    for cmd in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-q", "-m", "hooks"]):
        assert _run(cmd, hooks, env).returncode == 0
    rev = _run(["git", "rev-parse", "HEAD"], hooks, env).stdout.strip()

    work = tmp_path / "locality"
    work.mkdir()
    assert _run(["git", "init", "-q"], work, env).returncode == 0
    (work / ".pre-commit-config.yaml").write_text(yaml.safe_dump(
        {"repos": [{"repo": str(hooks), "rev": rev, "hooks": [{"id": "jiceng-validate-system"}]}]}), encoding="utf-8")
    pkg = _package(work / "package", standard)
    pre_commit = [sys.executable, "-m", "pre_commit"]
    assert _run(pre_commit + ["install"], work, env).returncode == 0

    assert _run(["git", "add", "."], work, env).returncode == 0
    ok = _run(["git", "commit", "-m", "valid package"], work, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "jiceng" in ok.stdout + ok.stderr and "Passed" in ok.stdout + ok.stderr

    _break(pkg)
    assert _run(["git", "add", "."], work, env).returncode == 0
    bad = _run(["git", "commit", "-m", "broken package"], work, env)
    out = bad.stdout + bad.stderr
    assert bad.returncode != 0, out
    assert "Failed" in out and "BELOW_MINIMUM" in out
    log = _run(["git", "log", "--oneline"], work, env).stdout.splitlines()
    assert len(log) == 1, "the broken package was not committed"


def test_hook_definitions_and_ci_templates():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    ids = {h["id"]: h for h in hooks}
    assert set(ids) == {"jiceng-validate", "jiceng-validate-system"}
    assert ids["jiceng-validate"]["language"] == "python" and ids["jiceng-validate-system"]["language"] == "system"
    assert all(h["entry"] == "jiceng precommit" for h in hooks)
    gh = yaml.safe_load((REPO / "ci-templates" / "github" / "jiceng.yml").read_text(encoding="utf-8"))
    steps = " ".join(str(s.get("run", "")) for s in gh["jobs"]["validate"]["steps"])
    gl = yaml.safe_load((REPO / "ci-templates" / "gitlab" / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    script = " ".join(gl["jiceng-validate"]["script"])
    for text in (steps, script):
        assert 'jiceng validate "$PACKAGE"' in text and 'jiceng badge "$PACKAGE"' in text
    template = (REPO / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    for cmd in ("jiceng schema diff", "jiceng schema impact", "--format markdown", "jiceng schema changelog"):
        assert cmd in template
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "--format markdown" in contributing and "pull_request_template.md" in contributing

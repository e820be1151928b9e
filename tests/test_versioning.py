"""The version check: schemas/ and validators/ never change without a large enough version bump
and a CHANGELOG.md entry. Runs on this repository's own history, and on small repositories made
here to show that it catches each mistake."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from jiceng.review.release import GitUnavailable, changelog_entries, check_release

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"the version check must run in CI: {reason}")
    pytest.skip(reason)


def test_this_repository_version_is_honest():
    """The CI gate: fails when schemas/ or validators/ changed without the bump and CHANGELOG entry they need."""
    if shutil.which("git") is None:
        _skip_or_fail("git is not installed")
    try:
        result = check_release(REPO)
    except GitUnavailable as exc:
        _skip_or_fail(str(exc))
    assert result.ok, result.to_text()


def test_changelog_has_a_dated_entry_for_the_current_version(standard):
    entries = changelog_entries((REPO / "CHANGELOG.md").read_text(encoding="utf-8"))
    own = [e for e in entries if e.version == standard.version]
    assert own, f"CHANGELOG.md needs an entry for {standard.version}"
    assert entries[0].version == standard.version, "newest entry first"


# ---------------------------------------------------------------- a small repository with its own history

def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=Test", "-c", "user.email=test@example.org",
                           "-c", "commit.gpgsign=false", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    if shutil.which("git") is None:
        _skip_or_fail("git is not installed")
    root = tmp_path / "standard"
    shutil.copytree(REPO / "schemas", root / "schemas")
    if (REPO / "validators").is_dir():
        shutil.copytree(REPO / "validators", root / "validators")
    _set_version(root, "1.0.0")
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## [1.0.0] - 2026-01-01\n\n- First release.\n", encoding="utf-8")
    _git(root, "init", "-q")
    _commit(root, "release 1.0.0")
    return root


def _commit(root: Path, message: str) -> None:
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)


def _set_version(root: Path, version: str) -> None:
    path = root / "schemas" / "standard.json"
    info = json.loads(path.read_text(encoding="utf-8"))
    info["version"] = version
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _add_changelog(root: Path, heading: str) -> None:
    path = root / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8").replace("# Changelog\n\n", f"# Changelog\n\n{heading}\n\n- Change.\n\n", 1)
    path.write_text(text, encoding="utf-8")


def _add_optional_field(root: Path) -> None:
    path = root / "schemas" / "tables" / "grids.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"].append({"name": "venue_area", "type": "number", "title": "Venue area",
                             "description": "Floor area of the meeting venue in square metres.",
                             "zh": {"title": "议事场所面积", "description": "议事场所面积(平方米)。"}})
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def test_initial_release_passes(repo):
    result = check_release(repo)
    assert result.ok, result.to_text()
    assert result.baseline.startswith("1.0.0 @"), "a committed release is its own baseline"
    assert result.diff is not None and not result.diff.changes


def test_history_with_only_an_unreleased_initial_version_passes(tmp_path):
    """Like a repository whose first commit predates its CHANGELOG: nothing earlier to compare with."""
    if shutil.which("git") is None:
        _skip_or_fail("git is not installed")
    root = tmp_path / "fresh"
    shutil.copytree(REPO / "schemas", root / "schemas")
    _set_version(root, "1.0.0")
    _git(root, "init", "-q")
    _commit(root, "schemas")
    (root / "CHANGELOG.md").write_text("## [1.0.0] - 2026-01-01\n", encoding="utf-8")
    _add_optional_field(root)
    result = check_release(root)
    assert result.ok, result.to_text()
    assert "first release" in " ".join(result.notes)


def test_change_after_release_without_bump_fails(repo):
    _add_optional_field(repo)
    result = check_release(repo)
    assert not result.ok
    assert result.diff.required == "minor"
    assert "1.1.0" in result.problems[0], "the message says which version is needed"


def test_rule_change_after_release_without_bump_fails(repo):
    rules = repo / "validators"
    rules.mkdir(exist_ok=True)
    (rules / "zz_test.yaml").write_text(
        "table: grids\nrules:\n  - code: TEST_NEW_RULE\n    severity: WARNING\n    kind: test\n"
        "    message: {zh: 测试, en: test}\n", encoding="utf-8")
    result = check_release(repo)
    assert not result.ok
    assert any(c.kind == "rule-added" for c in result.diff.changes)


def test_wording_change_needs_a_patch_bump(repo):
    path = repo / "schemas" / "tables" / "cases.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["description"] += " Reworded."
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    assert not check_release(repo).ok
    _set_version(repo, "1.0.1")
    _add_changelog(repo, "## [1.0.1] - Unreleased")
    result = check_release(repo)
    assert result.ok, result.to_text()


def test_minor_change_with_minor_bump_and_entry_passes(repo):
    _add_optional_field(repo)
    _set_version(repo, "1.1.0")
    _add_changelog(repo, "## [1.1.0] - 2026-02-01")
    result = check_release(repo)
    assert result.ok, result.to_text()
    assert result.baseline.startswith("1.0.0 @")
    # Once committed, 1.1.0 is the release: the same working tree is then its baseline.
    _commit(repo, "release 1.1.0")
    result = check_release(repo)
    assert result.ok, result.to_text()
    assert result.baseline.startswith("1.1.0 @")
    # And a further change without a bump fails against 1.1.0.
    (repo / "schemas" / "tables" / "grids.json").write_text(
        (repo / "schemas" / "tables" / "grids.json").read_text(encoding="utf-8").replace("Venue area", "Venue floor area"),
        encoding="utf-8")
    result = check_release(repo)
    assert not result.ok
    assert result.diff.required == "patch"


def test_bump_too_small_fails(repo):
    _add_optional_field(repo)
    _set_version(repo, "1.0.1")
    _add_changelog(repo, "## [1.0.1] - 2026-02-01")
    result = check_release(repo)
    assert not result.ok
    assert "minor" in result.problems[0]


def _remove_last_grids_field(repo: Path) -> str:
    path = repo / "schemas" / "tables" / "grids.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    removed = schema["fields"].pop()["name"]
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    return removed


def test_major_change_needs_major_bump(repo):
    removed = _remove_last_grids_field(repo)
    _set_version(repo, "1.1.0")
    _add_changelog(repo, "## [1.1.0] - Unreleased")
    result = check_release(repo)
    assert not result.ok and result.diff.required == "major", removed
    _set_version(repo, "2.0.0")
    _add_changelog(repo, "## [2.0.0] - Unreleased")
    result = check_release(repo)
    assert result.diff.required == "major"
    assert any("deprecated" in p and removed in p for p in result.problems), result.to_text()


def test_major_version_needs_deprecation_first_and_a_migration_file(repo):
    """1.1.0 marks a field deprecated and is released; 2.0.0 removes it, and must ship its migration."""
    path = repo / "schemas" / "tables" / "grids.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"][-1]["deprecated"] = {"since": "1.1.0", "description": "no longer collected", "zh": {"description": "不再采集"}}
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    _set_version(repo, "1.1.0")
    _add_changelog(repo, "## [1.1.0] - 2026-03-01")
    _commit(repo, "release 1.1.0")
    removed = _remove_last_grids_field(repo)
    for old in (repo / "schemas" / "migrations").glob("*.yaml"):
        old.unlink()
    _set_version(repo, "2.0.0")
    _add_changelog(repo, "## [2.0.0] - Unreleased")
    result = check_release(repo)
    assert not result.ok
    assert any("1.1.0__2.0.0.yaml" in p for p in result.problems), result.to_text()
    assert not any("deprecated" in p for p in result.problems), "the field was deprecated in a release"
    (repo / "schemas" / "migrations" / "1.1.0__2.0.0.yaml").write_text(
        "from: 1.1.0\nto: 2.0.0\ndescription: {zh: 删除已弃用字段, en: deprecated field removed}\n"
        f"steps:\n  - {{op: drop_field, table: grids, field: {removed}}}\n", encoding="utf-8")
    result = check_release(repo)
    assert result.ok, result.to_text()


def test_bump_without_changelog_entry_fails(repo):
    _add_optional_field(repo)
    _set_version(repo, "1.1.0")
    result = check_release(repo)
    assert not result.ok
    assert any("CHANGELOG.md" in p and "1.1.0" in p for p in result.problems)


def test_several_commits_before_release_are_compared_with_the_previous_release(repo):
    """Work on an unreleased version may span commits; it is always compared with the last release."""
    _set_version(repo, "1.1.0")
    _add_changelog(repo, "## [1.1.0] - Unreleased")
    _commit(repo, "start 1.1.0")
    _add_optional_field(repo)
    _commit(repo, "add a field")
    result = check_release(repo)
    assert result.ok, result.to_text()
    assert result.baseline.startswith("1.0.0 @")
    assert [c.kind for c in result.diff.changes] == ["field-added"]


def test_no_git_repository_is_reported_not_crashed(tmp_path):
    if shutil.which("git") is None:
        _skip_or_fail("git is not installed")
    root = tmp_path / "plain"
    shutil.copytree(REPO / "schemas", root / "schemas")
    (root / "CHANGELOG.md").write_text("## [1.0.0] - 2026-01-01\n", encoding="utf-8")
    env_ceiling = os.environ.get("GIT_CEILING_DIRECTORIES")
    os.environ["GIT_CEILING_DIRECTORIES"] = str(tmp_path)
    try:
        with pytest.raises(GitUnavailable):
            check_release(root)
    finally:
        if env_ceiling is None:
            os.environ.pop("GIT_CEILING_DIRECTORIES")
        else:
            os.environ["GIT_CEILING_DIRECTORIES"] = env_ceiling


def test_version_check_command(repo):
    from typer.testing import CliRunner

    from jiceng.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["schema", "version-check", "--root", str(repo)])
    assert result.exit_code == 0 and "version check passed" in result.output
    _add_optional_field(repo)
    result = runner.invoke(app, ["schema", "version-check", "--root", str(repo)])
    assert result.exit_code == 1
    assert "grids.venue_area" in result.output and "1.1.0" in result.output and "版本检查未通过" in result.output

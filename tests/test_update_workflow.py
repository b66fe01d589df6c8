"""The generated update workflow's script, scripts/template_update.sh, run for real.

The template repository has two commits and no tags: the working tree, and a newer commit
that changes the page-size cap and adds a setting. A project generated from the first
takes the second with the script in ``--dry-run`` mode, once clean (it prints the pull
request it would open) and once after the user changed the line the newer commit changes
(it fails and names the file, though Copier itself exits 0). The workflow file around the
script is checked by actionlint, with shellcheck on its steps and on the script.
"""

from __future__ import annotations

import subprocess
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_COMBO, project_env
from tests.deploy_checks import _run, _tool, _validate_schema, actionlint
from tests.test_update import (  # noqa: F401 (_git_identity is an autouse fixture)
    NEW_CAP,
    NEW_SETTING,
    OLD_CAP,
    _git_identity,
    answers_of,
    commit_all,
    copy_template,
    edit,
    generate,
    git,
    read,
)

SCRIPT = "scripts/template_update.sh"
# The script runs the project's suite; without the example app it is half as long.
COMBO = {**DEFAULT_COMBO, "include_example_app": False}
WORKFLOW = ".github/workflows/template-update.yml"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """Return a tag-less template repository, its first commit and a newer one."""
    repo = tmp_path_factory.mktemp("template") / "copier-drf"
    copy_template(repo)
    git(repo, "init", "-q")
    first = commit_all(repo, "The template as it is")
    edit(repo / "template/common/pagination.py", OLD_CAP, NEW_CAP)
    pagination_tests = repo / "template/common/tests/test_pagination.py"
    edit(pagination_tests, "capped_at_100", "capped_at_200")
    edit(pagination_tests, "len(page) == 100", "len(page) == 200")
    with (repo / "template/config/settings/base.py.jinja").open("a", encoding="utf-8") as base:
        base.write(f"\n# Admin bulk actions post one field per selected row.\n{NEW_SETTING}\n")
    newer = commit_all(repo, "A newer commit")
    return repo, first, newer


def run_script(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the project's update script with this environment's Copier and Python."""
    scripts = Path(sysconfig.get_path("scripts"))
    env = project_env(COPIER=str(scripts / "copier"), PYTHON=str(scripts / "python"))
    return subprocess.run(
        ["bash", SCRIPT, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_script_and_workflow_are_lint_clean(
    template: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, first, _ = template
    project = generate(repo, tmp_path / "project", first, **COMBO)

    _run([_tool("shellcheck"), SCRIPT], cwd=project)
    actionlint(project / WORKFLOW)
    _validate_schema(project / WORKFLOW, "vendor.github-workflows")
    _validate_schema(project / WORKFLOW, "custom.github-workflows-require-timeout")


def test_a_clean_update_prints_its_pull_request(
    template: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, first, newer = template
    project = generate(repo, tmp_path / "project", first, **COMBO)
    commits = git(project, "rev-list", "--count", "HEAD")
    before = answers_of(project)["_commit"]

    result = run_script(project, "--dry-run", "--vcs-ref", newer)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    after = answers_of(project)["_commit"]
    assert git(repo, "rev-parse", str(after)).strip() == newer
    assert f"would push branch template-update/{after}" in result.stdout
    assert f"title: Update from the template: {before} to {after}" in result.stdout
    body = result.stdout.split("title: ", 1)[1]
    assert "```text\ncopier-drf: after this update\n" in body  # the notice is the body
    assert "Running task" not in body  # without Copier's progress lines
    assert "passed" in result.stdout  # the suite ran
    assert NEW_CAP in read(project, "common/pagination.py")
    assert git(project, "rev-list", "--count", "HEAD") == commits, "a dry run commits nothing"


def test_a_leftover_conflict_fails_whatever_copier_says(
    template: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, first, newer = template
    project = generate(repo, tmp_path / "project", first, **COMBO)
    edit(project / "common/pagination.py", OLD_CAP, "max_page_size = 500")
    commit_all(project, "Larger pages")

    result = run_script(project, "--dry-run", "--vcs-ref", newer)

    assert result.returncode == 1, result.stdout[-4000:] + result.stderr[-4000:]
    assert "the update left conflicts to resolve by hand:" in result.stderr
    assert "    common/pagination.py" in result.stderr
    assert "copier exited" not in result.stderr  # Copier itself reported success
    assert "would push" not in result.stdout
    assert "running the test suite" not in result.stdout

"""`copier update` from an older commit of this repository to the current one.

The synthetic releases of tests/test_update.py change a few lines; these tests take a
project generated from a real older commit (``OLD_COMMIT``) and update it to the working
tree, the way a user who generated a project months ago would. The template repository
is a clone without tags, as a published clone may be, so Copier records plain commits in
``_commit`` and the update runs from commit to commit (``--vcs-ref``).

The older commit must be in this repository's history: in a shallow clone the tests fail
and say how to fetch it (they do not skip).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_COMBO, TEMPLATE_ROOT, run_in
from tests.test_update import (  # noqa: F401 (_git_identity is an autouse fixture)
    ALL_OPTIONS,
    _git_identity,
    answers_of,
    commit_all,
    conflicts,
    copy_template,
    generate,
    git,
    read,
    update,
)

# main before the upgrade work ("S3 storage tests reuse the production_env fixture ...").
OLD_COMMIT = "66980f3"
USER_LINE = "Deployment notes for this service live in the ops handbook, chapter 4."


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a tag-less clone of this repository whose HEAD is the working tree."""
    found = subprocess.run(
        ["git", "cat-file", "-e", f"{OLD_COMMIT}^{{commit}}"],
        cwd=TEMPLATE_ROOT,
        capture_output=True,
        check=False,
    )
    if found.returncode != 0:
        pytest.fail(
            f"commit {OLD_COMMIT} is not in this clone's history (a shallow clone?); "
            "run `git fetch --unshallow` (CI: checkout with fetch-depth: 0) and try again"
        )
    repo = tmp_path_factory.mktemp("history") / "copier-drf"
    subprocess.run(
        ["git", "clone", "-q", "--no-tags", str(TEMPLATE_ROOT), str(repo)],
        check=True,
        capture_output=True,
    )
    assert git(repo, "tag", "-l") == "", "a clone without tags: Copier falls back to commits"
    # Uncommitted work in the working tree is part of "now".
    copy_template(repo)
    git(repo, "add", "-A")
    if git(repo, "status", "--porcelain"):
        commit_all(repo, "Work in progress")
    return repo


def head_of(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.mark.parametrize("combo", [DEFAULT_COMBO, ALL_OPTIONS], ids=["default", "all-options"])
def test_untouched_project_updates_from_an_older_commit(
    history: Path, tmp_path: Path, combo: dict[str, bool]
) -> None:
    project = generate(history, tmp_path / "project", OLD_COMMIT, **combo)
    recorded = str(answers_of(project)["_commit"])
    assert git(history, "rev-parse", recorded).startswith(OLD_COMMIT)

    update(project, vcs_ref="HEAD")

    assert conflicts(project) == []
    assert not (project / ".copier-kept").exists()
    answers = answers_of(project)
    assert git(history, "rev-parse", str(answers["_commit"])).strip() == head_of(history)
    assert combo.items() <= answers.items()
    run_in(project, "-m", "pytest", "-q", "-p", "no:cacheprovider")


def test_user_edit_survives_update_from_an_older_commit(history: Path, tmp_path: Path) -> None:
    project = generate(history, tmp_path / "project", OLD_COMMIT, **DEFAULT_COMBO)
    readme = project / "README.md"
    title, rest = read(project, "README.md").split("\n", 1)
    readme.write_text(f"{title}\n\n{USER_LINE}\n{rest}", encoding="utf-8")
    commit_all(project, "Point to the ops handbook")
    old_readme = git(history, "show", f"{OLD_COMMIT}:template/README.md.jinja")
    assert old_readme != read(history, "template/README.md.jinja"), "the release must change it"

    update(project, vcs_ref=head_of(history))

    merged = read(project, "README.md")
    assert USER_LINE in merged
    # The release's own change to the same file landed too.
    assert "copier-template-extensions" in merged
    assert conflicts(project) == []

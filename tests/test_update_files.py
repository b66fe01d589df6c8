"""`copier update` never loses a line: renamed files, options turned off, conflicts.

Each test builds a throwaway template repository from the working tree (release 1.0.0)
and, where it needs one, a synthetic 2.0.0, then updates a generated project the user
has edited and checks where every side of the change ends up.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier import run_recopy
from copier.errors import InteractiveSessionError

from tests.conftest import DEFAULT_COMBO, TEMPLATE_ROOT
from tests.test_update import (  # noqa: F401 (_git_identity is an autouse fixture)
    ALL_OPTIONS,
    NEW_CAP,
    OLD_CAP,
    _git_identity,
    answers_of,
    commit_all,
    conflicts,
    copy_template,
    edit,
    generate,
    git,
    read,
    update,
)

OLD_PATH, NEW_PATH = "common/pagination.py", "common/paging.py"
MOVE_MIGRATION = {
    "version": "2.0.0",
    "when": "{{ _stage == 'before' }}",
    "command": [
        "{{ _copier_python }}",
        "{{ _copier_conf.src_path }}/hooks/migrations/move_files.py",
        f"{OLD_PATH}={NEW_PATH}",
    ],
}
USER_CLASS = '''

class LargePagination(StandardPagination):
    """Pages for the reporting export (added by the user)."""

    max_page_size = 1000
'''
USER_TASK = '''

@shared_task
def send_weekly_digest() -> None:
    """Mail the weekly digest (the user's own task)."""
'''
USER_BEAT_COMMENT = "# The user's note: beat runs on the ops host only.\n"
KEPT = ".copier-kept"


def template_repo(root: Path) -> Path:
    """Return a git repository holding the working tree's template, tagged 1.0.0."""
    repo = root / "copier-drf"
    copy_template(repo)
    git(repo, "init", "-q")
    commit_all(repo, "Release 1.0.0")
    git(repo, "tag", "1.0.0")
    return repo


def add_migration(repo: Path, entry: dict[str, Any]) -> None:
    """Put ``entry`` first in the repository's `_migrations`."""
    config_path = repo / "copier.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["_migrations"] = [entry, *(config.get("_migrations") or [])]
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, width=4096), encoding="utf-8")


def cut_rename_release(repo: Path, *, with_helper: bool = True) -> None:
    """Release 2.0.0 moves common/pagination.py to common/paging.py (and raises the cap)."""
    template = repo / "template"
    git(repo, "mv", f"template/{OLD_PATH}", f"template/{NEW_PATH}")
    edit(template / NEW_PATH, OLD_CAP, NEW_CAP)
    for path in template.rglob("*"):
        if path.is_file() and "common.pagination" in path.read_text(encoding="utf-8"):
            path.write_text(
                path.read_text(encoding="utf-8").replace("common.pagination", "common.paging"),
                encoding="utf-8",
            )
    if with_helper:
        add_migration(repo, MOVE_MIGRATION)
    commit_all(repo, "Release 2.0.0: common/paging.py")
    git(repo, "tag", "2.0.0")


def test_release_that_moves_a_file_carries_the_users_edits(tmp_path: Path) -> None:
    repo = template_repo(tmp_path)
    cut_rename_release(repo)
    project = generate(repo, tmp_path / "project", "1.0.0", **DEFAULT_COMBO)
    (project / OLD_PATH).write_text(read(project, OLD_PATH) + USER_CLASS, encoding="utf-8")
    commit_all(project, "Large pages for exports")

    update(project, "2.0.0")

    assert not (project / OLD_PATH).exists()
    moved = read(project, NEW_PATH)
    # The user's class followed the file: as content, or inside a conflict to resolve.
    assert "class LargePagination(StandardPagination):" in moved
    assert "max_page_size = 1000" in moved
    assert NEW_CAP in moved
    assert not (project / KEPT).exists()
    assert answers_of(project)["_commit"] == "2.0.0"


# -- item: an answer change removes files the user edited -----------------------------


def test_turning_celery_off_keeps_the_users_edits_then_on_again(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    repo = template_repo(tmp_path)
    project = generate(repo, tmp_path / "project", "1.0.0", **ALL_OPTIONS)
    tasks, celery_app = project / "apps/orders/tasks.py", project / "config/celery.py"
    tasks.write_text(read(project, "apps/orders/tasks.py") + USER_TASK, encoding="utf-8")
    celery_app.write_text(read(project, "config/celery.py") + USER_BEAT_COMMENT, encoding="utf-8")
    commit_all(project, "Weekly digest")
    capfd.readouterr()

    update(project, "1.0.0", use_celery=False)

    output = "".join(capfd.readouterr())
    assert not tasks.exists()
    assert not celery_app.exists()
    # The edited files are kept, byte for byte, and the user is told where.
    assert read(project, f"{KEPT}/apps/orders/tasks.py").endswith(USER_TASK)
    assert read(project, f"{KEPT}/config/celery.py").endswith(USER_BEAT_COMMENT)
    assert f"{KEPT}/apps/orders/tasks.py" in output
    assert f"{KEPT}/config/celery.py" in output
    # Files the user never touched go without a copy.
    kept = sorted(str(p.relative_to(project / KEPT)) for p in (project / KEPT).rglob("*.py"))
    assert kept == ["apps/orders/tasks.py", "config/celery.py"]
    assert conflicts(project) == []

    # The user moves their task back (as the notice says), commits, and turns Celery on.
    shutil.move(project / KEPT / "apps/orders/tasks.py", tasks)
    commit_all(project, "Celery off, digest task kept")

    update(project, "1.0.0", use_celery=True)

    assert answers_of(project)["use_celery"] is True
    assert celery_app.is_file()
    assert (project / "config/settings/components/celery.py").is_file()
    # The task file the option brings back meets the user's own: their task survives.
    assert "def send_weekly_digest() -> None:" in tasks.read_text(encoding="utf-8")
    # The kept copy of config/celery.py is the user's to delete; the update leaves it.
    assert read(project, f"{KEPT}/config/celery.py").endswith(USER_BEAT_COMMENT)


# -- item: what `--conflict rej` does (docs/updating.md, "Resolving conflicts") --------


def test_conflict_rej_renders_the_release_and_rejects_the_users_hunk(tmp_path: Path) -> None:
    repo = template_repo(tmp_path)
    edit(repo / "template/common/pagination.py", OLD_CAP, NEW_CAP)
    commit_all(repo, "Release 2.0.0")
    git(repo, "tag", "2.0.0")
    project = generate(repo, tmp_path / "project", "1.0.0", **DEFAULT_COMBO)
    edit(project / "common/pagination.py", OLD_CAP, "max_page_size = 50")
    commit_all(project, "Smaller pages")

    update(project, "2.0.0", conflict="rej")

    merged = read(project, "common/pagination.py")
    rejected = read(project, "common/pagination.py.rej")
    # The file holds the new release's line; the user's change waits in the .rej file.
    assert NEW_CAP in merged
    assert "max_page_size = 50" not in merged
    assert re.search(r"^\+\s*max_page_size = 50$", rejected, re.MULTILINE)
    assert re.search(rf"^-\s*{OLD_CAP}$", rejected, re.MULTILINE)
    docs = " ".join((TEMPLATE_ROOT / "docs/updating.md").read_text(encoding="utf-8").split())
    assert "With `--conflict rej`, Copier writes the new release's version of the file" in docs
    assert "your change that did not apply goes into `FILE.rej`" in docs


# -- item: the notice after an update ---------------------------------------------------


def test_update_prints_what_needs_attention(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    repo = template_repo(tmp_path)
    edit(repo / "template/common/pagination.py", OLD_CAP, NEW_CAP)
    with (repo / "template/.env.example.jinja").open("a", encoding="utf-8") as example:
        example.write("REPORTS_BUCKET=\n")
    commit_all(repo, "Release 2.0.0")
    git(repo, "tag", "2.0.0")
    project = generate(repo, tmp_path / "project", "1.0.0", **DEFAULT_COMBO)
    edit(project / "common/pagination.py", OLD_CAP, "max_page_size = 50")
    commit_all(project, "Smaller pages")
    (project / ".env").write_text(read(project, ".env.example"), encoding="utf-8")
    capfd.readouterr()

    update(project, "2.0.0")

    output = capfd.readouterr().out
    print(output)  # the notice, for the record
    assert "copier-drf: after this update" in output
    notice = output.split("copier-drf: after this update", 1)[1]
    assert re.search(r"conflicts to resolve.*\n\s+common/pagination.py\n", notice)
    assert re.search(r"your \.env does not set:\n\s+REPORTS_BUCKET\n", notice)
    assert "Review `git diff`" in notice


def test_documented_move_migration_is_the_one_tested() -> None:
    docs = (TEMPLATE_ROOT / "docs/updating.md").read_text(encoding="utf-8")
    section = docs.split("**A moved or renamed file**", 1)[1]
    example = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)

    assert example is not None
    assert yaml.safe_load(example[1]) == [MOVE_MIGRATION]


# -- item: what `copier recopy` does (docs/updating.md, "Updating a project") ----------


def test_recopy_needs_overwrite_and_never_deletes(tmp_path: Path) -> None:
    repo = template_repo(tmp_path)
    project = generate(repo, tmp_path / "project", "1.0.0", **{**DEFAULT_COMBO, "use_s3": True})
    edit(project / "common/pagination.py", OLD_CAP, "max_page_size = 50")
    commit_all(project, "Smaller pages")
    recopy = {"defaults": True, "unsafe": True, "skip_tasks": True, "quiet": True}

    with pytest.raises(InteractiveSessionError, match="--overwrite"):
        run_recopy(str(project), **recopy)

    run_recopy(str(project), data={"use_s3": False}, overwrite=True, **recopy)

    assert answers_of(project)["use_s3"] is False
    # The user's change to a template file is overwritten: no merge.
    assert OLD_CAP in read(project, "common/pagination.py")
    # Files of the option turned off stay behind: a recopy never deletes.
    assert (project / "config/settings/components/s3.py").is_file()
    assert "django-storages" not in read(project, "requirements/base.txt")

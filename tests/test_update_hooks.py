"""Unit tests of the update hooks: move_files.py, keep_removed_edits.py, update_notice.py.

Each test builds a small git repository in tmp_path standing for a generated project.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from plumbum import local

from hooks import keep_removed_edits, update_notice
from hooks.migrations import move_files
from tests.test_update import GIT_IDENTITY, commit_all, git

PRISTINE = "class StandardPagination:\n    max_page_size = 100\n"
EDITED = PRISTINE + "\n\nclass LargePagination(StandardPagination):\n    max_page_size = 1000\n"


@pytest.fixture(autouse=True)
def _git_identity() -> Iterator[None]:
    with local.env(**GIT_IDENTITY):
        yield


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return a committed git repository with two files and an answers file."""
    root = tmp_path / "project"
    (root / "common").mkdir(parents=True)
    (root / "common/pagination.py").write_text(EDITED, encoding="utf-8")
    (root / "README.md").write_text("# Project\n", encoding="utf-8")
    (root / ".gitignore").write_text(".env\n*.rej\n", encoding="utf-8")
    (root / ".copier-answers.yml").write_text(
        "_commit: 1.0.0\n_src_path: /nowhere\nuse_celery: true\n", encoding="utf-8"
    )
    git(root, "init", "-q")
    commit_all(root, "Generate")
    return root


# -- move_files ------------------------------------------------------------------------


def test_move_files_moves_the_file_in_the_index_too(project: Path) -> None:
    status = move_files.main(["--project", str(project), "common/pagination.py=common/paging.py"])

    assert status == 0
    assert (project / "common/paging.py").read_text(encoding="utf-8") == EDITED
    assert not (project / "common/pagination.py").exists()
    # Copier reads the project's side of the merge from the index.
    assert git(project, "ls-files", "common").split() == ["common/paging.py"]


def test_move_files_is_harmless_twice_and_skips_missing_files(project: Path) -> None:
    args = ["--project", str(project), "common/pagination.py=common/paging.py", "a.py=b.py"]

    assert move_files.main(args) == 0
    assert move_files.main(args) == 0

    assert (project / "common/paging.py").read_text(encoding="utf-8") == EDITED
    assert not (project / "b.py").exists()


def test_move_files_moves_untracked_files_and_removes_empty_folders(project: Path) -> None:
    (project / "old/deep").mkdir(parents=True)
    (project / "old/deep/notes.py").write_text("x = 1\n", encoding="utf-8")

    assert move_files.main(["--project", str(project), "old/deep/notes.py=new/notes.py"]) == 0

    assert (project / "new/notes.py").read_text(encoding="utf-8") == "x = 1\n"
    assert not (project / "old").exists()


def test_move_files_refuses_to_overwrite(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "common/paging.py").write_text("mine\n", encoding="utf-8")

    status = move_files.main(["--project", str(project), "common/pagination.py=common/paging.py"])

    assert status == 1
    assert "both common/pagination.py and common/paging.py exist" in capsys.readouterr().err
    assert (project / "common/pagination.py").read_text(encoding="utf-8") == EDITED
    assert (project / "common/paging.py").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("pair", ["a.py", "=b.py", "/etc/passwd=b.py", "a.py=../b.py"])
def test_move_files_rejects_bad_pairs(pair: str) -> None:
    with pytest.raises(SystemExit):
        move_files.main([pair])


# -- keep_removed_edits ----------------------------------------------------------------


def test_removed_paths_are_the_files_only_the_index_still_has(project: Path) -> None:
    (project / "common/pagination.py").unlink()  # what Copier does to a dropped file
    git(project, "rm", "-q", "README.md")  # a deletion git knows of: not the update's doing

    assert keep_removed_edits.removed_paths(project) == ["common/pagination.py"]


def test_edited_files_are_kept_and_pristine_ones_let_go(project: Path, tmp_path: Path) -> None:
    pristine = tmp_path / "pristine"
    (pristine / "common").mkdir(parents=True)
    (pristine / "common/pagination.py").write_text(PRISTINE, encoding="utf-8")
    (pristine / "README.md").write_text("# Project\n", encoding="utf-8")
    (project / "common/pagination.py").unlink()
    (project / "README.md").unlink()

    removed = keep_removed_edits.removed_paths(project)
    changed = keep_removed_edits.edited(project, removed, pristine)
    kept = keep_removed_edits.keep(project, changed)

    assert changed == ["common/pagination.py"]
    assert kept == [Path(".copier-kept/common/pagination.py")]
    assert (project / kept[0]).read_text(encoding="utf-8") == EDITED
    assert ".copier-kept/common/pagination.py" in keep_removed_edits.report(kept)


def test_a_removed_file_the_old_release_never_rendered_is_kept(
    project: Path, tmp_path: Path
) -> None:
    (project / "README.md").unlink()

    assert keep_removed_edits.edited(project, ["README.md"], tmp_path / "empty") == ["README.md"]


def test_keep_removed_edits_does_nothing_when_nothing_was_removed(project: Path) -> None:
    assert keep_removed_edits.main(["--project", str(project)]) == 0
    assert not (project / ".copier-kept").exists()


def test_keep_removed_edits_fails_loudly_when_it_cannot_check(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "common/pagination.py").unlink()

    # The recorded template (/nowhere) cannot be rendered again.
    status = keep_removed_edits.main(["--project", str(project)])

    assert status == 1
    err = capsys.readouterr().err
    assert "could not check the removed files common/pagination.py" in err
    assert "git show HEAD:<path>" in err


def test_old_answers_need_a_template_and_a_commit(project: Path) -> None:
    (project / ".copier-answers.yml").write_text("use_celery: true\n", encoding="utf-8")
    commit_all(project, "Break the answers")

    with pytest.raises(ValueError, match="does not name a template and a commit"):
        keep_removed_edits.old_answers(project, ".copier-answers.yml")


# -- update_notice ---------------------------------------------------------------------


def test_missing_env_ignores_comments_and_reads_export() -> None:
    example = "# A comment\nDJANGO_DEBUG=true\n# OPTIONAL_KEY=x\nexport REDIS_URL=\nNEW_ONE=\n"
    env = "DJANGO_DEBUG=false\nREDIS_URL=redis://x\n"

    assert update_notice.missing_env(example, env) == ["NEW_ONE"]


@pytest.mark.parametrize(
    ("relative", "content", "expected"),
    [
        ("a.py", b"x = 1\n<<<<<<< before updating\ny\n=======\nz\n>>>>>>> after updating\n", True),
        ("a.py.rej", b"", True),
        ("a.py", b"x = '<<<<<<< not at line start'\n", False),
        ("a.md", b"=======\nA heading underline\n", False),
    ],
    ids=["markers", "rej", "quoted", "setext-heading"],
)
def test_has_conflict(relative: str, content: bytes, *, expected: bool) -> None:
    assert update_notice.has_conflict(relative, content) is expected


def test_collect_finds_everything_that_needs_attention(project: Path) -> None:
    (project / "requirements").mkdir()
    (project / "requirements/base.txt").write_text("django\n", encoding="utf-8")
    (project / "requirements/development.lock").write_text("django==5.2\n", encoding="utf-8")
    (project / ".env.example").write_text("DJANGO_DEBUG=true\n", encoding="utf-8")
    (project / ".env").write_text("DJANGO_DEBUG=true\n", encoding="utf-8")
    commit_all(project, "More files")
    # What an update leaves behind.
    (project / "requirements/base.txt").write_text("django\ncelery\n", encoding="utf-8")
    (project / "requirements/development.lock").write_text("django==5.2.1\n", encoding="utf-8")
    (project / ".env.example").write_text("DJANGO_DEBUG=true\nREDIS_URL=\n", encoding="utf-8")
    (project / "apps/orders/migrations").mkdir(parents=True)
    (project / "apps/orders/migrations/0003_order_note.py").write_text("", encoding="utf-8")
    (project / "README.md").write_text("<<<<<<< before updating\n", encoding="utf-8")
    (project / "common/pagination.py.rej").write_text("@@\n", encoding="utf-8")
    (project / ".copier-kept/config").mkdir(parents=True)
    (project / ".copier-kept/config/celery.py").write_text("", encoding="utf-8")

    report = update_notice.collect(project)

    assert report.conflicts == ["README.md", "common/pagination.py.rej"]
    assert report.kept == [".copier-kept/config/celery.py"]
    assert report.missing_env == ["REDIS_URL"]
    assert report.migrations == ["apps/orders/migrations/0003_order_note.py"]
    assert report.requirements == ["requirements/base.txt", "requirements/development.lock"]
    notice = update_notice.render(report)
    for expected in (
        "conflicts to resolve",
        ".copier-kept/config/celery.py",
        "REDIS_URL",
        "python manage.py migrate",
        "pip install --require-hashes --no-deps -r requirements/development.lock",
    ):
        assert expected in notice


def test_notice_for_a_clean_update_says_so(project: Path) -> None:
    notice = update_notice.render(update_notice.collect(project))

    assert "no conflicts, no new variables, migrations or requirements" in notice
    assert update_notice.collect(project).no_env_file is False  # no .env.example here


def test_notice_asks_for_a_missing_env_file() -> None:
    notice = update_notice.render(update_notice.Report(no_env_file=True))

    assert "cp .env.example .env" in notice


def test_notice_never_fails_the_update(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert update_notice.main([str(tmp_path)]) == 0  # not a git repository
    assert "could not inspect the project" in capsys.readouterr().out


def test_both_hooks_name_the_same_folder() -> None:
    assert update_notice.KEPT_DIR == keep_removed_edits.KEPT_DIR


def test_hooks_run_as_scripts(project: Path) -> None:
    """Copier runs them by path from the project, with no package around them."""
    hooks = Path(__file__).resolve().parent.parent / "hooks"
    # A file the update removed: keep_removed_edits.py must reach it, and here say it cannot
    # render the recorded template (/nowhere) to compare it with.
    (project / "common/pagination.py").unlink()
    for script, status, expected in (
        ("update_notice.py", 0, "copier-drf: after this update"),
        ("keep_removed_edits.py", 1, "could not check the removed files common/pagination.py"),
        ("migrations/move_files.py", 0, "move_files: moved README.md to docs/README.md"),
    ):
        args = ["README.md=docs/README.md"] if script.endswith("move_files.py") else []
        completed = subprocess.run(
            [sys.executable, str(hooks / script), *args],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        output = completed.stdout + completed.stderr
        assert (completed.returncode, expected in output) == (status, True), output


# -- update_notice: what the merge cannot settle --------------------------------------

INITIAL = "class Migration:\n    dependencies = []\n"


def _migration(*dependencies: tuple[str, str], replaces: tuple[str, ...] = ()) -> str:
    replaced = "".join(f"        ('orders', {name!r}),\n" for name in replaces)
    return (
        "from django.conf import settings\nfrom django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    replaces = [\n{replaced}    ]\n"
        "    dependencies = [\n"
        "        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n"
        + "".join(f"        {dependency!r},\n" for dependency in dependencies)
        + "    ]\n"
    )


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")


def test_migration_leaves_finds_two_lines_in_one_app(project: Path) -> None:
    orders = "apps/orders/migrations"
    _write(
        project,
        {
            f"{orders}/0001_initial.py": INITIAL,
            f"{orders}/0002_order_note.py": _migration(("orders", "0001_initial")),
            "apps/users/migrations/0001_initial.py": INITIAL,
            ".venv/lib/site-packages/x/migrations/0001_initial.py": INITIAL,
            ".venv/lib/site-packages/x/migrations/0002_other.py": INITIAL,
        },
    )
    (project / ".gitignore").write_text(".env\n*.rej\n.venv/\n", encoding="utf-8")
    commit_all(project, "The user's own 0002")
    assert update_notice.migration_leaves(project) == {}

    _write(
        project,
        {f"{orders}/0002_order_confirmation_sent_at.py": _migration(("orders", "0001_initial"))},
    )
    assert update_notice.migration_leaves(project) == {
        "apps/orders": ["0002_order_confirmation_sent_at", "0002_order_note"]
    }

    # What `makemigrations --merge orders` writes joins them again.
    _write(
        project,
        {
            f"{orders}/0003_merge.py": _migration(
                ("orders", "0002_order_confirmation_sent_at"), ("orders", "0002_order_note")
            )
        },
    )
    assert update_notice.migration_leaves(project) == {}


def test_a_squashed_migration_is_not_a_leaf_of_its_own(project: Path) -> None:
    orders = "apps/orders/migrations"
    _write(
        project,
        {
            f"{orders}/0001_initial.py": INITIAL,
            f"{orders}/0002_note.py": _migration(("orders", "0001_initial")),
            f"{orders}/0001_squashed_0002.py": _migration(replaces=("0001_initial", "0002_note")),
            f"{orders}/0003_more.py": _migration(("orders", "0002_note")),
        },
    )
    assert update_notice.migration_leaves(project) == {}


def test_notice_names_the_migration_conflict_and_the_merge() -> None:
    report = update_notice.Report(
        migration_leaves={"apps/orders": ["0002_order_confirmation_sent_at", "0002_order_note"]}
    )

    notice = update_notice.render(report)

    assert "apps/orders: 0002_order_confirmation_sent_at, 0002_order_note" in notice
    assert "`python manage.py makemigrations --merge orders`" in notice


def _answers(project: Path, **answers: bool) -> None:
    lines = "".join(f"{key}: {str(value).lower()}\n" for key, value in answers.items())
    (project / ".copier-answers.yml").write_text(
        f"_commit: 1.0.0\n_src_path: /nowhere\n{lines}", encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("old", "new", "creates", "dropped"),
    [
        (False, True, "token_blacklist", "authtoken_token"),
        (True, False, "authtoken", "token_blacklist_outstandingtoken"),
    ],
    ids=["token-to-jwt", "jwt-to-token"],
)
def test_notice_says_what_a_jwt_switch_asks_of_the_database(
    project: Path, *, old: bool, new: bool, creates: str, dropped: str
) -> None:
    _answers(project, use_jwt=old, use_celery=True)
    commit_all(project, "Answers")
    _answers(project, use_jwt=new, use_celery=False)

    report = update_notice.collect(project)
    notice = update_notice.render(report)

    assert report.switched == {"use_jwt": new}  # Celery has no tables
    assert f"`python manage.py migrate` creates the tables of {creates}" in notice
    assert f"DROP TABLE {dropped};" in notice
    left = "authtoken" if new else "token_blacklist"
    assert f"DELETE FROM django_migrations WHERE app = '{left}';" in notice  # noqa: S608
    assert f"`python manage.py migrate {left} zero`" in notice
    assert "remove_stale_contenttypes --include-stale-apps" in notice


def test_new_env_lists_new_names_commented_out_or_not() -> None:
    old = "DJANGO_DEBUG=true\n# DJANGO_THROTTLE_ANON=100/hour\n"
    new = old + "# DJANGO_THROTTLE_LOGIN_ACCOUNT=20/hour\n#DJANGO_NUM_PROXIES=1\nREPORTS=\n"

    assert update_notice.new_env(old, new) == [
        "DJANGO_THROTTLE_LOGIN_ACCOUNT",
        "DJANGO_NUM_PROXIES",
        "REPORTS",
    ]


def test_collect_lists_new_locks_conformance_rules_and_kept_files_back(project: Path) -> None:
    _write(
        project,
        {
            ".env.example": "DJANGO_DEBUG=true\n",
            ".env": "DJANGO_DEBUG=true\n",
            ".copier-kept/config/celery.py": "app = 'mine'\n",
        },
    )
    commit_all(project, "Kept from an earlier update")
    _write(
        project,
        {
            ".env.example": "DJANGO_DEBUG=true\n# DJANGO_NUM_PROXIES=1\n",
            "requirements/production.lock": "gunicorn==23.0.0\n",
            "common/checks/models.py": "RULE = None\n",
            "config/celery.py": "app = 'template'\n",
        },
    )

    report = update_notice.collect(project)
    notice = update_notice.render(report)

    assert report.requirements == ["requirements/production.lock"]
    assert report.new_env == ["DJANGO_NUM_PROXIES"]
    assert report.missing_env == []
    assert report.conformance == ["common/checks/models.py"]
    assert report.restored == ["config/celery.py"]
    assert "`python -m pytest common/tests`" in notice
    assert "diff -u .copier-kept/<path> <path>" in notice
    assert "DJANGO_NUM_PROXIES" in notice


def test_system_check_runs_only_with_the_projects_virtualenv(project: Path) -> None:
    manage = (
        "import sys\n"
        "print('System check identified some issues:\\n\\nWARNINGS:')\n"
        "print('apps.library.Book: (conventions.W001) A rule new in this release.')\n"
        "print('System check identified 1 issue (0 silenced).')\n"
    )
    (project / "manage.py").write_text(manage, encoding="utf-8")
    assert update_notice.system_check(project) == []  # no .venv: nothing to run it with

    (project / ".venv/bin").mkdir(parents=True)
    (project / ".venv/bin/python").symlink_to(sys.executable)
    messages = update_notice.system_check(project)

    assert messages == ["apps.library.Book: (conventions.W001) A rule new in this release."]
    assert "`python manage.py check` reports:" in update_notice.render(
        update_notice.Report(checks=messages)
    )

"""Turning an option on or off with `copier update` leaves the database schema alone.

A project is generated with Celery off; its owner adds a field to the example app and its
migration, and commits. Then `copier update` turns Celery on, and later off again. Had the
template shipped a migration only with Celery, turning it on would bring a second
``0002_*`` beside the user's (Django refuses "multiple leaf nodes"), and turning it off
would delete a migration the database has applied. After each step the models match the
migrations (``makemigrations --check``) and ``migrate`` applies cleanly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from copier import run_copy, run_update

from tests.conftest import BASE_ANSWERS, DEFAULT_COMBO, project_env, run_in
from tests.test_update import (  # noqa: F401 (_git_identity is an autouse fixture)
    _git_identity,
    commit_all,
    copy_template,
    git,
)

USER_FIELD = "    gift_wrap = models.BooleanField(default=False)\n"
FIELD_ANCHOR = "    cancellation_reason = models.TextField("


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a git repository holding the working tree's template as one commit."""
    repo = tmp_path_factory.mktemp("template") / "copier-drf"
    copy_template(repo)
    git(repo, "init", "-q")
    commit_all(repo, "The template as it is")
    return repo


def toggle_celery(project: Path, *, on: bool) -> None:
    """Run `copier update --trust --defaults -d use_celery=... --vcs-ref HEAD`."""
    run_update(
        str(project),
        data={"use_celery": on},
        vcs_ref="HEAD",
        defaults=True,
        overwrite=True,
        unsafe=True,
        skip_tasks=True,
        quiet=True,
    )


def migrations_of(project: Path) -> list[str]:
    folder = project / "apps/orders/migrations"
    return sorted(path.stem for path in folder.glob("0*.py"))


def assert_schema_is_clean(project: Path, env: dict[str, str]) -> None:
    """The models match the migrations and every migration applies."""
    run_in(project, "manage.py", "makemigrations", "--check", "--dry-run", env=env)
    run_in(project, "manage.py", "migrate", "--noinput", env=env)
    plan = run_in(project, "manage.py", "migrate", "--plan", env=env).stdout
    assert "No planned migration operations." in plan, plan


def test_turning_celery_on_and_off_keeps_the_schema(template_repo: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    run_copy(
        str(template_repo),
        str(project),
        data={**BASE_ANSWERS, **DEFAULT_COMBO, "include_example_app": True},
        vcs_ref="HEAD",
        defaults=True,
        unsafe=True,
        skip_tasks=True,
        quiet=True,
    )
    git(project, "init", "-q")
    commit_all(project, "Generate the project")
    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.development",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    run_in(project, "manage.py", "migrate", "--noinput", env=env)
    shipped = migrations_of(project)

    models = project / "apps/orders/models.py"
    text = models.read_text(encoding="utf-8")
    assert FIELD_ANCHOR in text
    models.write_text(text.replace(FIELD_ANCHOR, USER_FIELD + FIELD_ANCHOR, 1), encoding="utf-8")
    run_in(project, "manage.py", "makemigrations", "orders", "--name", "order_gift_wrap", env=env)
    assert_schema_is_clean(project, env)
    commit_all(project, "Orders can be gift-wrapped")
    with_user_migration = migrations_of(project)
    assert len(with_user_migration) == len(shipped) + 1

    for celery in (True, False):
        toggle_celery(project, on=celery)

        assert (project / "config/celery.py").exists() is celery
        assert USER_FIELD in models.read_text(encoding="utf-8")
        assert_schema_is_clean(project, env)
        assert migrations_of(project) == with_user_migration
        assert git(project, "status", "--porcelain", "apps/orders/migrations") == ""
        commit_all(project, f"Celery {'on' if celery else 'off'}")

"""`copier update` moves a project with the user's work from Django 5.2 LTS to 6.1.

A project generated with the defaults (Django 5.2, Python 3.12) gets the user's work: a
selector, a setting of their own and a model field with its migration. Then, as
docs/updating.md tells, ``copier update --data django_version=6.1 --data python_version=3.13``
on the same release: the work survives without a conflict, the notice says what changed and
what to run, and on Python 3.13 with the 6.1 lock the migrations apply, nothing is left to
migrate, the checks pass and so does the generated suite.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hooks import update_notice
from tests.conftest import DEFAULT_COMBO, project_python, run_in
from tests.test_update import (
    _git_identity,  # noqa: F401 (an autouse fixture)
    answers_of,
    commit_all,
    conflicts,
    copy_template,
    generate,
    git,
    read,
    update,
)

ANSWERS = {**DEFAULT_COMBO, "include_example_app": True}
USER_SELECTOR = '''

def user_count() -> int:
    """Return how many users have an account (for the admin dashboard)."""
    return User.objects.count()
'''
USER_SETTING = (
    "\n# Sign staff out of the admin after a working day.\nSESSION_COOKIE_AGE = 8 * 60 * 60\n"
)
USER_FIELD = '    gift_message = models.TextField(blank=True, default="")\n'
USER_MIGRATION = "apps/orders/migrations/0003_order_gift_message.py"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a template repository whose one release, 1.0.0, is the working tree."""
    repo = tmp_path_factory.mktemp("release") / "copier-drf"
    copy_template(repo)
    git(repo, "init", "-q")
    commit_all(repo, "Release 1.0.0")
    git(repo, "tag", "1.0.0")
    return repo


def add_user_work(project: Path) -> None:
    """Write a selector, a setting and a model field with its migration (on Django 5.2)."""
    selectors = project / "apps/users/selectors.py"
    selectors.write_text(read(project, "apps/users/selectors.py") + USER_SELECTOR, "utf-8")
    base = project / "config/settings/base.py"
    anchor = 'DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"\n'
    base.write_text(read(project, "config/settings/base.py").replace(anchor, anchor + USER_SETTING))
    models = project / "apps/orders/models.py"
    anchor = '    cancellation_reason = models.TextField(blank=True, default="")\n'
    assert anchor in read(project, "apps/orders/models.py")
    models.write_text(read(project, "apps/orders/models.py").replace(anchor, anchor + USER_FIELD))
    run_in(project, "manage.py", "makemigrations", "orders", "--name", "order_gift_message")
    assert (project / USER_MIGRATION).is_file()
    commit_all(project, "Gift messages, user count, shorter sessions")


def test_update_from_django_5_2_to_6_1_on_python_3_13(
    release: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    project = generate(release, tmp_path / "project", "1.0.0", **ANSWERS)
    assert answers_of(project)["django_version"] == "5.2"
    add_user_work(project)
    capfd.readouterr()

    update(project, vcs_ref="1.0.0", django_version="6.1", python_version="3.13")

    notice = capfd.readouterr().out
    print(notice)
    assert conflicts(project) == []
    answers = answers_of(project)
    assert (answers["django_version"], answers["python_version"]) == ("6.1", "3.13")
    assert "Django>=6.1,<6.2" in read(project, "requirements/base.txt")
    assert re.search(r"^django==6\.1\.", read(project, "requirements/development.lock"), re.M)
    assert 'requires-python = ">=3.13"' in read(project, "pyproject.toml")
    assert (project / "config/settings/components/csp.py").is_file()
    assert read(project, "apps/users/selectors.py").endswith(USER_SELECTOR)
    assert USER_SETTING in read(project, "config/settings/base.py")
    assert USER_FIELD in read(project, "apps/orders/models.py")
    assert (project / USER_MIGRATION).is_file()
    assert "moves from Python 3.12 to Python 3.13" in notice
    assert "python3.13 -m venv .venv" in notice
    assert "moves from Django 5.2 to Django 6.1" in notice
    assert "python manage.py migrate" in notice
    assert "requirements/development.lock" in notice

    python = project_python("3.13", "6.1")
    migrated = run_in(project, "manage.py", "migrate", "--noinput", python=python)
    assert "orders.0003_order_gift_message... OK" in migrated.stdout, migrated.stdout
    print(migrated.stdout)
    run_in(project, "manage.py", "makemigrations", "--check", "--dry-run", python=python)
    run_in(project, "manage.py", "check", "--fail-level", "WARNING", python=python)
    suite = run_in(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", python=python)
    assert re.search(r"\d+ passed", suite.stdout), suite.stdout[-3000:]
    print(f"the suite after the update: {suite.stdout.splitlines()[-1]}")


def test_notice_names_the_runtime_changes(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    answers = tmp_path / ".copier-answers.yml"
    answers.write_text("_commit: 1.0.0\ndjango_version: '5.2'\npython_version: '3.12'\n")
    commit_all(tmp_path, "Generate")
    answers.write_text("_commit: 1.0.0\ndjango_version: '6.1'\npython_version: '3.12'\n")

    report = update_notice.collect(tmp_path)

    assert report.runtime == [("Django", "5.2", "6.1")]
    assert "moves from Django 5.2 to Django 6.1" in update_notice.render(report)

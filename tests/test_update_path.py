"""A project with real work, generated from an older commit, updated to now, ends green.

The project (default answers: JWT, Celery off, the example app) gets the work of
``tests/user_work.py``: a new app with a CASCADE foreign key, a unique constraint, a list
endpoint and a data migration; the user's own ``orders`` migration; edits to settings,
URLs, services, README and ``.env.example``. Its database is migrated, then it takes
``copier update`` to the working tree. The test then does what the update's notice says,
and nothing else: the merge migration where it names one, ``migrate`` on the same
database, ``manage.py check``, the suite. Each must pass; ``check`` warns about the
user's list endpoint, which predates a rule of this release (W022), with the fix.

From ``66980f3`` (before the template shipped ``orders/0002_order_confirmation_sent_at``)
the user's ``orders/0002`` meets the template's: the notice must name the conflict and
the merge. From ``fa5f01f`` the user's migration is ``0003`` and follows the template's.
The template repository is a tag-less clone, as in tests/test_update_history.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DEFAULT_COMBO, project_env, run_in
from tests.test_update import (  # noqa: F401 (_git_identity is an autouse fixture)
    _git_identity,
    commit_all,
    conflicts,
    generate,
    read,
    update,
)
from tests.test_update_history import OLD_COMMIT, head_of, history  # noqa: F401 (a fixture)
from tests.user_work import README_LINE, SETTING, do_user_work

# The merge of the render cache work: after orders/0002, before the throttle changes.
LATER_COMMIT = "fa5f01f"


@pytest.mark.parametrize("commit", [OLD_COMMIT, LATER_COMMIT])
def test_real_work_ends_green_after_following_the_notice(
    history: Path,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    commit: str,
) -> None:
    project = generate(history, tmp_path / "project", commit, **DEFAULT_COMBO)
    do_user_work(project)
    commit_all(project, "Library app, order notes, settings, README and .env.example")
    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.testing",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    # The user's database, as the old release left it (the checks would import the app's
    # views, written for the release it is about to take).
    run_in(project, "manage.py", "migrate", "--noinput", "--skip-checks", env=env)
    capfd.readouterr()

    update(project, vcs_ref=head_of(history))

    notice = capfd.readouterr().out
    assert "copier-drf: after this update" in notice
    assert conflicts(project) == []
    assert "conformance rules this release changed" in notice
    assert "DJANGO_THROTTLE_LOGIN_ACCOUNT" in notice  # new in .env.example, commented out
    merge = "`python manage.py makemigrations --merge orders`"
    if commit == OLD_COMMIT:
        assert "apps/orders: 0002_order_confirmation_sent_at, 0002_order_note" in notice
        assert merge in notice
        run_in(project, "manage.py", "makemigrations", "--merge", "--noinput", "orders", env=env)
    else:
        assert merge not in notice

    run_in(project, "manage.py", "migrate", "--noinput", env=env)
    run_in(project, "manage.py", "makemigrations", "--check", "--dry-run", env=env)
    # The user's list predates W022 (lists read through common.lists): the check warns, names
    # the view and the fix, and passes.
    checked = run_in(project, "manage.py", "check", env=env)
    warnings = checked.stdout + checked.stderr
    print(warnings)
    assert "apps.library.views.BookViewSet (/api/v1/books/): (conventions.W022)" in warnings
    assert "HINT: Put ValuesListModelMixin first" in warnings
    assert "conventions.E" not in warnings
    run_in(project, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    # The user's work came through the merge.
    assert README_LINE in read(project, "README.md")
    assert SETTING in read(project, "config/settings/base.py")
    assert "def order_note_set(" in read(project, "apps/orders/services.py")
    assert "LIBRARY_BOOKS_PER_AUTHOR=20" in read(project, ".env.example")

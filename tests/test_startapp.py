"""`manage.py startapp NAME` in a generated project writes an app that follows every rule."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import project_env, render_project, run_in


def test_startapp_writes_a_registered_routed_conforming_app(tmp_path: Path) -> None:
    """The new app is in LOCAL_APPS and the API's URLs, and the whole suite passes with it.

    The project-wide tests (common/tests: the conformance rules, the contract test, the
    races, pagination and permission checks) find the new model, endpoints and code by
    themselves; they run with the new app's own tests. The other apps' tests, which the new
    app does not touch, run in the matrix.
    """
    project = render_project(tmp_path / "project")

    created = run_in(project, "manage.py", "startapp", "invoices").stdout

    assert 'Added "apps.invoices", to LOCAL_APPS in config/settings/base.py.' in created
    assert 'Added path("", include("apps.invoices.urls")), to api_v1 in config/urls.py.' in created
    assert (project / "apps" / "invoices" / "tests" / "test_views.py").is_file()
    assert not list((project / "apps" / "invoices").rglob("*-tpl"))
    run_in(project, "manage.py", "makemigrations", "invoices", "--name", "initial")
    run_in(project, "manage.py", "makemigrations", "--check", "--dry-run")
    run_in(project, "manage.py", "check", "--fail-level", "WARNING")
    run_in(project, "-m", "ruff", "check", "--no-cache", ".")
    run_in(project, "-m", "ruff", "format", "--check", "--no-cache", ".")
    collected = run_in(project, "-m", "pytest", "--collect-only", "-q", "apps/invoices").stdout
    assert collected.count("apps/invoices/tests/") >= 12, collected
    # run_in fails the test on a failing suite; the summary shows nothing was skipped.
    suite = run_in(
        project, "-m", "pytest", "-p", "no:cacheprovider", "-q", "apps/invoices", "common"
    )
    assert re.search(r"^\d+ passed in ", suite.stdout.splitlines()[-1]), suite.stdout[-2000:]


def test_startapp_refuses_an_existing_app_and_a_bad_name(tmp_path: Path) -> None:
    """Nothing is overwritten; a name Python cannot import is refused before any file."""
    project = render_project(tmp_path / "project")

    for name, message in (("users", "apps/users already exists"), ("Bad-Name", "cannot name")):
        result = subprocess.run(
            [sys.executable, "manage.py", "startapp", name],
            cwd=project,
            env=project_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 1
        assert message in result.stderr
    assert not (project / "apps" / "Bad-Name").exists()

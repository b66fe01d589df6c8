"""django-debug-toolbar: on in development, absent from the test and production settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import production_env, project_env, run_in

# Prints what the settings module in DJANGO_SETTINGS_MODULE makes of the toolbar.
PROBE = """
import json
import django
from django.apps import apps
from django.test import Client
from django.urls import NoReverseMatch, reverse

django.setup()
try:
    url = reverse("djdt:render_panel")
except NoReverseMatch:
    url = None
page = Client(REMOTE_ADDR="127.0.0.1").get("/api/health/", HTTP_HOST="localhost",
                                           HTTP_ACCEPT="text/html")
print(json.dumps({
    "installed": apps.is_installed("debug_toolbar"),
    "url": url,
    "shown": "djDebug" in page.content.decode(),
    "collapsed": 'data-default-show="false"' in page.content.decode(),
}))
"""


def _probe(project: Path, env: dict[str, str]) -> dict[str, object]:
    output = run_in(project, "-c", PROBE, env=env).stdout
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def project(render: Callable[..., Path]) -> Path:
    """Return the default project."""
    return render()


@pytest.mark.xdist_group("default")
def test_development_shows_the_toolbar(project: Path) -> None:
    """Development settings install the toolbar, route it, and show it to 127.0.0.1, collapsed."""
    env = project_env(DJANGO_SETTINGS_MODULE="config.settings.development")
    assert _probe(project, env) == {
        "installed": True,
        "url": "/__debug__/render_panel/",
        "shown": True,
        "collapsed": True,
    }


@pytest.mark.xdist_group("default")
def test_development_hides_the_toolbar_from_other_addresses(project: Path) -> None:
    """Only DJANGO_INTERNAL_IPS see it."""
    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.development",
        DJANGO_INTERNAL_IPS="10.0.0.1",
    )
    assert _probe(project, env)["shown"] is False


@pytest.mark.xdist_group("default")
@pytest.mark.parametrize("settings", ["testing", "production"])
def test_other_settings_have_no_toolbar(
    project: Path,
    tmp_path: Path,
    settings: str,
) -> None:
    """Tests and production neither install nor route it."""
    if settings == "production":
        env = production_env(tmp_path / "db.sqlite3", DJANGO_ALLOWED_HOSTS="localhost")
    else:
        env = project_env(DJANGO_SETTINGS_MODULE="config.settings.testing")
    assert _probe(project, env) == {
        "installed": False,
        "url": None,
        "shown": False,
        "collapsed": False,
    }

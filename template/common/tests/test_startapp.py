"""``manage.py startapp``: an app from the project's template, registered and routed."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from common.management.commands.startapp import insert_into_list, singular


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """Return a project for the command to work in, with a copy of the settings it edits."""
    (tmp_path / "config/settings").mkdir(parents=True)
    (tmp_path / "apps/users").mkdir(parents=True)
    shutil.copy(Path(settings.BASE_DIR, "config/settings/base.py"), tmp_path / "config/settings")
    with override_settings(BASE_DIR=tmp_path):
        yield tmp_path


def test_writes_registers_and_routes_the_app(project: Path, capsys: pytest.CaptureFixture) -> None:
    (project / "config/urls.py").write_text("api_v1 = [*other]\n")  # not a list it can edit

    call_command("startapp", "line_items")

    app = project / "apps/line_items"
    assert "class LineItem(BaseModel):" in (app / "models.py").read_text()
    routed = 'router.register("line-items", LineItemViewSet, basename="line-item")'
    assert routed in (app / "urls.py").read_text()
    assert not list(app.rglob("*-tpl"))
    assert '    "apps.line_items",\n]' in (project / "config/settings/base.py").read_text()
    assert (project / "config/urls.py").read_text() == "api_v1 = [*other]\n"
    out = capsys.readouterr().out
    assert 'to api_v1 in config/urls.py:\n    path("", include("apps.line_items.urls")),' in out
    assert "makemigrations line_items --name initial" in out


@pytest.mark.parametrize(
    ("name", "message"),
    [("Bad-Name", "cannot name an app"), ("names", "not 'name'"), ("users", "already exists")],
)
def test_refuses_what_cannot_work(project: Path, name: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("startapp", name)


def test_with_a_directory_it_is_djangos_own(tmp_path: Path) -> None:
    call_command("startapp", "plain", str(tmp_path))

    assert (tmp_path / "apps.py").is_file()
    assert not (tmp_path / "services.py").exists()


def test_helpers() -> None:
    names = ("invoices", "categories", "address", "stock")
    assert [singular(name) for name in names] == ["invoice", "category", "address", "stock"]
    assert insert_into_list("x = [\n    1,\n]\n", "x", "2,") == "x = [\n    1,\n    2,\n]\n"
    assert insert_into_list("x = [1]\n", "x", "2,") is None
    assert insert_into_list("y = [\n]\n", "x", "2,") is None

"""``manage.py startapp``: an app from the project's template, registered and routed."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from common.management.commands.startapp import insert_into_list, singular

REGISTERED = ("config/settings/base.py", "config/urls.py")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return a copy of the files the command edits, as the project it works in."""
    for relative in REGISTERED:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(settings.BASE_DIR, relative), tmp_path / relative)
    (tmp_path / "apps").mkdir()
    with override_settings(BASE_DIR=tmp_path):
        yield tmp_path


def test_writes_registers_and_routes_the_app(project: Path, capsys: pytest.CaptureFixture) -> None:
    call_command("startapp", "line_items")

    app = project / "apps" / "line_items"
    assert "class LineItem(BaseModel):" in (app / "models.py").read_text()
    assert (
        'router.register("line-items", LineItemViewSet, basename="line-item")'
        in (app / "urls.py").read_text()
    )
    assert not list(app.rglob("*-tpl"))
    assert '    "apps.line_items",\n]' in (project / REGISTERED[0]).read_text()
    assert 'include("apps.line_items.urls")),\n]' in (project / REGISTERED[1]).read_text()
    assert "makemigrations line_items --name initial" in capsys.readouterr().out


def test_a_list_it_cannot_edit_is_left_to_the_user(
    project: Path, capsys: pytest.CaptureFixture
) -> None:
    urls = project / REGISTERED[1]
    urls.write_text("api_v1 = [*other]\n")

    call_command("startapp", "invoices")

    assert urls.read_text() == "api_v1 = [*other]\n"
    assert 'Add this line to api_v1 in config/urls.py:\n    path("", include(' in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [("Bad-Name", "cannot name an app"), ("names", "not 'name'"), ("users", "already exists")],
)
def test_refuses_what_cannot_work(project: Path, name: str, message: str) -> None:
    (project / "apps" / "users").mkdir()

    with pytest.raises(CommandError, match=message):
        call_command("startapp", name)


def test_with_a_directory_it_is_djangos_own(tmp_path: Path) -> None:
    call_command("startapp", "plain", str(tmp_path))

    assert (tmp_path / "apps.py").is_file()
    assert not (tmp_path / "services.py").exists()


def test_helpers() -> None:
    assert [singular(name) for name in ("invoices", "categories", "address", "stock")] == [
        "invoice",
        "category",
        "address",
        "stock",
    ]
    assert insert_into_list("x = [\n    1,\n]\n", "x", "2,") == "x = [\n    1,\n    2,\n]\n"
    assert insert_into_list("x = [1]\n", "x", "2,") is None
    assert insert_into_list("y = [\n]\n", "x", "2,") is None

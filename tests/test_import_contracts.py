"""The generated project's import-linter contracts hold, and each one catches what it forbids.

The default project is rendered and ``lint-imports`` must keep every contract. Then copies of
it get one forbidden import each (direct, through a helper module of the project, or
against the layers), and ``lint-imports`` must fail naming the contract and printing the
offending import with its line. An app written by ``manage.py startapp`` is covered with no
edit to the contracts, and the all-options render keeps them too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_COMBO, project_env, render_project, run_in

# The project's .venv holds import-linter with the rest of development.lock, as this one does.
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
SERVICES = "Services and selectors do not import the HTTP or API layer"
LAYERS = "App layers: urls > views, admin > serializers, filters > services > selectors > models"
APPS = "An app does not import another app's admin, filters, serializers, urls or views"
CONTRACTS = (SERVICES, LAYERS, APPS)


def lint_imports(project: Path) -> tuple[int, str]:
    """Run ``lint-imports`` in ``project``; return its exit code and output."""
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=project,
        # Wide enough that no contract's name is wrapped.
        env=project_env(COLUMNS="200"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def assert_kept(project: Path) -> None:
    """Every contract of the project's pyproject.toml is kept."""
    code, output = lint_imports(project)
    assert code == 0, output
    for name in CONTRACTS:
        assert f"{name} KEPT" in output, output
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in output, output


def append(project: Path, relative: str, line: str) -> int:
    """Append ``line`` to a module of ``project``; return its line number there."""
    path = project / relative
    text = path.read_text() if path.exists() else ""
    path.write_text(f"{text}{line}\n")
    return len(f"{text}{line}".splitlines())


@dataclass(frozen=True)
class Violation:
    """A forbidden import: how to add it, which contracts it breaks, what the report shows."""

    inject: Callable[[Path], list[str]]  # returns the import lines the report must print
    broken: tuple[str, ...]


def direct(project: Path) -> list[str]:
    import_line = "from rest_framework.response import Response"
    line = append(project, "apps/orders/services.py", import_line)
    return [f"apps.orders.services -> rest_framework.response (l.{line})"]


def through_a_helper(project: Path) -> list[str]:
    helper = append(project, "apps/orders/helpers.py", "from django.http import HttpResponse")
    line = append(project, "apps/orders/services.py", "from apps.orders import helpers")
    return [
        f"apps.orders.services -> apps.orders.helpers (l.{line})",
        f"apps.orders.helpers -> django.http (l.{helper})",
    ]


def service_imports_serializers(project: Path) -> list[str]:
    line = append(project, "apps/orders/services.py", "from apps.orders import serializers")
    return [f"apps.orders.services -> apps.orders.serializers (l.{line})"]


def selector_imports_a_service(project: Path) -> list[str]:
    line = append(project, "apps/orders/selectors.py", "from apps.orders import services")
    return [f"apps.orders.selectors -> apps.orders.services (l.{line})"]


def app_imports_another_apps_views(project: Path) -> list[str]:
    line = append(project, "apps/orders/filters.py", "from apps.users import views")
    return [f"apps.orders.filters -> apps.users.views (l.{line})"]


VIOLATIONS = {
    "direct": Violation(direct, (SERVICES,)),
    "through-a-helper": Violation(through_a_helper, (SERVICES,)),
    # Serializers sit above services: the layers say so too.
    "service-imports-serializers": Violation(service_imports_serializers, (SERVICES, LAYERS)),
    "selector-imports-a-service": Violation(selector_imports_a_service, (LAYERS,)),
    "app-imports-another-apps-views": Violation(app_imports_another_apps_views, (APPS,)),
}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Render the default project and check that it keeps every contract."""
    project = render_project(tmp_path_factory.mktemp("contracts") / "project", **DEFAULT_COMBO)
    assert_kept(project)
    return project


def copy_of(baseline: Path, tmp_path: Path) -> Path:
    return shutil.copytree(
        baseline, tmp_path / "project", ignore=shutil.ignore_patterns("__pycache__")
    )


def test_the_default_project_keeps_its_contracts(baseline: Path) -> None:
    """The contracts are those above, all kept (``baseline`` checks it)."""
    pyproject = (baseline / "pyproject.toml").read_text()
    for name in CONTRACTS:
        assert f'name = "{name}"' in pyproject


@pytest.mark.parametrize("name", list(VIOLATIONS))
def test_a_forbidden_import_breaks_its_contract(baseline: Path, tmp_path: Path, name: str) -> None:
    violation = VIOLATIONS[name]
    project = copy_of(baseline, tmp_path)
    expected_lines = violation.inject(project)

    code, output = lint_imports(project)

    assert code == 1, output
    for contract in CONTRACTS:
        verdict = "BROKEN" if contract in violation.broken else "KEPT"
        assert f"{contract} {verdict}" in output, output
    for line in expected_lines:
        assert line in output, f"{line!r} not in the report:\n{output}"


def test_a_new_app_is_covered_with_no_edit(baseline: Path, tmp_path: Path) -> None:
    """An app from ``manage.py startapp`` keeps the contracts, and its layers are checked."""
    project = copy_of(baseline, tmp_path)
    run_in(project, "manage.py", "startapp", "invoices")
    assert_kept(project)

    line = append(project, "apps/invoices/selectors.py", "from apps.invoices import services")
    code, output = lint_imports(project)

    assert code == 1, output
    assert f"{LAYERS} BROKEN" in output, output
    assert f"apps.invoices.selectors -> apps.invoices.services (l.{line})" in output, output


def test_the_all_options_project_keeps_its_contracts(tmp_path: Path) -> None:
    options = dict.fromkeys(DEFAULT_COMBO, True)
    assert_kept(render_project(tmp_path / "project", **options))

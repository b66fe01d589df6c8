"""The template's universal lock, and the locks each rendered project gets from it.

``scripts/lock.py`` writes ``requirements/projects.in`` from the lists in
``extensions/context.py`` and compiles ``requirements/projects.lock`` (every option, every
platform, Python 3.11+). ``ContextUpdater`` prunes it to the dependency closure of the
chosen options. These tests check that the files agree, that every pruned lock is exactly
the closure that the packages' own metadata gives, and that the locks of two combinations
install with ``--require-hashes --no-deps`` into a fresh virtualenv and pass ``pip check``.
"""

from __future__ import annotations

import ast
import difflib
import functools
import importlib.metadata
import itertools
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from extensions import context
from scripts import lock
from tests.conftest import OPTIONS, combo_id, render_project

PYTHONS = ("3.11", "3.12", "3.13")
OPTION_SETS = [
    dict(zip(OPTIONS, values, strict=True))
    for values in itertools.product((False, True), repeat=len(OPTIONS))
]


def _context(**answers: Any) -> dict[str, Any]:
    values = {"python_version": "3.12", **answers}
    context.ContextUpdater(jinja2.Environment(autoescape=True)).hook(values)
    return values


def _names(lock_text: str) -> set[str]:
    return {entry.name for entry in context.parse_lock(lock_text)}


def _pins() -> dict[str, str]:
    entries = context.parse_lock(context.PROJECTS_LOCK.read_text(encoding="utf-8"))
    return {entry.name: entry.pin[0].split("==")[1].split()[0] for entry in entries}


@functools.cache
def _requires(name: str) -> tuple[Requirement, ...] | None:
    """Return what the installed distribution ``name`` requires, or None if it is absent."""
    try:
        distribution = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return None
    pinned = _pins().get(name)
    assert distribution.version == pinned, (
        f"{name} {distribution.version} is installed, the lock pins {pinned}: "
        "pip install -r requirements-test.txt"
    )
    return tuple(Requirement(text) for text in distribution.requires or ())


def metadata_closure(lines: list[str], python_version: str) -> set[str]:
    """Return the packages ``lines`` need on some platform, from the installed metadata.

    Absent distributions (the Windows-only ones, on Linux) count as needing nothing.
    """
    done: set[tuple[str, str]] = set()
    pending = [Requirement(line) for line in lines]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        for extra in {"", *requirement.extras}:
            if (name, extra) in done:
                continue
            done.add((name, extra))
            for dependency in _requires(name) or ():
                marker = str(dependency.marker or "")
                if "extra" in marker and not extra:
                    continue
                if context.marker_possible(marker, python_version, {extra}):
                    pending.append(dependency)
    return {name for name, _ in done}


def test_lock_files_agree_with_the_extension() -> None:
    """projects.in lists the extension's requirements; the lock pins each within range."""
    assert lock.problems() == []


def test_lock_check_reports_drift(monkeypatch: pytest.MonkeyPatch) -> None:
    """A requirement the lock lacks, or a range its pin leaves, is reported."""
    base = [line for line in context.BASE_REQUIREMENTS if not line.startswith("Pillow")]
    monkeypatch.setattr(context, "BASE_REQUIREMENTS", [*base, "Pillow>=99", "django-x>=1"])
    found = "\n".join(lock.problems())
    assert "projects.in differs from extensions/context.py" in found
    assert "does not satisfy Pillow>=99" in found
    assert "does not satisfy django-x>=1" in found


def _series_pins(path: Path) -> dict[tuple[str, str], str]:
    """Return a lock's versions by (package, environment marker)."""
    pins = {}
    for entry in context.parse_lock(path.read_text(encoding="utf-8")):
        requirement, _, marker = entry.pin[0].removesuffix("\\").partition(";")
        pins[entry.name, marker.strip()] = requirement.split("==")[1].strip()
    return pins


def test_django_series_locks_differ_only_in_django() -> None:
    """Each series' lock pins Django in its range; every other shared package alike.

    The matrix runs most combinations on the 5.2 lock: the 6.1 lock must not carry other
    versions of the libraries, untested there (scripts/lock.py seeds it from projects.lock).
    """
    pins = {series: _series_pins(path) for series, path in context.PROJECTS_LOCKS.items()}
    lts, feature = pins["5.2"], pins["6.1"]
    assert lts[("django", "")].startswith("5.2.")
    assert feature[("django", "")].startswith("6.1.")
    differing = {key for key in lts.keys() & feature.keys() if lts[key] != feature[key]}
    assert differing == {("django", "")}


def test_requirements_test_installs_the_projects_requirements() -> None:
    """requirements-test.txt takes the projects' list and the lock's pins from lock.py's files.

    A package the projects need may appear again only to add an extra: a range of its own
    would be a second copy of the one in extensions/context.py, free to drift.
    """
    text = (context.PROJECTS_LOCK.parent.parent / "requirements-test.txt").read_text("utf-8")
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    assert "-r requirements/projects.in" in lines
    assert "-c requirements/projects-constraints.txt" in lines
    projects = {Requirement(line).name.lower() for line in lock.all_requirements()}
    repeated = [
        line
        for line in lines
        if line
        and not line.startswith("-")
        and Requirement(line).name.lower() in projects
        and Requirement(line).specifier
    ]
    assert repeated == [], "extensions/context.py already gives these packages their range"


@pytest.mark.parametrize("python_version", PYTHONS)
@pytest.mark.parametrize("options", OPTION_SETS, ids=combo_id)
def test_each_lock_is_the_dependency_closure(options: dict[str, Any], python_version: str) -> None:
    """Pruned along uv's `# via` notes, each lock holds what the metadata requires.

    It may hold more only where the `# via` notes cannot tell: a package its parents need
    on older Pythons alone (typing-extensions, which psycopg needs before 3.13) stays.
    """
    values = _context(**options, python_version=python_version)
    production = values["base_requirements"] + values["production_requirements"]
    # development.txt includes production.txt (gunicorn runs the production settings locally).
    development = production + values["development_requirements"]
    for lock_text, lines in (
        (values["development_lock"], development),
        (values["production_lock"], production),
    ):
        names = _names(lock_text)
        needed = metadata_closure(lines, python_version)
        assert not needed - names, f"the lock misses {sorted(needed - names)}"
        extra = names - metadata_closure(lines, PYTHONS[0])
        assert not extra, f"no Python needs {sorted(extra)}"


def test_pruning_keeps_what_the_roots_need() -> None:
    """A lock whose `# via` notes lose an edge loses the package: the closure test sees it."""
    entries = context.parse_lock(context.PROJECTS_LOCK.read_text(encoding="utf-8"))
    for entry in entries:
        if entry.name == "sqlparse":
            entry.parents.remove("django")
    pruned = context.prune_lock(entries, {"django": "requirements/base.txt"})
    assert _names(pruned) != metadata_closure(["Django>=5.2,<5.3"], "3.12")
    assert "sqlparse" not in _names(pruned)


def test_lock_markers_follow_the_python_version() -> None:
    """An entry only older Pythons need (python_full_version < '3.11.3') stays in 3.11 only."""
    markers = {
        entry.name: entry.pin[0]
        for entry in context.parse_lock(context.PROJECTS_LOCK.read_text(encoding="utf-8"))
        if "python_full_version <" in entry.pin[0]
    }
    assert markers, "the lock has no entry for older Pythons only: pick another example"
    name = next(iter(markers))
    holders = {
        version: name
        in _names(
            _context(**dict.fromkeys(OPTIONS, True), python_version=version)["development_lock"]
        )
        for version in PYTHONS
    }
    assert holders["3.11"]
    assert not holders["3.13"]


def test_rendered_lock_files(render: Callable[..., Path]) -> None:
    """The project gets both locks, uv's header naming `make lock`, hashes on every pin."""
    project = render(use_jwt=False)
    for name in ("development", "production"):
        text = (project / "requirements" / f"{name}.lock").read_text(encoding="utf-8")
        assert text.startswith(context.LOCK_HEADER)
        assert text.endswith("\n")
        assert not text.endswith("\n\n")
        for entry in context.parse_lock(text):
            assert len(entry.pin) > 1, f"{name}.lock: {entry.pin[0]} has no hash"
            assert entry.parents, f"{name}.lock: {entry.name} says nothing of why"
        assert "projects.in" not in text


def _requirement_names(path: Path) -> set[str]:
    """Return the names a requirements file lists, with the files it includes (``-r``)."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-r "):
            names |= _requirement_names(path.parent / line.removeprefix("-r "))
        elif line and not line.startswith("#"):
            names.add(canonicalize_name(Requirement(line).name))
    return names


def _imported_modules(path: Path) -> set[str]:
    """Return the top-level names of the absolute imports of a Python file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.partition(".")[0])
    return found


@pytest.mark.parametrize("value", [False, True], ids=["none", "all-options"])
def test_every_imported_package_is_a_requirement(render: Callable[..., Path], value: bool) -> None:
    """A package the project's code imports is named in its requirements, not only brought.

    A package another one pulls in can leave with that one's next release; freezegun was
    imported by every project and required only with use_jwt.
    """
    project = render(**dict.fromkeys(OPTIONS, value))
    declared = _requirement_names(project / "requirements" / "development.txt")
    distributions = importlib.metadata.packages_distributions()
    own = {path.stem for path in project.iterdir()}
    undeclared: dict[str, set[str]] = {}
    for path in project.rglob("*.py"):
        for module in _imported_modules(path) - own - sys.stdlib_module_names:
            names = {canonicalize_name(name) for name in distributions.get(module, [module])}
            if not names & declared:
                undeclared.setdefault(module, set()).add(str(path.relative_to(project)))
    assert not undeclared, f"imported, missing from requirements/*.txt: {undeclared}"


INSTALL_COMBOS = [
    pytest.param(
        {**dict.fromkeys(OPTIONS, value), "python_version": "3.11"},
        id=name,
        marks=pytest.mark.xdist_group(f"install-{name}"),
    )
    for value, name in ((False, "none"), (True, "all-options"))
]


@pytest.mark.parametrize("answers", INSTALL_COMBOS)
def test_locks_install_into_a_fresh_virtualenv(
    render: Callable[..., Path],
    tmp_path: Path,
    answers: dict[str, Any],
) -> None:
    """Both locks install with hashes and without resolution, and satisfy the ranges."""
    project = render(**answers)
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    pip = [str(tmp_path / "venv" / "bin" / "python"), "-m", "pip"]
    requirements = project / "requirements"
    for command in (
        [
            *pip,
            "install",
            "--quiet",
            "--require-hashes",
            "--no-deps",
            "--requirement",
            str(requirements / "development.lock"),
            "--requirement",
            str(requirements / "production.lock"),
        ],
        [*pip, "check"],
        # The locks satisfy the ranges: nothing left to install, with no index to install from.
        [
            *pip,
            "--isolated",
            "install",
            "--dry-run",
            "--no-index",
            "--requirement",
            str(requirements / "development.txt"),
            "--requirement",
            str(requirements / "production.txt"),
        ],
    ):
        result = subprocess.run(
            command,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert result.returncode == 0, f"{command[3:]}:\n{result.stdout}\n{result.stderr}"[-4000:]


@pytest.mark.parametrize(
    "options",
    [{}, dict.fromkeys(("use_jwt", "use_celery", "use_s3", "use_sentry"), True)],
    ids=["default", "all-options"],
)
def test_make_lock_reproduces_the_shipped_locks(tmp_path: Path, options: dict[str, Any]) -> None:
    """On an untouched project, `make lock` (uv, from PyPI) rewrites both locks byte for byte.

    production.lock is the case that drifted: typing-extensions, which psycopg needs before
    Python 3.13 and the development tools always, carries a marker there.
    """
    project = render_project(tmp_path / "project", **options)
    shipped = {path.name: path.read_bytes() for path in project.glob("requirements/*.lock")}
    (project / ".venv").symlink_to(Path(sys.prefix))
    done = subprocess.run(
        ["make", "lock"], cwd=project, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for name, content in shipped.items():
        relocked = (project / "requirements" / name).read_bytes()
        assert relocked == content, "\n".join(
            difflib.unified_diff(
                content.decode().splitlines(), relocked.decode().splitlines(), name, "make lock"
            )
        )

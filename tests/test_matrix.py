"""Every option combination renders into a project that lints clean and passes its own checks.

Each combination is rendered once per xdist worker and all its tests run on that worker
(``xdist_group``), so the full matrix costs one render per combination. The project's own
commands run on the Python its ``python_version`` names, in a virtualenv of its Django
series' lock shared by every combination on that pair (``conftest.project_python``); the
terminal summary lists the interpreter and Django of each generated suite.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import (
    COMBOS,
    MATRIX_COLLECTED,
    OPTIONS,
    REQUESTED_COMBOS,
    combo_id,
    combo_python,
    production_env,
    run_in,
)
from tests.deploy_checks import check_deploy_files

COMBO_PARAMS = [
    pytest.param(combo, id=combo_id(combo), marks=pytest.mark.xdist_group(combo_id(combo)))
    for combo in COMBOS
]

# Jinja syntax left in a rendered file. GitHub Actions' ${{ }} and Django templates under
# templates/ legitimately use braces, so they are left out of this check.
JINJA_LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|\{#|\{\{-|-\}\}")

# The import name -> distribution names map of the Python a project runs on.
DISTRIBUTIONS = (
    "import importlib.metadata as metadata, json; "
    "print(json.dumps(metadata.packages_distributions()))"
)

# What the matrix summary says a generated suite ran on.
RAN_ON = (
    "import sys, django; "
    "print(f'Python {sys.version.split()[0]} ({sys.executable}), Django {django.get_version()}')"
)

# What must not appear anywhere in a project generated without the option.
DISABLED_OPTION_TRACES: dict[str, re.Pattern[str]] = {
    "use_jwt": re.compile(r"jwt|simplejwt|bearer", re.IGNORECASE),
    "use_celery": re.compile(r"celery|CELERY_|beat_schedule|\.delay\(", re.IGNORECASE),
    "use_s3": re.compile(r"storages\.backends|django-storages|boto3|\bAWS_|S3Storage", re.I),
    "use_sentry": re.compile(r"sentry", re.IGNORECASE),
}
ANSWERS_AND_SWITCHING_DOCS = {Path(".copier-answers.yml"), Path("docs/updating.md")}
# What the alternative to JWT (DRF tokens) leaves, which must be gone when JWT is chosen.
JWT_ALTERNATIVE_TRACES = re.compile(r"rest_framework\.authtoken|TokenAuthentication")


def project_files(project: Path) -> list[Path]:
    """Return every file a user would commit (no caches, no local state)."""
    ignored = {".venv", "__pycache__", ".pytest_cache", ".ruff_cache", "media", "staticfiles"}
    return sorted(
        path
        for path in project.rglob("*")
        if path.is_file()
        and not ignored.intersection(path.relative_to(project).parts)
        and path.name not in {".coverage", "db.sqlite3"}
    )


def deploy_env(project: Path, answers: dict[str, Any]) -> dict[str, str]:
    """Return production settings' environment for ``check --deploy`` of this combination."""
    options: dict[str, str] = {}
    if answers["use_s3"]:
        options["AWS_STORAGE_BUCKET_NAME"] = "media-bucket"
    if answers["use_sentry"]:
        options["SENTRY_DSN"] = "https://public@sentry.example.com/1"
    # The deployment check must see the real HTTPS settings, redirect included, and the
    # database a deployment has (conventions.E057); the check connects to none.
    return production_env(
        project / "production-check.sqlite3",
        DATABASE_URL="postgres://user:password@localhost:5432/check",
        DJANGO_ALLOWED_HOSTS="api.example.com",
        DJANGO_SECURE_SSL_REDIRECT="true",
        **options,
    )


@pytest.fixture
def project(render: Callable[..., Path], request: pytest.FixtureRequest) -> Path:
    """Return the rendered project of the test's combination."""
    return render(**request.param)


@pytest.fixture
def python(request: pytest.FixtureRequest) -> Path:
    """Return the Python the combination's project runs on, its requirements installed."""
    return combo_python(request.node.callspec.params["project"])


def test_the_matrix_collected_what_was_asked_for(request: pytest.FixtureRequest) -> None:
    """Every combination CI names has the matrix's tests, and no other combination has any."""
    asked = set(REQUESTED_COMBOS) or {combo_id(combo) for combo in COMBOS}
    collected = request.config.stash[MATRIX_COLLECTED]
    assert collected, "no matrix test was collected"
    assert all(ids == asked for ids in collected.values()), (asked, collected)


@pytest.mark.parametrize("project", COMBO_PARAMS, indirect=True)
def test_rendered_files_are_clean(project: Path) -> None:
    """No template file, Jinja syntax or whitespace debris is left in the project."""
    problems: list[str] = []
    for path in project_files(project):
        relative = path.relative_to(project)
        if path.suffix == ".jinja":
            problems.append(f"{relative}: template file left unrendered")
        text = path.read_text(encoding="utf-8")
        if relative.parts[0] != "templates" and JINJA_LEFTOVER.search(text):
            problems.append(f"{relative}: Jinja syntax left in the file")
        if text and not text.endswith("\n"):
            problems.append(f"{relative}: no newline at the end")
        if text.endswith("\n\n"):
            problems.append(f"{relative}: blank lines at the end")
        if "\n\n\n\n" in text:
            problems.append(f"{relative}: a run of blank lines (debris of a Jinja block?)")
        if re.search(r"[ \t]+\n", text):
            problems.append(f"{relative}: trailing whitespace")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("project", COMBO_PARAMS, indirect=True)
def test_no_trace_of_disabled_options(project: Path) -> None:
    """A disabled option leaves no package, setting, import or test behind."""
    answers = dict(
        line.split(": ", 1)
        for line in (project / ".copier-answers.yml").read_text().splitlines()
        if line.startswith("use_")
    )
    disabled = [option for option in OPTIONS if answers[option] == "false"]
    problems = []
    for path in project_files(project):
        relative = path.relative_to(project)
        # The answers name every option; docs/updating.md tells how to switch each on or off.
        if relative in ANSWERS_AND_SWITCHING_DOCS:
            continue
        text = path.read_text(encoding="utf-8")
        for option in disabled:
            if match := DISABLED_OPTION_TRACES[option].search(f"{relative}\n{text}"):
                problems.append(f"{relative}: {match.group()!r} although {option} is off")
        if answers["use_jwt"] == "true" and (match := JWT_ALTERNATIVE_TRACES.search(text)):
            problems.append(f"{relative}: {match.group()!r} although JWT replaces tokens")
    assert not problems, "\n".join(problems)


def imported_modules(project: Path) -> dict[str, Path]:
    """Return each top-level module the project's code imports, with a file importing it."""
    modules: dict[str, Path] = {}
    for path in sorted(project_files(project)):
        if path.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                modules.setdefault(name.partition(".")[0], path.relative_to(project))
    return modules


def declared_requirements(project: Path) -> set[str]:
    """Return the distributions the project's requirements files name."""
    declared = set()
    for path in (project / "requirements").glob("*.txt"):
        for line in map(str.strip, path.read_text().splitlines()):
            # Comments and the other files' names (``-r base.txt``) aside.
            if line and not line.startswith(("#", "-")):
                declared.add(canonicalize_name(Requirement(line).name))
    return declared


@pytest.mark.parametrize("project", COMBO_PARAMS, indirect=True)
def test_every_imported_package_is_declared(project: Path, python: Path) -> None:
    """A package the code imports is in the requirements, not only pulled in by another.

    The matrix runs every suite in one environment per lock, holding every option's
    packages, so only this check sees an import the project's own requirements lack.
    """
    provided = json.loads(
        subprocess.run(
            [python, "-c", DISTRIBUTIONS], capture_output=True, text=True, check=True
        ).stdout
    )
    local = {path.stem for path in project.iterdir() if path.suffix == ".py" or path.is_dir()}
    declared = declared_requirements(project)
    problems = []
    for module, where in imported_modules(project).items():
        if module in sys.stdlib_module_names or module in local or module == "__future__":
            continue
        distributions = {canonicalize_name(name) for name in provided.get(module, [])}
        if not distributions & declared:
            problems.append(f"{where}: imports {module} ({', '.join(sorted(distributions))})")
    assert not problems, "not in requirements/*.txt:\n" + "\n".join(problems)


@pytest.mark.parametrize("project", COMBO_PARAMS, indirect=True)
def test_ruff_passes_under_the_project_config(project: Path, python: Path) -> None:
    """The project is clean under its own strict ruff rules and formatting."""
    run_in(project, "-m", "ruff", "check", "--no-cache", ".", python=python)
    run_in(project, "-m", "ruff", "format", "--no-cache", "--check", ".", python=python)


@pytest.mark.parametrize("project", COMBO_PARAMS, indirect=True)
def test_django_checks_pass(project: Path, python: Path) -> None:
    """System checks, migrations and the OpenAPI schema are all in order."""
    run_in(project, "manage.py", "check", "--fail-level", "WARNING", python=python)
    run_in(project, "manage.py", "makemigrations", "--check", "--dry-run", python=python)
    run_in(
        project,
        "manage.py",
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(project / "schema.yml"),
        python=python,
    )
    (project / "schema.yml").unlink()


@pytest.mark.parametrize("project", COMBO_PARAMS, indirect=True)
def test_check_deploy_passes_with_production_settings(
    project: Path, python: Path, request: pytest.FixtureRequest
) -> None:
    """``check --deploy`` finds nothing to warn about in production settings."""
    answers = request.node.callspec.params["project"]
    env = deploy_env(project, answers)
    deploy = ("manage.py", "check", "--deploy", "--fail-level", "DEBUG")
    result = run_in(project, *deploy, env=env, python=python)
    assert "no issues" in result.stdout + result.stderr


def fuzzed_as_in_ci(answers: dict[str, Any]) -> bool:
    """Say whether the matrix runs this combination's suite with the "ci" Hypothesis profile.

    The profile draws ten times the random cases of a local run, which doubles a suite's
    time. The combinations with every option and with none (together, every option's
    endpoints), and those on another Python or Django, run it; the others run as a
    developer's machine does, coverage gate included.
    """
    options = {answers[option] for option in OPTIONS}
    return len(options) == 1 or "python_version" in answers or "django_version" in answers


@pytest.mark.parametrize("project", COMBO_PARAMS, indirect=True)
def test_generated_test_suite_passes(
    project: Path,
    python: Path,
    record_property: Callable[[str, object], None],
    request: pytest.FixtureRequest,
) -> None:
    """The project's own tests pass, above its coverage gate.

    The matrix measures coverage (a local run leaves it out); some combinations draw as many
    random cases as the project's CI (``fuzzed_as_in_ci``).
    """
    versions = subprocess.run(
        [python, "-c", RAN_ON], capture_output=True, text=True, check=True
    ).stdout.strip()
    record_property("ran_on", versions)
    print(f"{project.parent.name}: {versions}")
    deep = fuzzed_as_in_ci(request.node.callspec.params["project"])
    profile = "ci" if deep else "default"
    pytest = ("-m", "pytest", "-q", "-p", "no:cacheprovider", "--cov")
    result = run_in(project, *pytest, f"--hypothesis-profile={profile}", python=python)
    output = result.stdout
    assert re.search(r"\d+ passed", output), output[-3000:]
    assert "Required test coverage of 90.0% reached" in output, output[-3000:]
    contract = re.search(r"Contract test: (\d+) operations, .*fuzzing positive: (\d+)", output)
    assert contract, output[-3000:]
    operations, fuzzing = map(int, contract.groups())
    if deep:
        assert fuzzing > 5 * operations, f"{fuzzing} cases: more than a local run's 5 each"
    else:
        assert fuzzing >= operations, f"{fuzzing} cases for {operations} operations"


@pytest.mark.parametrize("project", COMBO_PARAMS, indirect=True)
def test_deployment_files_are_valid(project: Path, python: Path) -> None:
    """Every check of ``deploy_checks.py``: Dockerfile, compose, CI, hooks, Makefile, boot."""
    check_deploy_files(project, python=python)

"""Shared fixtures: render the template once per answer set, run commands in the result."""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import itertools
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from copier import run_copy
from uv import find_uv_bin

from extensions.context import DEFAULT_DJANGO, PROJECTS_LOCKS
from hooks.setup_project import find_python

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
OPTIONS = ("use_jwt", "use_celery", "use_s3", "use_sentry")
BASE_ANSWERS: dict[str, Any] = {
    "project_name": "My API",
    "author_name": "Ada Lovelace",
    "author_email": "ada@example.com",
    # The default follows the Python running Copier; the matrix must not depend on it.
    "python_version": "3.12",
    "run_setup": False,
}


DEFAULT_COMBO = {"use_jwt": True, "use_celery": False, "use_s3": False, "use_sentry": False}


def combo_id(answers: dict[str, Any]) -> str:
    """Name a combination by what it turns on ("jwt+celery", "none-noexample-py3.11")."""
    on = [option.removeprefix("use_") for option in OPTIONS if answers.get(option)]
    name = "+".join(on) or "none"
    if not answers.get("include_example_app", True):
        name += "-noexample"
    if "python_version" in answers:
        name += f"-py{answers['python_version']}"
    if answers.get("django_version", DEFAULT_DJANGO) != DEFAULT_DJANGO:
        name += f"-django{answers['django_version']}"
    return name


def _combos() -> list[dict[str, Any]]:
    combos = [
        {**dict(zip(OPTIONS, values, strict=True)), "include_example_app": True}
        for values in itertools.product((False, True), repeat=len(OPTIONS))
    ]
    # The two renders without the example app also cover the other Python targets, and
    # Django 6.1 on 3.13; the default options with the example app, Django 6.1 on 3.12.
    combos += [
        {
            **dict.fromkeys(OPTIONS, value),
            "include_example_app": False,
            "python_version": python,
            "django_version": django,
        }
        for value, python, django in ((False, "3.11", "5.2"), (True, "3.13", "6.1"))
    ]
    combos.append({**DEFAULT_COMBO, "include_example_app": True, "django_version": "6.1"})
    return combos


# Every combination of the four options with the example app, plus all-off and all-on without.
# CI runs one job per combination by naming it in COPIER_DRF_COMBOS (comma-separated ids).
REQUESTED_COMBOS = [name for name in os.environ.get("COPIER_DRF_COMBOS", "").split(",") if name]
COMBOS = [
    combo for combo in _combos() if combo_id(combo) in REQUESTED_COMBOS or not REQUESTED_COMBOS
]


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a COPIER_DRF_COMBOS id that names no combination: it would select no test."""
    known = [combo_id(combo) for combo in _combos()]
    for name in REQUESTED_COMBOS:
        if name not in known:
            # The same options in another order, or a misspelling: name the id meant.
            reordered = [k for k in known if sorted(k.split("+")) == sorted(name.split("+"))]
            meant = reordered or difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {meant[0]}? " if meant else ""
            message = (
                f"COPIER_DRF_COMBOS: unknown combination {name!r}; {hint}"
                f"the ids are: {', '.join(known)}"
            )
            raise pytest.UsageError(message)


# The combination of each matrix test collected, before -k or -m deselect any: test_matrix.py
# checks them against what COPIER_DRF_COMBOS asked for.
MATRIX_COLLECTED = pytest.StashKey[dict[str, set[str]]]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Record which combinations each matrix test was collected for."""
    collected: dict[str, set[str]] = {}
    for item in items:
        if item.path.name == "test_matrix.py" and hasattr(item, "callspec"):
            collected.setdefault(item.originalname, set()).add(item.callspec.id)
    config.stash[MATRIX_COLLECTED] = collected


def render_project(destination: Path, *, defaulted: tuple[str, ...] = (), **answers: Any) -> Path:
    """Render the template (tasks skipped) into ``destination`` and return it.

    ``defaulted`` names questions of ``BASE_ANSWERS`` left to their default instead.
    """
    base = {key: value for key, value in BASE_ANSWERS.items() if key not in defaulted}
    run_copy(
        str(TEMPLATE_ROOT),
        str(destination),
        data={**base, **answers},
        defaults=True,
        unsafe=True,
        skip_tasks=True,
        vcs_ref="HEAD",
        quiet=True,
    )
    return destination


@pytest.fixture(scope="session")
def render(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Return ``render(**answers) -> Path``, rendering each answer set once per session."""
    cache: dict[tuple[tuple[str, Any], ...], Path] = {}

    def _render(**answers: Any) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in cache:
            name = combo_id(answers) if answers else "default"
            cache[key] = render_project(tmp_path_factory.mktemp(name) / "project", **answers)
        return cache[key]

    return _render


# Each test module that starts servers on Redis gets a database of its own: modules run at
# the same time on different xdist workers, and one flushing a database another uses would
# reset that one's throttles and cache under it.
REDIS_DATABASES = {
    "production_env": 0,
    "s3_moto": 7,
    "blackbox_secrets": 8,
    "celery_worker": 9,
    "rolling_restart": 10,
    "postgres_redis_default": 11,
    "postgres_redis_all_options": 12,
    "blackbox": 13,
    "csp_browser": 14,
    "docs_browser": 15,
}
assert len(set(REDIS_DATABASES.values())) == len(REDIS_DATABASES), "a Redis database twice"


def redis_url(user: str) -> str:
    """Return the URL of the Redis database that ``user`` (a key of REDIS_DATABASES) owns."""
    return f"redis://127.0.0.1:6379/{REDIS_DATABASES[user]}"


def project_env(**overrides: str) -> dict[str, str]:
    """Return an environment for running a generated project's commands.

    Variables of the surrounding shell that the project reads are dropped, so each run
    sees only what the test passes.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "AWS_", "SENTRY_", "CELERY_"))
    }
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("COV_CORE_SOURCE", None)
    env.update(overrides)
    return env


def production_env(database: Path, **overrides: str) -> dict[str, str]:
    """Return what production settings need to load, with ``database`` as a SQLite file.

    Plain HTTP on the test client (no SSL redirect); Redis on this machine's server.
    """
    defaults = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "REDIS_URL": redis_url("production_env"),
    }
    return project_env(**{**defaults, **overrides})


def run_in(
    project: Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 600,
    python: str | Path = sys.executable,
) -> subprocess.CompletedProcess[str]:
    """Run ``python <args>`` in ``project``; fail the test with the output if it fails."""
    result = subprocess.run(
        [str(python), *args],
        cwd=project,
        env=env or project_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`python {' '.join(args)}` failed in {project} (exit {result.returncode}):\n"
            f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}",
        )
    return result


@pytest.fixture
def isolated_cwd(tmp_path: Path) -> Iterator[Path]:
    """Run the test inside an empty temporary directory."""
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(previous)


# Where the virtualenvs of the generated projects' own commands live, one per (Python, Django
# series), named after the hash of what they hold: kept between sessions, rebuilt when the lock
# changes. The template's .venv (Python running pytest, Django 5.2) serves every other test.
PROJECT_ENVS = Path(tempfile.gettempdir()) / "copier-drf-envs"


def project_python(python_version: str, django_version: str = DEFAULT_DJANGO) -> Path:
    """Return the Python of a virtualenv holding every requirement of a project on these.

    As in the setup step: the running Python where it is the one asked for (the template's
    .venv holds the Django 5.2 lock's pins), else one found as the step finds it (PATH, then
    pyenv's builds), which must be installed: the matrix claims to run on it. Its environment
    is the series' universal lock, installed by uv with hashes checked, created once (xdist
    workers and concurrent sessions wait on a file lock; a half-built one is never used).
    """
    if django_version == DEFAULT_DJANGO and python_version == "{}.{}".format(*sys.version_info):
        return Path(sys.executable)  # the template's .venv: the setup step would use it too
    interpreter = find_python(python_version)
    if interpreter is None:
        pytest.fail(f"Python {python_version} is not installed (PATH, pyenv): the matrix needs it")
    lock = PROJECTS_LOCKS[django_version]
    digest = hashlib.sha256(lock.read_bytes() + interpreter.encode()).hexdigest()[:12]
    target = PROJECT_ENVS / f"py{python_version}-django{django_version}-{digest}"
    PROJECT_ENVS.mkdir(parents=True, exist_ok=True)
    with (PROJECT_ENVS / f"{target.name}.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not target.exists():
            _build_env(target, interpreter, lock)
    return target / "bin" / "python"


def combo_python(answers: dict[str, Any]) -> Path:
    """Return the Python a combination's project runs on (``project_python``)."""
    python = answers.get("python_version", BASE_ANSWERS["python_version"])
    return project_python(python, answers.get("django_version", DEFAULT_DJANGO))


def _build_env(target: Path, interpreter: str, lock: Path) -> None:
    partial = target.with_name(f"{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    uv = find_uv_bin()
    started = time.perf_counter()
    install = ["--require-hashes", "--no-deps", "--compile-bytecode", "-r", str(lock)]
    commands = [
        [uv, "venv", "--quiet", "--python", interpreter, str(partial)],
        [uv, "pip", "install", "--quiet", "--python", str(partial / "bin" / "python"), *install],
    ]
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    partial.rename(target)
    print(f"{target.name}: built in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List, per combination, the Python and Django its generated suite ran on."""
    lines = sorted(
        f"{report.head_line}: {value} ({report.outcome})"
        for reports in terminalreporter.stats.values()
        for report in reports
        if isinstance(report, pytest.TestReport) and report.when == "call"
        for name, value in report.user_properties
        if name == "ran_on"
    )
    if lines:
        terminalreporter.section("generated suites: interpreter and Django per combination")
        for line in lines:
            terminalreporter.write_line(line)

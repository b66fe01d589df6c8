"""The deployment files of rendered projects pass ``tests/deploy_checks.py``, offline.

Each check runs on every option off and every option on, with the example app (Python
3.12) and without it (3.11, and 3.13 with Django 6.1); ``test_matrix.py`` runs them all on
every combination.
The mutation tests break a copy of a rendered project the way a real change could, one
mistake each, and the check that guards against it must fail with the reason.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests import deploy_checks as checks
from tests.conftest import COMBOS, OPTIONS, combo_id, combo_python

DEPLOY_PARAMS = [
    pytest.param(combo, id=combo_id(combo), marks=pytest.mark.xdist_group(combo_id(combo)))
    for combo in COMBOS
    if len({combo[option] for option in OPTIONS}) == 1
]
# The mutations break copies of the all-off project with the example app.
BASE = {**dict.fromkeys(OPTIONS, False), "include_example_app": True}
on_base_worker = pytest.mark.xdist_group(combo_id(BASE))
deploy_matrix = pytest.mark.parametrize("project", DEPLOY_PARAMS, indirect=True)


@pytest.fixture
def project(render: Callable[..., Path], request: pytest.FixtureRequest) -> Path:
    """Return the rendered project of the test's combination."""
    return render(**request.param)


@deploy_matrix
def test_dockerfile_structure(project: Path) -> None:
    """The image installs the production lock with hashes; non-root gunicorn, health check."""
    checks.check_dockerfile(project)


@deploy_matrix
def test_dockerfile_hadolint(project: Path) -> None:
    """Hadolint reports nothing on the Dockerfile."""
    checks.check_hadolint(project)


@deploy_matrix
def test_dockerignore(project: Path) -> None:
    """Secrets stay out of the build context; what the Dockerfile copies is in it."""
    checks.check_dockerignore(project)


@deploy_matrix
def test_python_version(project: Path) -> None:
    """The image, CI, requires-python, ruff and `make lock` use the chosen Python."""
    checks.check_python_version(project)


@deploy_matrix
def test_compose_structure(project: Path) -> None:
    """Compose runs the app on its own PostgreSQL and Redis, plus Celery when chosen."""
    checks.check_compose(project)


@deploy_matrix
def test_compose_schema(project: Path) -> None:
    """docker-compose.yml is valid under the Compose specification."""
    checks.check_compose_schema(project)


@deploy_matrix
def test_workflow_structure(project: Path) -> None:
    """CI lints, checks locks, migrations and check --deploy, tests on PostgreSQL and Redis."""
    checks.check_workflow(project)


@deploy_matrix
def test_workflow_schema(project: Path) -> None:
    """The workflow is valid under the GitHub workflow schema, with a timeout on every job."""
    checks.check_workflow_schema(project)


@deploy_matrix
def test_workflow_actionlint(project: Path) -> None:
    """Actionlint and shellcheck report nothing on the generated CI workflow."""
    checks.check_actionlint(project)


def test_template_workflow() -> None:
    """The template's own workflow is actionlint-clean, with a read-only token."""
    path = checks.TEMPLATE_ROOT / ".github/workflows/template.yml"
    checks.actionlint(path)
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow["permissions"] == {"contents": "read"}
    assert not any("permissions" in job for job in workflow["jobs"].values())


@deploy_matrix
def test_dependabot(project: Path) -> None:
    """Dependabot's file is valid and watches the requirements and the GitHub Actions."""
    checks.check_dependabot(project)


@deploy_matrix
def test_pre_commit(project: Path) -> None:
    """pre-commit's config is valid; ruff fixes then formats, at a version CI allows."""
    checks.check_pre_commit(project)


@deploy_matrix
def test_makefile(project: Path) -> None:
    """`make --dry-run` accepts every target the docs name; `make check` is check --deploy."""
    checks.check_makefile(project)


@deploy_matrix
def test_gunicorn_config(project: Path) -> None:
    """gunicorn.py sets only real settings, listens on $PORT and trusts no proxy by default."""
    checks.check_gunicorn_config(project)


@deploy_matrix
def test_production_boot(project: Path, request: pytest.FixtureRequest) -> None:
    """The image's CMD loads the app with the Dockerfile's environment; collectstatic works."""
    answers = request.node.callspec.params["project"]
    checks.check_production_boot(project, python=combo_python(answers))


@on_base_worker
def test_collectstatic_builds_the_manifest(render: Callable[..., Path]) -> None:
    """The real collectstatic of the image build succeeds, manifest post-processing included."""
    checks.check_production_boot(render(**BASE), collect=True)


@pytest.fixture
def broken_project(render: Callable[..., Path], tmp_path: Path) -> Path:
    """Return a private copy of the all-off project, free to break."""
    return Path(shutil.copytree(render(**BASE), tmp_path / "project"))


def _edit(project: Path, name: str, old: str, new: str) -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{name} no longer contains {old!r}: update this mutation"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# The files by initial: Dockerfile, Compose, Workflow, pre-commit, Gunicorn, dependaBot, Make,
# and X for .dockerignore (what the build context excludes).
D, C, W, X = "Dockerfile", "docker-compose.yml", ".github/workflows/ci.yml", ".dockerignore"
P, G, B, M = ".pre-commit-config.yaml", "config/gunicorn.py", ".github/dependabot.yml", "Makefile"
USER = "USER 10001:10001\n"
LOCK = "--require-hashes --no-deps \\\n        --requirement requirements/production.lock"
NO_HASHES = LOCK.removeprefix("--require-hashes ")
DEV_LOCK = LOCK.replace("production", "development")
CONFIG = ', "--config", "config/gunicorn.py"'
CMD = f'CMD ["gunicorn", "config.wsgi:application"{CONFIG}]'
PROD, DEV = "=config.settings.production", "=config.settings.development"
DB_URL = "DATABASE_URL: postgres://postgres:postgres@"
REDIS_CHECK = 'healthcheck:\n      test: ["CMD", "redis-cli"'
REDIS_ENV = "      REDIS_URL: redis://localhost:6379/0\n"
PROD_ENV = "      DJANGO_SETTINGS_MODULE: config.settings.production\n"
# id: (file, text, its replacement, the check that must fail, a word of its message)
MUTATIONS = {
    "image-runs-as-root": (D, USER, "USER root\n", "dockerfile", "root"),
    "image-without-user": (D, USER, "", "dockerfile", "USER"),
    "hadolint-root-user": (D, USER, "USER root\n", "hadolint", "DL3002"),
    "image-installs-ranges": (D, LOCK, "-r requirements/production.txt", "dockerfile", "lock"),
    "image-lock-without-hashes": (D, LOCK, NO_HASHES, "dockerfile", "--require-hashes"),
    "image-gets-dev-lock": (D, LOCK, DEV_LOCK, "dockerfile", "production"),
    "image-build-tools": (D, USER, f"RUN apt-get install -y gcc\n{USER}", "dockerfile", "gcc"),
    "image-secret-in-env": (D, "PORT=8000", "PORT=8000 DJANGO_SECRET_KEY=x", "hadolint", "DL3064"),
    "image-dev-settings": (D, PROD, DEV, "production_boot", "production"),
    "build-env-incomplete": (D, "DJANGO_ALLOWED_HOSTS=localhost", "", "production_boot", "HOSTS"),
    "no-collectstatic": (D, "collectstatic --noinput", "check", "dockerfile", "static"),
    "cmd-not-gunicorn": (D, CMD, 'CMD ["python", "x.py"]', "dockerfile", "gunicorn"),
    "cmd-shell-form": (D, CMD, "CMD gunicorn config.wsgi", "hadolint", "DL3025"),
    "cmd-wrong-module": (D, "config.wsgi:app", "config.wsgy:app", "production_boot", "wsgy"),
    "cmd-without-config": (D, CMD, CMD.replace(CONFIG, ""), "dockerfile", "--config"),
    "no-healthcheck": (D, "HEALTHCHECK --interval", "# HEALTHCHECK", "dockerfile", "HEALTHCHECK"),
    "healthcheck-curl": (D, '"python", "-c",', '"curl", "-c",', "dockerfile", "curl"),
    "healthcheck-wrong-path": (D, "/api/health/", "/api/healthz/", "production_boot", "404"),
    "context-keeps-env": (X, "\n.env\n", "\n", "dockerignore", ".env"),
    "context-drops-locks": (X, "\nmedia\n", "\nmedia\nrequirements\n", "dockerignore", "COPY"),
    "context-drops-code": (X, "\n.env\n", "\n.env\nconfig\n", "production_boot", "config"),
    "python-image": (D, "3.12-slim AS builder", "3.13-slim AS builder", "python_version", "3.13"),
    "python-ci": (W, 'python-version: "3.12"', 'python-version: "3.13"', "python_version", "3.13"),
    "python-ruff": ("pyproject.toml", '"py312"', '"py313"', "python_version", "py313"),
    "compose-invalid": (C, "service_healthy", "service_up", "compose_schema", "service_up"),
    "compose-version-key": (C, "name: ", 'version: "3.9"\nname: ', "compose", "obsolete"),
    "compose-without-database": (C, DB_URL, "DB_URL: ", "compose", "DATABASE_URL"),
    "compose-other-database": (C, "@db:5432/my_api", "@db:5432/app", "compose", "DATABASE_URL"),
    "compose-missing-stage": (C, "target: development", "target: dev", "compose", "stage"),
    "compose-waits-for-no-check": (C, REDIS_CHECK, f"x-{REDIS_CHECK}", "compose", "healthcheck"),
    "ci-invalid-key": (W, "runs-on:", "runs_on:", "workflow_schema", "runs_on"),
    "ci-no-timeout": (W, "    timeout-minutes: 20\n", "", "workflow_schema", "timeout"),
    "ci-old-action": (W, "actions/checkout@v7", "actions/checkout@v4", "actionlint", "node20"),
    "ci-unknown-runner": (W, "ubuntu-latest", "ubuntu-latst", "actionlint", "latst"),
    "ci-shell-bug": (W, "python -m pytest", "python -m pytest $ARGS", "actionlint", "SC2086"),
    "ci-write-token": (W, "contents: read", "contents: write", "workflow", "read-only"),
    "ci-lock-without-hashes": (W, "--require-hashes --no-deps \\\n", "\\\n", "workflow", "hashes"),
    "ci-tests-on-sqlite": (W, DB_URL, "DATABASE_URL: sqlite:///a #", "workflow", "postgres"),
    "ci-tests-on-prod-settings": (W, REDIS_ENV, REDIS_ENV + PROD_ENV, "workflow", "testing"),
    "ci-deploy-check-env": (W, "DJANGO_ALLOWED_HOSTS: example.com", "", "workflow", "HOSTS"),
    "dependabot-ecosystem": (B, ": pip", ": pypi", "dependabot", "pypi"),
    "dependabot-folder": (B, ": /requirements", ": /reqs", "dependabot", "reqs"),
    "pre-commit-invalid": (P, "language: system", "lang: system", "pre_commit", "language"),
    "pre-commit-no-fix": (P, "--force-exclude --fix", "--force-exclude", "pre_commit", "--fix"),
    "pre-commit-download": (
        P,
        "- repo: local",
        "- repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v6.0.0",
        "pre_commit",
        "no download",
    ),
    "makefile-spaces": (M, "\t$(BIN)/pytest", "    $(BIN)/pytest", "makefile", "separator"),
    "makefile-lost-target": (M, "lock: ##", "pin: ##", "makefile", "lock"),
    "make-check-dev-settings": (M, PROD, DEV, "makefile", "production"),
    "gunicorn-typo": (G, "errorlog =", "wokers = 4\nerrorlog =", "gunicorn_config", "wokers"),
    "gunicorn-trusts-any-proxy": (G, '"127.0.0.1,::1"', '"*"', "gunicorn_config", "forwarded"),
    "gunicorn-ignores-port": (G, "_env_int('PORT', 8000)", "8000", "gunicorn_config", "9000"),
}


@on_base_worker
@pytest.mark.parametrize("mutation", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_mutation_fails_its_check(broken_project: Path, mutation: tuple[str, ...]) -> None:
    """Each check rejects a project broken the way it guards against."""
    name, old, new, check, message = mutation
    _edit(broken_project, name, old, new)
    with pytest.raises(AssertionError, match=message):
        getattr(checks, f"check_{check}")(broken_project)


@pytest.mark.parametrize("project", DEPLOY_PARAMS, indirect=True)
def test_compose_celery_services_follow_the_answer(project: Path, tmp_path: Path) -> None:
    """Worker and beat are there exactly when the answers say use_celery."""
    copy = Path(shutil.copytree(project, tmp_path / "project"))
    celery = yaml.safe_load((project / ".copier-answers.yml").read_text("utf-8"))["use_celery"]
    flip = [f"use_celery: {value}".lower() for value in (celery, not celery)]
    _edit(copy, ".copier-answers.yml", *flip)
    with pytest.raises(AssertionError, match="compose services"):
        checks.check_compose(copy)

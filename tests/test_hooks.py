"""Unit tests of hooks/setup_project.py, the post-generation setup task.

Each test builds a tiny fake project in tmp_path. PATH is narrowed to a folder holding
only the programs a test wants to be found (git, a fake uv), and git reads a private
config, so the tests do not depend on the machine's tools or the user's settings.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import copier
import pytest
import yaml

from tests.conftest import BASE_ANSWERS, TEMPLATE_ROOT

SCRIPT = Path(__file__).resolve().parent.parent / "hooks" / "setup_project.py"
RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
DEAD_INDEX = "http://127.0.0.1:9/simple"
REAL_GIT = shutil.which("git")


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("setup_project", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


setup = _load_script()

ENV_EXAMPLE = (
    "# Copy to .env\n"
    "DJANGO_DEBUG=true\n"
    "# DJANGO_SECRET_KEY=keep-this-comment\n"
    "DJANGO_SECRET_KEY=change-me\n"
    "DATABASE_URL=\n"
)

FAKE_MANAGE = """\
import os
import sys
from pathlib import Path

Path("manage-calls.log").open("a").write(" ".join(sys.argv[1:]) + "\\n")
print("Operations to perform: fake")
code = int(os.environ.get("FAKE_MANAGE_EXIT", "0"))
if code:
    print("django.db.utils.OperationalError: fake failure")
sys.exit(code)
"""

# Logs its arguments and the index it was given; "uv venv" makes a working .venv.
FAKE_UV = """\
import os
import sys
from pathlib import Path

with Path("uv-calls.log").open("a") as log:
    log.write(" ".join(sys.argv[1:]) + " | " + os.environ.get("UV_INDEX_URL", "") + "\\n")
if sys.argv[1:2] == ["venv"]:
    bin_dir = Path(sys.argv[-1], "bin")
    bin_dir.mkdir(parents=True)
    python = bin_dir / "python"
    python.write_text("#!/bin/sh\\nexec " + repr(sys.executable) + ' "$@"\\n')
    python.chmod(0o755)
sys.exit(int(os.environ.get("FAKE_UV_EXIT", "0")))
"""


def _write_executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _git(cwd: Path, *args: str) -> str:
    assert REAL_GIT is not None
    return subprocess.run(
        [REAL_GIT, *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def _snapshot(root: Path) -> dict[str, bytes]:
    """Return every file under root (outside .git and .venv) with its content."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not {".git", ".venv"} & set(path.relative_to(root).parts)
    }


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make PATH hold only git, so that uv and other tools are not found."""
    folder = tmp_path / "bin"
    folder.mkdir()
    assert REAL_GIT is not None, "git is needed to test the git step"
    (folder / "git").symlink_to(REAL_GIT)
    monkeypatch.setenv("PATH", str(folder))
    return folder


@pytest.fixture(autouse=True)
def not_under_copier(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as if by hand, even when these tests run inside a Copier task."""
    monkeypatch.delenv(setup.COPIER_ENV_VAR, raising=False)


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give git a private config with an identity and stop it finding outer repos."""
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_NAME"):
        monkeypatch.delenv(name, raising=False)
    for name in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "gitconfig"
    config.write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    return config


@pytest.fixture
def project(tmp_path: Path, bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Create a fake generated project and make it the working directory."""
    root = tmp_path / "project"
    (root / "requirements").mkdir(parents=True)
    (root / "requirements" / "development.txt").write_text("")
    (root / "requirements" / "development.lock").write_text("")
    (root / ".env.example").write_text(ENV_EXAMPLE)
    (root / ".gitignore").write_text(".env\n.venv/\n*.log\n")
    (root / "manage.py").write_text(FAKE_MANAGE)
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    (root / "test_smoke.py").write_text("def test_smoke():\n    assert 1 + 1 == 2\n")
    monkeypatch.chdir(root)
    monkeypatch.delenv("FAKE_MANAGE_EXIT", raising=False)
    return root


@pytest.fixture
def wrapper_venv(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give the project a .venv whose python runs the interpreter running the tests."""
    # The fake project's pytest needs none of the plugins installed here (3 s to load).
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    python = project / setup.venv_python()
    python.parent.mkdir(parents=True)
    _write_executable(python, f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    return python


@pytest.fixture
def offline_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point pip and uv at an index that refuses connections, with no cache or config."""
    for name in list(os.environ):
        if name.startswith(("PIP_", "UV_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", DEAD_INDEX)
    monkeypatch.setenv("UV_INDEX_URL", DEAD_INDEX)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_NO_INPUT", "1")


def _env_key(path: Path) -> str:
    match = re.search(r"^DJANGO_SECRET_KEY=(.*)$", path.read_text(), re.MULTILINE)
    assert match is not None
    return match.group(1)


# ------------------------------------------------------------------------------ env


def test_secret_key_is_long_random_and_env_safe() -> None:
    keys = {setup.generate_secret_key() for _ in range(20)}

    assert len(keys) == 20
    for key in keys:
        assert len(key) >= 50
        assert len(set(key)) >= 5
        assert re.fullmatch(r"[A-Za-z0-9_-]+", key), key
        assert not key.startswith("django-insecure-")


def test_render_env_replaces_only_the_key_value() -> None:
    example = "A=1\r\n# DJANGO_SECRET_KEY=comment\r\nexport DJANGO_SECRET_KEY = 'old'\r\nB=2"

    rendered = setup.render_env(example, "NEWKEY")

    assert (
        rendered == "A=1\r\n# DJANGO_SECRET_KEY=comment\r\nexport DJANGO_SECRET_KEY = NEWKEY\r\nB=2"
    )


def test_render_env_appends_a_missing_key_line() -> None:
    assert setup.render_env("A=1", "K") == "A=1\nDJANGO_SECRET_KEY=K\n"
    assert setup.render_env("", "K") == "DJANGO_SECRET_KEY=K\n"


def test_env_step_writes_a_fresh_key_each_time(project: Path) -> None:
    outcome = setup.step_env(project)
    env = project / ".env"
    first_key = _env_key(env)
    env.unlink()
    setup.step_env(project)

    assert outcome.render() == "done"
    assert _env_key(env) != first_key
    assert env.read_text() == ENV_EXAMPLE.replace("=change-me", "=" + _env_key(env))
    assert stat.S_IMODE(env.stat().st_mode) & 0o077 == 0  # not readable by others


def test_env_step_never_overwrites_an_existing_env(project: Path) -> None:
    env = project / ".env"
    original = b"DJANGO_SECRET_KEY=mine\r\nCUSTOM=1 # keep\n"
    env.write_bytes(original)

    outcome = setup.step_env(project)

    assert outcome.skipped
    assert "already exists" in outcome.render()
    assert env.read_bytes() == original


def test_env_step_without_example_writes_only_the_key(project: Path) -> None:
    (project / ".env.example").unlink()

    outcome = setup.step_env(project)

    assert not outcome.skipped
    assert (project / ".env").read_text().splitlines() == [
        f"DJANGO_SECRET_KEY={_env_key(project / '.env')}"
    ]


# ------------------------------------------------------------------------------ git


def test_git_step_initialises_and_commits(project: Path) -> None:
    setup.step_env(project)

    outcome = setup.step_git(project)

    assert outcome.render() == "done"
    log = _git(project, "log", "--format=%an <%ae>|%s").splitlines()
    assert log == [f"Test User <test@example.com>|{setup.INITIAL_COMMIT_MESSAGE}"]
    tracked = set(_git(project, "ls-files").splitlines())
    assert {".env.example", "manage.py", "requirements/development.txt"} <= tracked
    assert ".env" not in tracked
    assert _git(project, "status", "--porcelain") == ""


def test_git_step_falls_back_to_an_identity_when_none_is_configured(
    project: Path, isolated_git: Path
) -> None:
    # useConfigOnly: git must not guess an identity from the host name either.
    isolated_git.write_text("[init]\n\tdefaultBranch = main\n[user]\n\tuseConfigOnly = true\n")

    outcome = setup.step_git(project)

    assert "no git identity configured" in outcome.render()
    author = _git(project, "log", "--format=%an <%ae>").strip()
    assert author == f"{setup.GIT_FALLBACK_NAME} <{setup.GIT_FALLBACK_EMAIL}>"
    assert "user.name" not in _git(project, "config", "--list", "--local")


def test_git_step_keeps_a_partial_identity(project: Path, isolated_git: Path) -> None:
    isolated_git.write_text("[user]\n\tname = Only Name\n\tuseConfigOnly = true\n")

    setup.step_git(project)

    author = _git(project, "log", "--format=%an <%ae>").strip()
    assert author == f"Only Name <{setup.GIT_FALLBACK_EMAIL}>"


def test_git_step_is_skipped_inside_an_existing_repository(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    outer.mkdir()
    _git(outer, "init", "-q")
    project = outer / "generated"
    project.mkdir()
    (project / "file.txt").write_text("x")

    outcome = setup.step_git(project)

    assert outcome.skipped
    assert "already inside a git repository" in outcome.render()
    assert not (project / ".git").exists()
    assert _git(outer, "status", "--porcelain") == "?? generated/\n"  # nothing committed
    assert setup.manual_git(project) == []


def test_git_step_is_skipped_without_git(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))

    outcome = setup.step_git(project)

    assert outcome.render() == "skipped (git is not on PATH)"
    assert not (project / ".git").exists()


# ----------------------------------------------------------------------------- venv


def test_venv_step_uses_uv_and_inherits_the_environment(
    project: Path, bin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_executable(bin_dir / "uv", f"#!{sys.executable}\n{FAKE_UV}")
    monkeypatch.setenv("UV_INDEX_URL", "https://mirror.invalid/simple")

    outcome = setup.step_venv(project)

    assert outcome.render() == f"done (uv; Python {RUNNING}; requirements/development.lock)"
    assert outcome.warning == ()
    assert (project / "uv-calls.log").read_text().splitlines() == [
        f"venv --python {sys.executable} .venv | https://mirror.invalid/simple",
        "pip install --python .venv/bin/python --require-hashes --no-deps"
        " -r requirements/development.lock | https://mirror.invalid/simple",
        "pip check --python .venv/bin/python | https://mirror.invalid/simple",
    ]


def _require_python(project: Path, version: str) -> None:
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nrequires-python = ">={version}"\n'
    )


def test_interpreter_is_the_running_one_when_it_is_the_projects(project: Path) -> None:
    _require_python(project, RUNNING)

    interpreter = setup.choose_interpreter(project)

    assert (interpreter.path, interpreter.command) == (sys.executable, "python3")
    assert interpreter.requirements == "requirements/development.lock"
    assert interpreter.warning == ()


def test_interpreter_without_pyproject_is_the_running_one(project: Path) -> None:
    assert setup.required_python(project) is None
    assert setup.choose_interpreter(project).path == sys.executable


def test_interpreter_of_the_projects_version_is_found_on_path(project: Path, bin_dir: Path) -> None:
    _write_executable(bin_dir / "python3.99", "#!/bin/sh\necho 3 99\n")
    _require_python(project, "3.99")

    interpreter = setup.choose_interpreter(project)

    assert interpreter.path == str(bin_dir / "python3.99")
    assert interpreter.version_text == "3.99"
    assert interpreter.warning == ()
    assert setup.manual_venv(project)[0] == "python3.99 -m venv .venv"


def test_a_shim_of_a_python_that_is_not_installed_is_not_used(project: Path, bin_dir: Path) -> None:
    # What pyenv's shim does for a version it does not have.
    _write_executable(
        bin_dir / "python3.99",
        "#!/bin/sh\necho 'pyenv: python3.99: command not found' >&2\nexit 127\n",
    )
    _require_python(project, "3.99")

    interpreter = setup.choose_interpreter(project)

    assert interpreter.path == sys.executable
    assert interpreter.requirements == "requirements/development.txt"
    assert interpreter.warning[0].startswith("Python 3.99 is not installed")


def test_a_newer_running_python_satisfies_an_older_target(project: Path) -> None:
    _require_python(project, "3.1")

    interpreter = setup.choose_interpreter(project)

    assert interpreter.path == sys.executable
    assert interpreter.requirements == "requirements/development.lock"
    assert interpreter.warning == ()


def test_missing_python_version_is_reported_and_the_running_one_used(
    project: Path,
    bin_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The project targets a Python the machine lacks: say so, build .venv from the ranges.

    The lock pins packages for the project's Python and later only: what an older Python
    needs besides may be missing from it.
    """
    _write_executable(bin_dir / "uv", f"#!{sys.executable}\n{FAKE_UV}")
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    _require_python(project, "3.99")

    status = setup.run_setup(project, start="venv")

    out, err = capfd.readouterr()
    assert status == 0, out + err
    assert (
        "[copier-drf] Creating .venv and installing the development requirements"
        f" ... done (uv; Python {RUNNING}; requirements/development.txt)\n" in out
    )
    calls = (project / "uv-calls.log").read_text().splitlines()
    assert [call.split(" | ")[0] for call in calls] == [
        f"venv --python {sys.executable} .venv",
        "pip install --python .venv/bin/python -r requirements/development.txt",
        "pip check --python .venv/bin/python",
    ]
    assert (
        "[copier-drf] Warning: Python 3.99 is not installed (no working python3.99 on PATH)" in err
    )
    prose = " ".join(err.replace("[copier-drf]", "").split())
    assert f".venv uses Python {RUNNING}, the one running this setup" in prose
    assert (
        "It also gets the version ranges of requirements/development.txt, not the hash-checked"
        " pins of requirements/development.lock: the lock covers Python 3.99 and later only."
        in prose
    )
    assert (
        "    rm -rf .venv && python3.99 -m venv .venv && .venv/bin/python -m pip install"
        " --require-hashes --no-deps -r requirements/development.lock"
        " && .venv/bin/python -m pip check\n" in err
    )
    assert f"    copier update --trust --defaults --data python_version={RUNNING}\n" in err
    # The warning comes right after the venv step's status, before the next step.
    assert out.index("Creating .venv") < out.index("Applying database migrations")


def test_default_render_and_its_venv_agree_on_the_python_version(
    tmp_path: Path, bin_dir: Path
) -> None:
    """python_version left at its default: requires-python, Dockerfile and .venv agree."""
    answers = {key: value for key, value in BASE_ANSWERS.items() if key != "python_version"}
    project = tmp_path / "rendered"
    copier.run_copy(
        str(TEMPLATE_ROOT),
        str(project),
        data=answers,
        defaults=True,
        unsafe=True,
        skip_tasks=True,
        vcs_ref="HEAD",
        quiet=True,
    )
    # Only the interpreter and the requirements file are under test: download nothing.
    assert "--hash=sha256:" in (project / "requirements" / "development.lock").read_text()
    (project / "requirements" / "development.lock").write_text("")

    outcome = setup.step_venv(project)

    venv_version = subprocess.run(
        [
            str(project / setup.venv_python()),
            "-c",
            "import sys; print(*sys.version_info[:2], sep='.')",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    required = setup.required_python(project)
    assert required is not None
    dockerfile = (project / "Dockerfile").read_text()
    images = set(re.findall(r"^FROM python:(\S+)-slim", dockerfile, re.MULTILINE))
    assert venv_version == RUNNING
    assert "{}.{}".format(*required) == RUNNING
    assert images == {RUNNING}
    assert outcome.render() == f"done (pip; Python {RUNNING}; requirements/development.lock)"
    assert outcome.warning == ()


def test_venv_step_never_recreates_an_existing_venv(
    project: Path, bin_dir: Path, wrapper_venv: Path
) -> None:
    _write_executable(bin_dir / "uv", f"#!{sys.executable}\n{FAKE_UV}")
    marker = project / ".venv" / "keep-me"
    marker.write_text("x")

    outcome = setup.step_venv(project)

    assert outcome.render() == "done (uv; reused the existing .venv; requirements/development.lock)"
    calls = (project / "uv-calls.log").read_text().splitlines()
    assert [call.split(" | ")[0] for call in calls] == [
        "pip install --python .venv/bin/python --require-hashes --no-deps"
        " -r requirements/development.lock",
        "pip check --python .venv/bin/python",
    ]
    assert marker.read_text() == "x"
    assert wrapper_venv.exists()


def test_venv_step_refuses_a_broken_existing_venv(project: Path) -> None:
    (project / ".venv").mkdir()

    with pytest.raises(setup.StepFailedError) as failure:
        setup.step_venv(project)

    assert "has no .venv/bin/python" in failure.value.reason
    assert failure.value.rerun == [
        ".venv/bin/python -m pip install --require-hashes --no-deps"
        " -r requirements/development.lock",
        ".venv/bin/python -m pip check",
    ]
    assert list((project / ".venv").iterdir()) == []


def test_failing_install_stops_and_explains(
    project: Path, offline_pip: None, capfd: pytest.CaptureFixture[str]
) -> None:
    """A real pip install against an unreachable index: the pip path end to end."""
    (project / "requirements" / "development.lock").write_text(
        "six==1.16.0 \\\n"
        "    --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n"
    )
    before = _snapshot(project)

    status = setup.main([])

    out, err = capfd.readouterr()
    assert status != 0
    # The steps before ran, the failing one is named, the later ones did not run.
    assert "[copier-drf] Writing .env with a fresh secret key ... done\n" in out
    assert "[copier-drf] Creating a git repository with a first commit ... done\n" in out
    assert (
        "[copier-drf] Creating .venv and installing the development requirements ... failed\n"
        in out
    )
    assert "Applying database migrations" not in out
    assert not (project / "manage-calls.log").exists()
    assert "Setup step 'venv' failed" in err
    assert (
        "`.venv/bin/python -m pip install --require-hashes --no-deps"
        " -r requirements/development.lock` exited with code 1" in err
    )
    assert "six" in err  # the tail of pip's output
    assert "still in place" in err
    rerun = err.split("then run:\n", 1)[1].split("\n")
    assert [line.strip() for line in rerun if line.strip()] == [
        f"cd {project}",
        ".venv/bin/python -m pip install --require-hashes --no-deps"
        " -r requirements/development.lock",
        ".venv/bin/python -m pip check",
        ".venv/bin/python manage.py migrate --noinput",
        ".venv/bin/python -m pytest",
    ]
    # Every generated file is untouched; .env, .git and .venv were added.
    after = _snapshot(project)
    assert {name: after.get(name) for name in before} == before
    assert set(after) - set(before) == {".env"}
    assert (project / ".venv" / "bin" / "python").exists()
    assert _git(project, "log", "--oneline").count("\n") == 1


# ------------------------------------------------------------------- all the steps


def test_full_setup_runs_every_step_in_order(
    project: Path,
    bin_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    _write_executable(bin_dir / "uv", f"#!{sys.executable}\n{FAKE_UV}")
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)

    status = setup.main([])

    out, err = capfd.readouterr()
    assert status == 0, out + err
    status_lines = [line for line in out.splitlines() if line.startswith("[copier-drf]")]
    assert status_lines == [
        "[copier-drf] Writing .env with a fresh secret key ... done",
        "[copier-drf] Creating a git repository with a first commit ... done",
        "[copier-drf] Creating .venv and installing the development requirements"
        f" ... done (uv; Python {RUNNING}; requirements/development.lock)",
        "[copier-drf] Applying database migrations ... done",
        "[copier-drf] Running the test suite: .venv/bin/python -m pytest",
        "[copier-drf] Running the test suite ... done",
    ]
    assert "1 passed" in out
    assert len(_env_key(project / ".env")) >= 50
    assert _git(project, "status", "--porcelain") == ""  # .env and .venv are ignored

    # Running it again changes nothing that exists: .env, the repository, .venv.
    env_before = (project / ".env").read_bytes()
    assert setup.main([]) == 0
    out, _err = capfd.readouterr()
    assert "Writing .env with a fresh secret key ... skipped (.env already exists)" in out
    assert "skipped (already inside a git repository)" in out
    assert "done (uv; reused the existing .venv; requirements/development.lock)" in out
    assert (project / ".env").read_bytes() == env_before
    assert _git(project, "log", "--oneline").count("\n") == 1


# ------------------------------------------------------------------- migrate, test


def test_from_migrate_skips_earlier_steps(
    project: Path, wrapper_venv: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    status = setup.main(["--from", "migrate"])

    out, err = capfd.readouterr()
    assert status == 0, out + err
    assert not (project / ".env").exists()
    assert not (project / ".git").exists()
    assert "Writing .env" not in out
    assert "Creating .venv" not in out
    assert (project / "manage-calls.log").read_text() == "migrate --noinput\n"
    assert "[copier-drf] Applying database migrations ... done\n" in out
    # The test run is streamed, between its header and its status line.
    header = "[copier-drf] Running the test suite: .venv/bin/python -m pytest\n"
    assert header in out
    streamed = out.split(header, 1)[1]
    assert re.search(r"1 passed", streamed)
    assert streamed.endswith("[copier-drf] Running the test suite ... done\n")
    assert err == ""


def test_failing_migrate_shows_its_output_and_exit_code(
    project: Path,
    wrapper_venv: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FAKE_MANAGE_EXIT", "3")

    status = setup.main(["--from", "migrate"])

    out, err = capfd.readouterr()
    assert status == 1
    assert out.endswith("[copier-drf] Applying database migrations ... failed\n")
    assert "    | django.db.utils.OperationalError: fake failure" in err
    assert "`.venv/bin/python manage.py migrate --noinput` exited with code 3" in err
    assert err.rstrip().endswith(
        ".venv/bin/python manage.py migrate --noinput\n    .venv/bin/python -m pytest"
    )
    assert "1 passed" not in out  # the test step did not run


def test_failing_tests_stream_their_output(
    project: Path, wrapper_venv: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (project / "test_smoke.py").write_text("def test_broken():\n    assert 1 + 1 == 3\n")

    status = setup.main(["--from", "test"])

    out, err = capfd.readouterr()
    assert status == 1
    assert "1 failed" in out
    assert out.endswith("[copier-drf] Running the test suite ... failed\n")
    assert "Setup step 'test' failed: `.venv/bin/python -m pytest` exited with code 1" in err
    assert "Last lines of the output" not in err  # already shown live


def test_missing_venv_is_reported_not_raised(
    project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    status = setup.main(["--from", "migrate"])

    _out, err = capfd.readouterr()
    assert status == 1
    assert "`.venv/bin/python manage.py migrate --noinput` could not be started" in err


def test_unknown_step_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        setup.main(["--from", "deploy"])

    assert exit_info.value.code == 2
    assert "invalid choice: 'deploy'" in capsys.readouterr().err


# ------------------------------------------------------------------------- copier


def test_failure_under_copier_exits_zero(
    project: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(setup.COPIER_ENV_VAR, "copy")

    status = setup.main(["--from", "migrate"])

    _out, err = capfd.readouterr()
    assert status == 0
    assert "Setup step 'migrate' failed" in err
    assert "Copier deletes a newly created project when a task fails" in err


def test_copier_keeps_the_project_when_the_setup_fails(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Copier runs the script as a task; a failing step must not cost the project."""
    template = tmp_path / "template-src"
    (template / "hooks").mkdir(parents=True)
    shutil.copy(SCRIPT, template / "hooks" / "setup_project.py")
    (template / "copier.yml").write_text(
        "_subdirectory: template\n"
        "_tasks:\n"
        '  - command: ["{{ _copier_python }}", '
        '"{{ _copier_conf.src_path }}/hooks/setup_project.py", "--from", "migrate"]\n'
        "    when: \"{{ _copier_operation == 'copy' }}\"\n"
    )
    (template / "template").mkdir()
    (template / "template" / "manage.py").write_text(FAKE_MANAGE)
    (template / "template" / "README.md").write_text("# Generated\n")
    destination = tmp_path / "generated"

    copier.run_copy(str(template), str(destination), defaults=True, unsafe=True, quiet=True)

    _out, err = capfd.readouterr()
    assert "Setup step 'migrate' failed" in err  # no .venv: the step could not start
    assert (destination / "README.md").read_text() == "# Generated\n"
    assert (destination / "manage.py").read_text() == FAKE_MANAGE


# ------------------------------------------------------------------ manual commands


def test_manual_commands_match_what_the_pip_path_runs(project: Path) -> None:
    expected = [
        command for step in setup.STEPS if step.name != "git" for command in step.manual(project)
    ]

    assert setup.manual_commands() == expected
    assert setup.manual_commands()[0] == "cp .env.example .env"
    assert "python3 -m venv .venv" in setup.manual_commands()
    assert setup.manual_commands(include_git=True)[2:5] == setup.manual_git(project)


def test_after_copy_message_lists_the_manual_commands() -> None:
    """copier.yml's hand-setup text runs what the setup step runs with pip."""
    message = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())["_message_after_copy"]
    listed = [line.strip() for line in message.splitlines() if line.startswith("    ")]

    # The key is explained in words there; every command after it is the same.
    assert listed[2:] == setup.manual_commands()[2:]
    assert listed[3] == (
        ".venv/bin/python -m pip install --require-hashes --no-deps"
        " -r requirements/development.lock"
    )


def test_script_runs_by_path_from_the_project(project: Path, wrapper_venv: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--from", "migrate"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "[copier-drf] Running the test suite ... done" in completed.stdout

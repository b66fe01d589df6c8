"""Tests of hooks/setup_project.py, the setup task that runs after ``copier copy``.

Each test builds a small fake project in tmp_path and runs the script in it. PATH holds only
the programs a test wants found (git, a fake uv, a fake python3.X), git reads a private config
and the user cache is in tmp_path, so the machine's tools and settings play no part.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import copier
import pytest
import yaml

from tests.conftest import TEMPLATE_ROOT, render_project

SCRIPT = TEMPLATE_ROOT / "hooks" / "setup_project.py"
RUNNING = "{}.{}".format(*sys.version_info[:2])
DEAD_INDEX = "http://127.0.0.1:9/simple"
REAL_GIT = shutil.which("git")
EXACT = "--require-hashes --no-deps -r requirements/development.lock"
UV_ENTRY = "uv==0.9.9 \\\n    --hash=sha256:{0} \\\n    --hash=sha256:{0}\n".format("0" * 64)


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("setup_project", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


setup = _load_script()

ENV_EXAMPLE = (
    "# Copy to .env\nDJANGO_DEBUG=true\n# DJANGO_SECRET_KEY=keep-this-comment\n"
    "DJANGO_SECRET_KEY=change-me\nDATABASE_URL=\n"
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

# Logs its arguments and the index it was given; "uv venv" makes a .venv whose python works.
FAKE_UV = f"""#!{sys.executable}
import os
import sys
from pathlib import Path

with Path("uv-calls.log").open("a") as log:
    log.write(" ".join(sys.argv[1:]) + " | " + os.environ.get("UV_INDEX_URL", "") + "\\n")
if sys.argv[1:2] == ["venv"]:
    python = Path(sys.argv[-1], "bin", "python")
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\\nexec {sys.executable} \\"$@\\"\\n")
    python.chmod(0o755)
sys.exit(int(os.environ.get("FAKE_UV_EXIT", "0")))
"""


def _write_executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
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


def _env_key(path: Path) -> str:
    match = re.search(r"^DJANGO_SECRET_KEY=(.*)$", path.read_text(), re.MULTILINE)
    assert match is not None
    return match.group(1)


def _require_python(project: Path, version: str) -> None:
    (project / "pyproject.toml").write_text(f'[project]\nrequires-python = ">={version}"\n')


def _uv_calls(project: Path) -> list[str]:
    return [line.split(" | ")[0] for line in (project / "uv-calls.log").read_text().splitlines()]


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make PATH hold only git: no uv, no other Python."""
    folder = tmp_path / "bin"
    folder.mkdir()
    assert REAL_GIT is not None, "git is needed to test the git step"
    (folder / "git").symlink_to(REAL_GIT)
    monkeypatch.setenv("PATH", str(folder))
    return folder


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run as if by hand, with a private git config (with an identity) and user cache."""
    monkeypatch.delenv("COPIER_OPERATION", raising=False)
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    config = tmp_path / "gitconfig"
    config.write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    # The fake project's pytest needs none of the plugins installed here (3 s to load).
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    return config


@pytest.fixture
def project(tmp_path: Path, bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Create a fake generated project for the running Python and make it the working dir."""
    root = tmp_path / "project"
    (root / "requirements").mkdir(parents=True)
    (root / "requirements" / "development.txt").write_text("")
    (root / "requirements" / "development.lock").write_text("")
    (root / ".env.example").write_text(ENV_EXAMPLE)
    (root / ".gitignore").write_text(".env\n.venv/\n*.log\n")
    (root / "manage.py").write_text(FAKE_MANAGE)
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    (root / "test_smoke.py").write_text("def test_smoke():\n    assert 1 + 1 == 2\n")
    _require_python(root, RUNNING)
    monkeypatch.chdir(root)
    monkeypatch.delenv("FAKE_MANAGE_EXIT", raising=False)
    return root


@pytest.fixture
def uv_on_path(bin_dir: Path) -> Path:
    """Put the fake uv on PATH."""
    _write_executable(bin_dir / "uv", FAKE_UV)
    return bin_dir / "uv"


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


def _rerun_commands(err: str) -> list[str]:
    """Return the commands a failure report lists, after its cd."""
    return [line.strip() for line in err.split("by hand, run:\n", 1)[1].splitlines()][1:]


# ------------------------------------------------------------------------- the whole setup


def test_setup_runs_every_step_and_a_second_run_keeps_what_exists(
    project: Path,
    uv_on_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("UV_INDEX_URL", "https://mirror.invalid/simple")

    status = setup.main()

    out, err = capfd.readouterr()
    assert status == 0, out + err
    status_lines = [line for line in out.splitlines() if line.startswith("[copier-drf]")]
    timed = r"done \(\d+\.\d s"
    expected = [
        rf"Writing \.env with a fresh secret key \.\.\. {timed}\)",
        rf"Creating a git repository with a first commit \.\.\. {timed}\)",
        r"Creating \.venv and installing the development requirements \.\.\. "
        rf"{timed}; uv; Python {RUNNING}; requirements/development\.lock\)",
        rf"Applying database migrations \.\.\. {timed}\)",
        r"Running the test suite: \.venv/bin/python -m pytest",
        rf"Running the test suite \.\.\. {timed}\)",
    ]
    assert len(status_lines) == len(expected), out
    for line, pattern in zip(status_lines, expected, strict=True):
        assert re.fullmatch(rf"\[copier-drf\] {pattern}", line), line
    assert "1 passed" in out  # streamed between the test step's two lines
    assert err == ""
    # uv builds .venv with the running Python, pip seeded; the environment reaches it.
    assert (project / "uv-calls.log").read_text().splitlines() == [
        f"venv --quiet --seed --python {sys.executable} .venv | https://mirror.invalid/simple",
        f"pip install --python .venv/bin/python {EXACT} --compile-bytecode"
        " | https://mirror.invalid/simple",
        "pip check --python .venv/bin/python | https://mirror.invalid/simple",
    ]
    assert (project / "manage-calls.log").read_text() == "migrate --noinput\n"
    key = _env_key(project / ".env")
    assert len(key) >= 50
    assert (project / ".env").read_text() == ENV_EXAMPLE.replace("=change-me", "=" + key)
    assert stat.S_IMODE((project / ".env").stat().st_mode) & 0o077 == 0
    assert _git(project, "log", "--format=%an <%ae>|%s").splitlines() == [
        "Test User <test@example.com>|Initial commit from the copier-drf template"
    ]
    assert ".env" not in _git(project, "ls-files").splitlines()
    assert _git(project, "status", "--porcelain") == ""

    # Again: .env, the repository and .venv are kept; only the install and check rerun.
    (project / "uv-calls.log").unlink()
    assert setup.main() == 0
    out, _err = capfd.readouterr()
    assert "Writing .env with a fresh secret key ... skipped (.env already exists)\n" in out
    assert "first commit ... skipped (already in a git repository)\n" in out
    assert "; uv; reused .venv; requirements/development.lock)\n" in out
    assert _uv_calls(project) == [
        f"pip install --python .venv/bin/python {EXACT} --compile-bytecode",
        "pip check --python .venv/bin/python",
    ]
    assert _env_key(project / ".env") == key
    assert _git(project, "log", "--oneline").count("\n") == 1


def test_env_step_writes_a_fresh_key_each_time(project: Path) -> None:
    keys = set()
    for _ in range(3):
        (project / ".env").unlink(missing_ok=True)
        setup.step_env()
        keys.add(_env_key(project / ".env"))

    assert len(keys) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{50,}", key) and len(set(key)) > 5 for key in keys)


def test_failing_install_names_the_step_keeps_every_file_and_lists_what_is_left(
    project: Path, offline_pip: None, capfd: pytest.CaptureFixture[str]
) -> None:
    """Real pip against an unreachable index: uv cannot be had either, so pip is used."""
    (project / "requirements" / "development.lock").write_text(
        UV_ENTRY + "six==1.16.0 \\\n"
        "    --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n"
    )
    before = _snapshot(project)

    status = setup.main()

    out, err = capfd.readouterr()
    assert status == 1
    assert "[copier-drf] Creating a git repository with a first commit ... done (" in out
    assert out.endswith(
        "[copier-drf] Creating .venv and installing the development requirements ... failed\n"
    )
    assert not (project / "manage-calls.log").exists()
    assert f"Setup step 'venv' failed: `.venv/bin/python -m pip install {EXACT}` exited" in err
    assert "    | ERROR: No matching distribution found for uv==0.9.9\n" in err  # pip's output
    assert "All the generated files are still in place." in err
    assert _rerun_commands(err) == [
        f".venv/bin/python -m pip install {EXACT}",
        ".venv/bin/python -m pip check",
        ".venv/bin/python manage.py migrate --noinput",
        ".venv/bin/python -m pytest",
    ]
    after = _snapshot(project)
    assert {name: after.get(name) for name in before} == before
    assert set(after) - set(before) == {".env"}
    assert not (project.parent / "cache" / "copier-drf" / "uv-0.9.9").exists()


def test_failing_migrate_shows_its_output_and_stops(
    project: Path,
    uv_on_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FAKE_MANAGE_EXIT", "3")

    status = setup.main()

    out, err = capfd.readouterr()
    assert status == 1
    assert out.endswith("[copier-drf] Applying database migrations ... failed\n")
    assert "    | django.db.utils.OperationalError: fake failure" in err
    assert "`.venv/bin/python manage.py migrate --noinput` exited with code 3" in err
    assert _rerun_commands(err) == [
        ".venv/bin/python manage.py migrate --noinput",
        ".venv/bin/python -m pytest",
    ]


def test_failing_tests_are_shown_as_they_run(
    project: Path, uv_on_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (project / "test_smoke.py").write_text("def test_broken():\n    assert 1 + 1 == 3\n")

    status = setup.main()

    out, err = capfd.readouterr()
    assert status == 1
    assert "1 failed" in out
    assert out.endswith("[copier-drf] Running the test suite ... failed\n")
    assert "Setup step 'test' failed: `.venv/bin/python -m pytest` exited with code 1" in err
    assert "last lines of its output" not in err  # already on the screen


def test_under_copier_a_failure_exits_zero(
    project: Path,
    uv_on_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COPIER_OPERATION", "copy")
    monkeypatch.setenv("FAKE_MANAGE_EXIT", "1")

    assert setup.main() == 0
    assert "(Copier would delete them if this task did not exit with 0)" in capfd.readouterr().err


def test_copier_keeps_the_project_when_the_setup_fails(
    tmp_path: Path, bin_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Copier runs the script as a task; a failing step must not cost the project."""
    template = tmp_path / "template-src"
    shutil.copy(SCRIPT, tmp_path / "setup_project.py")
    (template / "template").mkdir(parents=True)
    (template / "copier.yml").write_text(
        "_subdirectory: template\n"
        f'_tasks: [["{{{{ _copier_python }}}}", "{tmp_path / "setup_project.py"}"]]\n'
    )
    (template / "template" / "README.md").write_text("# Generated\n")
    destination = tmp_path / "generated"

    copier.run_copy(str(template), str(destination), defaults=True, unsafe=True, quiet=True)

    assert "Setup step 'env' failed" in capfd.readouterr().err  # no .env.example
    assert (destination / "README.md").read_text() == "# Generated\n"


# ------------------------------------------------------------------------------------- git


def test_git_falls_back_to_an_identity_only_for_what_is_missing(
    project: Path, isolated: Path
) -> None:
    # useConfigOnly: git must not guess an identity from the host name either.
    isolated.write_text("[user]\n\tname = Only Name\n\tuseConfigOnly = true\n")

    assert setup.step_git() == "committed as Only Name <copier-drf@localhost>"
    assert "user." not in _git(project, "config", "--list", "--local")

    shutil.rmtree(project / ".git")
    isolated.write_text("[user]\n\tuseConfigOnly = true\n")
    assert setup.step_git() == "committed as copier-drf <copier-drf@localhost>"


def test_git_is_skipped_inside_a_repository(
    tmp_path: Path, bin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = tmp_path / "outer"
    (outer / "generated").mkdir(parents=True)
    _git(outer, "init", "-q")
    monkeypatch.chdir(outer / "generated")

    assert setup.step_git() == "skipped (already in a git repository)"
    assert setup.manual_commands("git") == []
    assert not (outer / "generated" / ".git").exists()
    assert _git(outer, "log", "--all", "--oneline") == ""


# ------------------------------------------------------------------------------------ venv


def _fake_uv_wheel(folder: Path) -> str:
    """Write a wheel of "uv" 0.9.9 holding FAKE_UV into ``folder``; return its sha256."""
    folder.mkdir()
    wheel = folder / "uv-0.9.9-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        script = zipfile.ZipInfo("uv-0.9.9.data/scripts/uv")
        script.external_attr = (stat.S_IFREG | 0o755) << 16  # executable, as in uv's wheels
        archive.writestr(script, FAKE_UV)
        archive.writestr(
            "uv-0.9.9.dist-info/METADATA", "Metadata-Version: 2.1\nName: uv\nVersion: 0.9.9\n"
        )
        archive.writestr(
            "uv-0.9.9.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr("uv-0.9.9.dist-info/RECORD", "")
    return hashlib.sha256(wheel.read_bytes()).hexdigest()


def test_without_uv_on_path_the_locks_uv_is_installed_once_into_the_cache(
    project: Path, tmp_path: Path, offline_pip: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = _fake_uv_wheel(tmp_path / "wheels")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "wheels"))
    (project / "requirements" / "development.lock").write_text(
        f"uv==0.9.9 \\\n    --hash=sha256:{'0' * 64} \\\n    --hash=sha256:{digest}\n"
    )
    cache = tmp_path / "cache" / "copier-drf"

    first = setup.step_venv()
    shutil.rmtree(".venv")
    second = setup.step_venv()

    assert re.fullmatch(
        rf"uv 0\.9\.9 installed into {re.escape(str(cache))} in \d+\.\d s; "
        rf"Python {RUNNING}; requirements/development\.lock",
        first,
    ), first
    assert second == f"uv 0.9.9 from {cache}; Python {RUNNING}; requirements/development.lock"
    assert sorted(path.name for path in cache.iterdir()) == ["uv-0.9.9"]  # no scratch left
    assert _uv_calls(project)[0] == f"venv --quiet --seed --python {sys.executable} .venv"


def test_uv_pin_is_read_from_a_real_lock() -> None:
    lock = (TEMPLATE_ROOT / "requirements" / "projects.lock").read_text()
    pin = setup.UV_PIN.search(lock)

    assert pin is not None
    assert pin[0].count("--hash=sha256:") >= 2
    assert not pin[0].rstrip().endswith("\\")


def test_python_of_the_projects_version_is_found_on_path(project: Path, bin_dir: Path) -> None:
    _write_executable(bin_dir / "python3.99", "#!/bin/sh\necho 3.99\n")
    _require_python(project, "3.99")

    assert setup.choose_python()[:3] == (str(bin_dir / "python3.99"), "python3.99", setup.LOCK)
    assert setup.manual_commands("venv")[0] == "python3.99 -m venv .venv"


def test_python_built_by_pyenv_is_found_behind_a_failing_shim(
    project: Path, bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pyenv shim exits 127 for a version it does not select: pyenv's build is used."""
    _write_executable(bin_dir / "python3.99", "#!/bin/sh\nexit 127\n")
    root = tmp_path / "pyenv"
    for version in ("3.99.2", "3.99.10"):
        _write_executable(
            root / "versions" / version / "bin" / "python3.99", "#!/bin/sh\necho 3.99\n"
        )
    monkeypatch.setenv("PYENV_ROOT", str(root))
    _require_python(project, "3.99")

    newest = str(root / "versions" / "3.99.10" / "bin" / "python3.99")
    assert setup.choose_python()[:3] == (newest, "python3.99", setup.LOCK)


def test_a_newer_running_python_gets_the_lock(project: Path) -> None:
    _require_python(project, "3.1")

    assert setup.choose_python() == (sys.executable, "python3", setup.LOCK, "")


def test_missing_python_version_is_reported_and_the_running_one_used(
    project: Path, bin_dir: Path, uv_on_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The lock pins packages for the project's Python and later: an older one gets ranges."""
    # What a pyenv shim does for a version that is not installed.
    _write_executable(
        bin_dir / "python3.99", "#!/bin/sh\necho 'pyenv: not installed' >&2\nexit 127\n"
    )
    _require_python(project, "3.99")

    assert setup.main() == 0

    out, err = capfd.readouterr()
    assert f"; uv; Python {RUNNING}; requirements/development.txt)\n" in out
    assert _uv_calls(project)[1:] == [
        "pip install --python .venv/bin/python -r requirements/development.txt --compile-bytecode",
        "pip check --python .venv/bin/python",
    ]
    assert err.startswith("[copier-drf] Warning: Python 3.99 is not installed")
    assert (
        f"\n[copier-drf]     rm -rf .venv && python3.99 -m venv .venv && .venv/bin/python -m pip"
        f" install {EXACT} && .venv/bin/python -m pip check\n" in err
    )
    assert f"copier update --trust --defaults --data python_version={RUNNING}\n" in err


def test_a_venv_without_python_is_left_alone(project: Path, uv_on_path: Path) -> None:
    (project / ".venv").mkdir()

    with pytest.raises(setup.StepError) as failure:
        setup.step_venv()

    assert failure.value.todo == [
        f".venv/bin/python -m pip install {EXACT}",
        ".venv/bin/python -m pip check",
    ]
    assert list((project / ".venv").iterdir()) == []


def test_default_render_and_its_venv_agree_on_the_python_version(
    tmp_path: Path, bin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """python_version left at its default: requires-python, Dockerfile and .venv agree."""
    project = render_project(tmp_path / "rendered", defaulted=("python_version",))
    monkeypatch.chdir(project)

    assert setup.choose_python() == (sys.executable, "python3", setup.LOCK, "")
    assert set(re.findall(r"^FROM python:(\S+)-slim", Path("Dockerfile").read_text(), re.M)) == {
        RUNNING
    }
    assert setup.UV_PIN.search(Path(setup.LOCK).read_text()) is not None


# ------------------------------------------------------------------------- manual commands


def test_after_copy_message_lists_what_the_setup_runs_with_pip(project: Path) -> None:
    """copier.yml's hand-setup text, for a fresh project on the running Python."""
    message = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())["_message_after_copy"]
    listed = [line.strip() for line in message.splitlines() if line.startswith("    ")]
    manual = [line for step in setup.STEPS if step != "git" for line in setup.manual_commands(step)]

    # The message explains the key in words; every command after it is the same.
    assert listed[0].startswith("cp .env.example .env")
    assert listed[1:] == [manual[1].split("  #")[0], *manual[2:]]


def test_script_runs_by_path(project: Path, uv_on_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, check=False
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "[copier-drf] Running the test suite ... done (" in completed.stdout

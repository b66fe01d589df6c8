"""The generated project's pre-commit hooks run offline: a commit needs no download."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import project_env, render_project

DEAD_PROXY = "http://127.0.0.1:9"


def _offline_prefix() -> list[str]:
    """Return a command prefix with no network at all (a new network namespace), if allowed.

    Where user namespaces are off, the environment of ``_offline_env`` still sends every
    HTTP(S) request and git clone to a closed port.
    """
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], check=False).returncode == 0:
        return [unshare, "-rn"]
    return []


def _offline_env(home: Path) -> dict[str, str]:
    """Return an environment with an empty pre-commit cache and no way out to the network."""
    return project_env(
        PRE_COMMIT_HOME=str(home / "pre-commit"),
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="Ada",
        GIT_AUTHOR_EMAIL="ada@example.com",
        GIT_COMMITTER_NAME="Ada",
        GIT_COMMITTER_EMAIL="ada@example.com",
        http_proxy=DEAD_PROXY,
        https_proxy=DEAD_PROXY,
        HTTP_PROXY=DEAD_PROXY,
        HTTPS_PROXY=DEAD_PROXY,
        GIT_CONFIG_COUNT="1",
        GIT_CONFIG_KEY_0=f"url.{DEAD_PROXY}/.insteadOf",
        GIT_CONFIG_VALUE_0="https://",
    )


def _link_venv(project: Path) -> None:
    """Give the project a .venv/bin holding this environment's programs, as `make install` would."""
    folder = project / ".venv" / "bin"
    folder.mkdir(parents=True)
    for program in Path(sys.prefix, "bin").iterdir():
        (folder / program.name).symlink_to(program)


def test_commit_with_the_hooks_installed_needs_no_network(tmp_path: Path) -> None:
    """The hooks run from .venv on a first commit, and a bad file is still stopped."""
    project = render_project(tmp_path / "project")
    _link_venv(project)
    env, offline = _offline_env(tmp_path / "home"), _offline_prefix()

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*offline, "git", *args]
        return subprocess.run(
            command, cwd=project, env=env, capture_output=True, text=True, check=False
        )

    git("init", "--quiet")
    installed = subprocess.run(
        [*offline, ".venv/bin/pre-commit", "install"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    git("add", "-A")
    first = git("commit", "-m", "First commit")
    output = first.stdout + first.stderr
    assert first.returncode == 0, output
    for hook in ("check yaml", "django-upgrade", "ruff check", "ruff format", "lint-imports"):
        assert any(line.startswith(hook) and "Passed" in line for line in output.splitlines()), (
            hook,
            output,
        )

    (project / "common" / "sloppy.py").write_text('"""Sloppy."""\nimport os   \n')
    git("add", "-A")
    second = git("commit", "-m", "Sloppy")
    stopped = second.stdout + second.stderr
    assert second.returncode != 0, stopped
    assert re.search(r"^trim trailing whitespace\.+Failed$", stopped, re.MULTILINE), stopped
    assert re.search(r"^ruff check\.+Failed$", stopped, re.MULTILINE), stopped
    assert not list((tmp_path / "home" / "pre-commit").glob("repo*")), "pre-commit cloned a repo"

"""`copier copy` with its post-generation tasks, run the way a user runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import BASE_ANSWERS, TEMPLATE_ROOT, project_env
from tests.test_matrix import project_files

DEAD_INDEX = "http://127.0.0.1:9/simple"


def copier_copy_with_tasks(destination: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``copier copy --trust`` of the default project with tasks on; return the result."""
    answers = {**BASE_ANSWERS, "run_setup": True}
    data = [f"--data={key}={value}" for key, value in answers.items()]
    # The tasks find uv (a test requirement) next to this interpreter, as a user's PATH would.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            "--trust",
            "--defaults",
            "--vcs-ref=HEAD",
            *data,
            str(TEMPLATE_ROOT),
            str(destination),
        ],
        env=project_env(PATH=path, **env),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.mark.xdist_group("tasks")
def test_copy_runs_setup_and_ends_with_a_green_suite(tmp_path: Path) -> None:
    """The setup writes .env and git, builds .venv, migrates, and the tests pass."""
    start = time.perf_counter()
    result = copier_copy_with_tasks(tmp_path / "project")
    elapsed = time.perf_counter() - start
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    for line in (
        "[copier-drf] Writing .env with a fresh secret key ... done",
        "[copier-drf] Creating a git repository with a first commit ... done",
        "[copier-drf] Applying database migrations ... done",
        "[copier-drf] Running the test suite ... done",
        "Required test coverage of 90% reached",
    ):
        assert line in output, output[-5000:]
    assert " passed" in output
    project = tmp_path / "project"
    # The lock pins packages for the project's Python and later; an older Python (the
    # one running the tests, when the project's is not installed) gets the ranges.
    venv_version = subprocess.run(
        [str(project / ".venv/bin/python"), "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    target = BASE_ANSWERS["python_version"].split(".")
    older = tuple(map(int, venv_version)) < tuple(map(int, target))
    installed = "requirements/development.txt" if older else "requirements/development.lock"
    venv_line = re.search(
        r"^\[copier-drf\] Creating \.venv and installing the development requirements"
        r" \.\.\. done \((uv|pip); Python ([\d.]+); (\S+)\)$",
        output,
        re.MULTILINE,
    )
    assert venv_line is not None, output[-5000:]
    assert venv_line.group(2, 3) == (".".join(venv_version), installed)
    assert "DJANGO_SECRET_KEY=change-me" not in (project / ".env").read_text()
    assert (project / ".venv").is_dir()
    assert (project / ".git").is_dir()
    print(f"copier copy with tasks (default project): {elapsed:.1f} s")


@pytest.mark.xdist_group("tasks")
def test_failing_step_names_itself_and_keeps_every_file(
    tmp_path: Path,
    render: Callable[..., Path],
) -> None:
    """An unreachable package index stops the setup with a clear message; nothing is lost."""
    result = copier_copy_with_tasks(
        tmp_path / "project",
        PIP_INDEX_URL=DEAD_INDEX,
        UV_INDEX_URL=DEAD_INDEX,
        UV_DEFAULT_INDEX=DEAD_INDEX,
        UV_NO_CACHE="1",
        PIP_NO_CACHE_DIR="1",
    )
    output = result.stdout + result.stderr
    assert "Setup step 'venv' failed" in output, output[-5000:]
    assert "requirements/development.txt" in output
    assert "To finish the setup by hand" in output
    assert "manage.py migrate" in output
    assert "Running the test suite" not in output
    project = tmp_path / "project"
    reference = render()
    expected = {path.relative_to(reference) for path in project_files(reference)}
    present = {path.relative_to(project) for path in project_files(project)}
    missing = {path for path in expected - present if path.name != ".copier-answers.yml"}
    assert not missing, f"rendered files lost: {sorted(missing)}"
    assert (project / ".env").is_file()

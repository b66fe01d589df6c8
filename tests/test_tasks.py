"""`copier copy` with its post-generation tasks, run the way a user runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import BASE_ANSWERS, TEMPLATE_ROOT, project_env
from tests.test_matrix import project_files


def copier_copy_with_tasks(
    destination: Path, *options: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``copier copy --trust`` of the default project with tasks on; return the result.

    The result's stdout holds stderr too, in order; its stderr is empty.

    uv is kept off PATH, as on most machines: the setup installs the uv the lock pins into
    a user cache of its own (in tmp_path), while uv's and pip's download caches stay warm.
    """
    answers = {**BASE_ANSWERS, "run_setup": True}
    data = [f"--data={key}={value}" for key, value in answers.items()]
    folders = os.environ.get("PATH", "").split(os.pathsep)
    path = os.pathsep.join(folder for folder in folders if not Path(folder, "uv").exists())
    cache = Path.home() / ".cache"
    env = {
        "XDG_CACHE_HOME": str(destination.parent / "cache"),
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", str(cache / "uv")),
        "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(cache / "pip")),
        **env,
    }
    # One stream, in the order a terminal shows it: the last line is the last line.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            "--trust",
            "--defaults",
            "--vcs-ref=HEAD",
            *options,
            *data,
            str(TEMPLATE_ROOT),
            str(destination),
        ],
        env=project_env(PATH=path, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        check=False,
    )
    result.stderr = ""
    return result


# pytest's last line: "=== 3 passed, 1 skipped in 9.87s ===" (or without the rules, with -q).
SUMMARY = re.compile(r"^=* ?((?:\d+ \w+(?:, )?)+) in [\d.]+s", re.MULTILINE)


def pytest_outcomes(output: str) -> dict[str, int]:
    """Return the counts of pytest's last summary line in ``output``: {"passed": 3, ...}."""
    summaries = SUMMARY.findall(output)
    assert summaries, f"no pytest summary line in:\n{output[-3000:]}"
    return {word: int(count) for count, word in re.findall(r"(\d+) (\w+)", summaries[-1])}


@pytest.mark.parametrize(
    ("output", "outcomes"),
    [
        ("===== 120 passed in 41.20s =====\n", {"passed": 120}),
        ("1 failed, 3 passed in 2.01s\n", {"failed": 1, "passed": 3}),
        ("== 2 passed, 1 error in 1.5s ==\n", {"passed": 2, "error": 1}),
    ],
)
def test_pytest_outcomes_reads_the_summary(output: str, outcomes: dict[str, int]) -> None:
    assert pytest_outcomes("collected 4 items\n" + output) == outcomes


@pytest.mark.xdist_group("tasks")
def test_copy_runs_setup_and_ends_with_a_green_suite(tmp_path: Path) -> None:
    """The setup writes .env and git, builds .venv, migrates, and the tests pass."""
    result = copier_copy_with_tasks(tmp_path / "project")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    for line in (
        "[copier-drf] Writing .env with a fresh secret key ... done",
        "[copier-drf] Creating a git repository with a first commit ... done",
        "[copier-drf] Applying database migrations ... done",
        "[copier-drf] Running the test suite ... done",
    ):
        assert line in output, output[-5000:]
    outcomes = pytest_outcomes(output)
    assert outcomes.get("passed", 0) > 0, outcomes
    assert not {"failed", "error", "errors"} & set(outcomes), outcomes
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
        r" \.\.\. done \(\d+\.\d s; uv ([\d.]+) installed into (\S+) in \d+\.\d s;"
        r" Python ([\d.]+); (\S+)\)$",
        output,
        re.MULTILINE,
    )
    assert venv_line is not None, output[-5000:]
    assert venv_line.group(2) == str(tmp_path / "cache" / "copier-drf")
    assert venv_line.group(3, 4) == (".".join(venv_version), installed)
    assert (tmp_path / "cache" / "copier-drf" / f"uv-{venv_line.group(1)}" / "bin" / "uv").exists()
    assert "DJANGO_SECRET_KEY=change-me" not in (project / ".env").read_text()
    assert (project / ".venv").is_dir()
    assert (project / ".git").is_dir()


@pytest.mark.xdist_group("tasks")
@pytest.mark.parametrize(("options", "exit_status"), [((), 0), (("--no-cleanup",), 1)])
def test_failing_step_names_itself_and_keeps_every_file(
    tmp_path: Path,
    render: Callable[..., Path],
    options: tuple[str, ...],
    exit_status: int,
) -> None:
    """No package to be had: uv cannot be installed, pip fails and says so; nothing is lost.

    The last line says so; the exit status is 1 where Copier keeps a project whose task
    failed (--no-cleanup), else 0, as Copier would delete it.
    """
    result = copier_copy_with_tasks(
        tmp_path / "project",
        *options,
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(tmp_path),
        PIP_NO_CACHE_DIR="1",
    )
    output = result.stdout + result.stderr
    assert "Setup step 'venv' failed: `.venv/bin/python -m pip install" in output, output[-5000:]
    # The lock, or its ranges where the setup's Python is older than the project's.
    assert re.search(r"requirements/development\.(lock|txt)` exited with code 1", output), output
    assert "To finish it by hand, run:" in output
    assert "manage.py migrate" in output
    assert "Running the test suite" not in output
    assert result.returncode == exit_status, output[-5000:]
    lines = output.rstrip().splitlines()
    if exit_status:  # then Copier says which task failed, its own last word
        assert re.fullmatch(r"Task \[.*\] returned non-zero exit status 1\.", lines.pop())
    last_line = lines[-1]
    assert last_line.startswith("[copier-drf] SETUP FAILED at step 'venv': "), last_line
    assert last_line.endswith(f"(exit status {exit_status}).")
    project = tmp_path / "project"
    reference = render()
    expected = {path.relative_to(reference) for path in project_files(reference)}
    present = {path.relative_to(project) for path in project_files(project)}
    missing = {path for path in expected - present if path.name != ".copier-answers.yml"}
    assert not missing, f"rendered files lost: {sorted(missing)}"
    assert (project / ".env").is_file()

"""Time rendering the default project, and cookiecutter-django's default project in the same run.

Usage: python bench/render.py [--runs N] [--cookiecutter-django PATH] [--cookiecutter COMMAND]
                              [--baseline PATH]

Ours: `copier copy --skip-tasks --defaults --trust --vcs-ref HEAD` of this template, with
project_name set, and the same for `--baseline` (another checkout of this template, such as
the commit before a change). Copier adds uncommitted changes to HEAD, with a warning, which
adds time: commit first. With `--cookiecutter-django` (a checkout of
cookiecutter/cookiecutter-django), also `cookiecutter --no-input` of it. Its
post-generation hook ends by running `uv add` to resolve and lock the dependencies, the
counterpart of our skipped setup task: a no-op `uv` first on PATH stands in for it, so both
sides render, run their own generation code and write the files, and neither installs
anything. Also times `python -c "import copier"`, the part of ours that the template cannot
change. The commands take turns within each run, so all see the same load. Prints each run,
the medians and the ratios, of the wall time and of the CPU time (user + system, of the
command and its subprocesses): on a machine shared with other work, the CPU time varies less.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent


def cpu_of_children() -> float:
    """Return the user + system time of the finished subprocesses so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``command``; return its wall and CPU time. Fail loudly if it fails."""
    cpu, start = cpu_of_children(), time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start, cpu_of_children() - cpu


def file_count(root: Path) -> int:
    """Return how many files are under ``root``."""
    return sum(1 for path in root.rglob("*") if path.is_file())


def cookiecutter_command(given: str | None) -> str:
    """Return the cookiecutter executable: ``given``, next to this Python, or on PATH."""
    beside = Path(sys.executable).parent / "cookiecutter"
    found = given or (str(beside) if beside.exists() else shutil.which("cookiecutter"))
    if not found:
        sys.exit("cookiecutter not found: pip install cookiecutter, or pass --cookiecutter")
    return found


def median(times: list[tuple[float, float]], which: int) -> float:
    """Return the median wall (``which`` 0) or CPU (1) time of ``times``."""
    return statistics.median(pair[which] for pair in times)


def summary(label: str, times: list[tuple[float, float]]) -> str:
    """Format the median and range of the wall times, and the median CPU time."""
    low, high = min(wall for wall, _ in times), max(wall for wall, _ in times)
    return (
        f"{label:<48} median {median(times, 0):.2f} s ({low:.2f} - {high:.2f} s), "
        f"CPU {median(times, 1):.2f} s"
    )


def main() -> int:
    """Render ``--runs`` times after one warm-up run each; print the medians and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--cookiecutter-django", type=Path, help="a cookiecutter-django checkout")
    parser.add_argument("--cookiecutter", help="the cookiecutter command (default: found)")
    parser.add_argument("--baseline", type=Path, help="another checkout of this template")
    args = parser.parse_args()

    copy = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--skip-tasks"]
    copy += ["--quiet", "--vcs-ref", "HEAD", "--data", "project_name=My API"]
    templates = {"copier-drf": TEMPLATE_ROOT}
    if args.baseline:
        templates["baseline"] = args.baseline
    for name, template in templates.items():
        status = ["git", "-C", str(template), "status", "--porcelain"]
        if subprocess.run(status, check=True, capture_output=True, text=True).stdout:
            print(f"note: {name} has uncommitted changes; Copier commits them to a copy first")
    times: dict[str, list[tuple[float, float]]] = defaultdict(list)

    with tempfile.TemporaryDirectory() as workdir:
        stub = Path(workdir) / "stub"
        stub.mkdir()
        (stub / "uv").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        (stub / "uv").chmod(0o755)
        stub_env = {**os.environ, "PATH": f"{stub}{os.pathsep}{os.environ.get('PATH', '')}"}
        for run in range(args.runs + 1):
            outputs = {name: Path(workdir) / f"{name}{run}" for name in templates}
            measured = {
                name: timed([*copy, str(template), str(outputs[name])])
                for name, template in templates.items()
            }
            measured["import copier"] = timed([sys.executable, "-c", "import copier"])
            if args.cookiecutter_django:
                outputs["cookiecutter-django"] = Path(workdir) / f"cookiecutter-django{run}"
                command = [cookiecutter_command(args.cookiecutter), "--no-input", "--output-dir"]
                command += [str(outputs["cookiecutter-django"]), str(args.cookiecutter_django)]
                measured["cookiecutter-django"] = timed(command, env=stub_env)
            if run == 0:
                counts = ", ".join(f"{name} {file_count(path)}" for name, path in outputs.items())
                print(f"warm-up; files written: {counts}")
                continue
            line = ", ".join(
                f"{name} {wall:.2f} s (CPU {cpu:.2f} s)" for name, (wall, cpu) in measured.items()
            )
            print(f"run {run}: {line}")
            for name, pair in measured.items():
                times[name].append(pair)

    labels = {
        "copier-drf": "copier-drf (copier copy, tasks skipped)",
        "baseline": "baseline (the same, of the --baseline checkout)",
        "import copier": 'Copier start-up (python -c "import copier")',
        "cookiecutter-django": "cookiecutter-django (cookiecutter --no-input)",
    }
    for name, pairs in times.items():
        print(summary(f"{labels[name]}:", pairs))
    for ours, theirs in (
        ("copier-drf", "cookiecutter-django"),
        ("baseline", "cookiecutter-django"),
        ("copier-drf", "baseline"),
    ):
        if ours in times and theirs in times:
            wall = median(times[ours], 0) / median(times[theirs], 0)
            cpu = median(times[ours], 1) / median(times[theirs], 1)
            print(f"ratio {ours} / {theirs} (medians): wall {wall:.2f}, CPU {cpu:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

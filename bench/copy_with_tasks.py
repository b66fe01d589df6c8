"""Time ``copier copy --trust`` of the default project with its setup tasks, step by step.

    python bench/copy_with_tasks.py --runs 3 [--template PATH] [--cold] [--keep-uv-on-path]

Each run renders the template (default answers plus a project name) into a fresh folder and
lets the setup task run; it prints the wall time of the whole command and each step's time
as the setup reports it ("... done (4.1 s; ...)"). uv is taken off PATH unless
--keep-uv-on-path, as on a machine without it. --cold gives each run an empty user cache
(XDG_CACHE_HOME), as on a new machine: nothing installed or downloaded before.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEP = re.compile(r"^\[copier-drf\] (.+?) \.\.\. done \((\d+\.\d) s(?:; ([^)]*))?\)$", re.M)
UV_INSTALL = re.compile(r"uv \S+ installed into \S+ in (\d+\.\d) s")


def copy_once(template: Path, work: Path, *, cold: bool, keep_uv: bool) -> dict[str, float]:
    """Run one copy with tasks; return the wall time and each reported step's time."""
    env = dict(os.environ)
    if not keep_uv:
        folders = env.get("PATH", "").split(os.pathsep)
        env["PATH"] = os.pathsep.join(f for f in folders if not Path(f, "uv").exists())
    if cold:
        env["XDG_CACHE_HOME"] = str(work / "cache")
    command = [
        *(sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--vcs-ref=HEAD"),
        *("--data", "project_name=My API", str(template), str(work / "project")),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    total = time.perf_counter() - started
    if done.returncode or "Running the test suite ... done" not in done.stdout:
        sys.exit(f"copy failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    steps = {title: float(seconds) for title, seconds, _detail in STEP.findall(done.stdout)}
    times = {"copier copy, in all": total, "rendering and the rest": total - sum(steps.values())}
    times.update(steps)
    if fetched := UV_INSTALL.search(done.stdout):
        times["(of the install: installing uv into the cache)"] = float(fetched[1])
    return times


def main() -> None:
    """Run the copies and print the median and range of each time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--template", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--cold", action="store_true", help="an empty user cache for each run")
    parser.add_argument("--keep-uv-on-path", action="store_true")
    args = parser.parse_args()
    runs = []
    for number in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="copy-with-tasks-") as work:
            runs.append(
                copy_once(args.template, Path(work), cold=args.cold, keep_uv=args.keep_uv_on_path)
            )
        print(f"run {number}: " + ", ".join(f"{k.strip()} {v:.1f} s" for k, v in runs[-1].items()))
    print(f"\n| step | median | runs ({args.runs}) |\n|---|---|---|")
    for key in runs[0]:
        values = [run[key] for run in runs if key in run]
        spread = " / ".join(f"{value:.1f}" for value in values)
        print(f"| {key} | {statistics.median(values):.1f} s | {spread} s |")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

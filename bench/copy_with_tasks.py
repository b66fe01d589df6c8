"""Time ``copier copy --trust`` of the default project with its setup tasks, step by step.

    python bench/copy_with_tasks.py --runs 3 [--template PATH] [--cold] [--keep-uv-on-path]

Each run renders the template (default answers plus a project name) into a fresh folder and
lets the setup task run. The output is read line by line as it comes: a step's time is the
time between its status line and the one before, so versions of the setup that print no
times of their own are measured the same way. uv is taken off PATH unless --keep-uv-on-path,
as on a machine without it. --cold gives each run an empty user cache (XDG_CACHE_HOME), as
on a new machine: nothing installed or downloaded before.
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

STATUS = re.compile(r"^\[copier-drf\] (.+?)( \.\.\. \S+|: .*)")
UV_INSTALL = re.compile(r"uv \S+ installed into \S+ in (\d+\.\d) s")


def copy_once(template: Path, work: Path, *, cold: bool, keep_uv: bool) -> dict[str, float]:
    """Run one copy with tasks; return the wall time of the whole and of each step."""
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
    started = last = time.perf_counter()
    times: dict[str, float] = {}
    lines = []
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as copy:
        assert copy.stdout is not None
        for line in copy.stdout:
            lines.append(line)
            if not (status := STATUS.match(line)):
                continue
            now = time.perf_counter()
            # The first status line comes once Copier has rendered and .env is written.
            title = "rendering, then " + status[1] if not times else status[1]
            times[title] = times.get(title, 0.0) + now - last
            last = now
            if fetched := UV_INSTALL.search(line):
                times["(of which installing uv into the cache)"] = float(fetched[1])
    end = time.perf_counter()
    if copy.returncode or not any("Running the test suite ... done" in line for line in lines):
        sys.exit("copy failed:\n" + "".join(lines[-60:]))
    times["Copier's closing message"] = end - last
    times["copier copy, in all"] = end - started
    return times


def main() -> None:
    """Run the copies and print the median and each run of every time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--template", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--cold", action="store_true", help="an empty user cache for each run")
    parser.add_argument("--keep-uv-on-path", action="store_true")
    args = parser.parse_args()
    runs = []
    for number in range(1, args.runs + 1):
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory(prefix="copy-with-tasks-") as work:
            runs.append(
                copy_once(args.template, Path(work), cold=args.cold, keep_uv=args.keep_uv_on_path)
            )
        print(f"run {number} (load average {load:.1f} at its start):")
        print("".join(f"    {key}: {value:.1f} s\n" for key, value in runs[-1].items()), end="")
    print("\n| step | median | each run |\n|---|---|---|")
    for key in runs[0]:
        values = [run[key] for run in runs if key in run]
        each = " / ".join(f"{value:.1f}" for value in values)
        print(f"| {key} | {statistics.median(values):.1f} s | {each} s |")
    print(f"\n{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()

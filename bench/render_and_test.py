"""Time `copier copy` (tasks skipped) of a project and its generated test suite.

Usage: python bench/render_and_test.py [--runs N] [--data key=value ...]
Prints each run and the median, in seconds. For the suite it also prints the CPU time it
took, the load average before it (the machine may be shared), and where its time went: each
test module's setup, call and teardown (pytest --durations), and what is outside the tests
(start-up, collection, database creation).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
# One line of ``pytest --durations=0``: "0.52s call     apps/x/tests/test_y.py::test_z".
DURATION = re.compile(r"^\s*(\d+\.\d+)s (?:setup|call|teardown)\s+([^:\s]+)::", re.MULTILINE)
MODULES_SHOWN = 8


def timed(command: list[str], cwd: Path | None = None) -> float:
    """Run ``command`` and return its wall time; fail loudly if it fails."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def timed_suite(project: Path) -> tuple[float, float, dict[str, float]]:
    """Run the project's tests; return wall time, CPU time and seconds per test module."""
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    pytest += ["--durations=0", "--durations-min=0"]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(pytest, cwd=project, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    modules: dict[str, float] = collections.defaultdict(float)
    for seconds, module in DURATION.findall(result.stdout):
        modules[module] += float(seconds)
    return wall, cpu, modules


def print_split(wall: float, modules: dict[str, float]) -> None:
    """Print the slowest test modules and the time outside every test."""
    ranked = sorted(modules.items(), key=lambda item: item[1], reverse=True)
    for module, seconds in ranked[:MODULES_SHOWN]:
        print(f"    {seconds:6.2f} s  {module}")
    if len(ranked) > MODULES_SHOWN:
        rest = sum(seconds for _, seconds in ranked[MODULES_SHOWN:])
        print(f"    {rest:6.2f} s  the other {len(ranked) - MODULES_SHOWN} modules")
    outside = wall - sum(modules.values())
    print(f"    {outside:6.2f} s  outside the tests (start-up, collection, database creation)")


def main() -> int:
    """Render and test the project ``--runs`` times; print the medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", action="append", default=[], help="extra answer key=value")
    args = parser.parse_args()
    answers = ["project_name=My API", "run_setup=false", *args.data]
    data_flags = [flag for answer in answers for flag in ("--data", answer)]

    copy_times: list[float] = []
    test_times: list[float] = []
    with tempfile.TemporaryDirectory() as workdir:
        for run in range(args.runs):
            destination = Path(workdir) / f"project{run}"
            copy = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults"]
            copy += ["--skip-tasks", "--quiet", "--vcs-ref", "HEAD", *data_flags]
            copy_times.append(timed([*copy, str(TEMPLATE_ROOT), str(destination)]))
            load = os.getloadavg()[0]
            wall, cpu, modules = timed_suite(destination)
            test_times.append(wall)
            print(
                f"run {run + 1}: copy {copy_times[-1]:.2f} s, tests {wall:.2f} s "
                f"(CPU {cpu:.2f} s, load average {load:.2f} before)",
            )
            print_split(wall, modules)
    print(f"median copier copy (tasks skipped): {statistics.median(copy_times):.2f} s")
    print(f"median generated test suite:        {statistics.median(test_times):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

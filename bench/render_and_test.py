"""Time `copier copy` (tasks skipped) of a project and its generated test suite.

Usage: python bench/render_and_test.py [--runs N] [--data key=value ...]
Prints each run and the median, in seconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], cwd: Path | None = None) -> float:
    """Run ``command`` and return its wall time; fail loudly if it fails."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


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
            pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            test_times.append(timed(pytest, cwd=destination))
            print(f"run {run + 1}: copy {copy_times[-1]:.2f} s, tests {test_times[-1]:.2f} s")
    print(f"median copier copy (tasks skipped): {statistics.median(copy_times):.2f} s")
    print(f"median generated test suite:        {statistics.median(test_times):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Count the lines a team inherits: app code, config, tests and conformance, per render.

Usage: python bench/lines.py [--ref REF ...]

Renders the default project and the all-options one at each ``--ref`` (a commit of this
template; default: HEAD) and prints, per render, the lines of Python in each part:

- app code: ``apps/`` and ``common/``, tests, migrations and the convention checks aside;
- config: ``config/``;
- tests: every file under a ``tests/`` folder, and the conftest files;
- conformance: the modules that register the convention checks (``common/checks/``).

The issue's budget is tests + conformance. Blank lines count: they are lines to read.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
ALL_OPTIONS = ("use_jwt", "use_celery", "use_s3", "use_sentry")


def render(ref: str, destination: Path, *, all_options: bool) -> Path:
    """Render the template at ``ref`` into ``destination`` (no tasks)."""
    data = ["-d", "project_name=Shop API"]
    if all_options:
        data += [arg for option in ALL_OPTIONS for arg in ("-d", f"{option}=true")]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            "--trust",
            "--defaults",
            "--skip-tasks",
            "--vcs-ref",
            ref,
            *data,
            str(TEMPLATE_ROOT),
            str(destination),
        ],
        check=True,
        capture_output=True,
    )
    return destination


def part(relative: Path) -> str | None:
    """Return the part a project file belongs to, or None for a file not counted."""
    parts = relative.parts
    if relative.suffix != ".py" or "migrations" in parts:
        return None
    if "tests" in parts or relative.name == "conftest.py":
        return "tests"
    if parts[:2] == ("common", "checks"):
        return "conformance"
    if parts[0] == "config":
        return "config"
    if parts[0] in ("apps", "common"):
        return "app code"
    return None


def count(project: Path) -> dict[str, int]:
    """Return the lines of each part of a rendered project."""
    totals = dict.fromkeys(("app code", "config", "tests", "conformance"), 0)
    for path in project.rglob("*.py"):
        name = part(path.relative_to(project))
        if name is not None:
            totals[name] += len(path.read_text(encoding="utf-8").splitlines())
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", action="append", help="commit of this template (default HEAD)")
    refs = parser.parse_args().ref or ["HEAD"]
    header = ("app code", 10), ("config", 8), ("tests", 8), ("conformance", 13), ("tests+conf", 12)
    print(f"{'render':<28}" + "".join(f"{name:>{width}}" for name, width in header))
    with tempfile.TemporaryDirectory() as scratch:
        for ref in refs:
            for all_options in (False, True):
                name = f"{ref[:12]} {'all options' if all_options else 'default'}"
                project = render(
                    ref, Path(scratch) / name.replace(" ", "-"), all_options=all_options
                )
                lines = count(project)
                print(
                    f"{name:<28}{lines['app code']:>10}{lines['config']:>8}{lines['tests']:>8}"
                    f"{lines['conformance']:>13}{lines['tests'] + lines['conformance']:>12}"
                )


if __name__ == "__main__":
    main()

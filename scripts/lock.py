"""Refresh the template's universal lock of every requirement a generated project can have.

    python scripts/lock.py             # after editing the lists in extensions/context.py
    python scripts/lock.py --upgrade   # also move every pin to its newest allowed release
    python scripts/lock.py --check     # offline: the files agree with extensions/context.py

It writes, under requirements/, for each Django series a project can choose (a universal
lock holds one version of a package per marker, so each series has its own):

- ``projects.in`` (Django 5.2 LTS) and ``projects-django6.1.in``: the requirement lines of
  ``extensions/context.py``, all options at once;
- ``projects.lock`` and ``projects-django6.1.lock``: ``uv pip compile --universal
  --generate-hashes`` of each, for the series' oldest Python (3.11, 3.12) and later on every
  platform. Each rendered project gets the part of its series' lock that its options need
  (``ContextUpdater`` prunes it along the ``# via`` annotations);
- ``projects-constraints.txt``: the pins of ``projects.lock`` without hashes, which
  requirements-test.txt uses as constraints so that the template's tests run the versions
  projects get. (The matrix installs each series' lock itself, hashes checked.)

Without ``--upgrade``, uv keeps the pins already in ``projects.lock`` where they still fit.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extensions.context import (  # noqa: E402
    DEFAULT_DJANGO,
    DJANGO_SERIES,
    PROJECTS_LOCKS,
    LockEntry,
    all_requirements,
    parse_lock,
)

FOLDER = PROJECTS_LOCKS[DEFAULT_DJANGO].parent
INPUTS = {series: lock.with_suffix(".in") for series, lock in PROJECTS_LOCKS.items()}
CONSTRAINTS = FOLDER / "projects-constraints.txt"
INPUT_HEADER = """\
# Every requirement a generated project can have, all options at once. Written by
# scripts/lock.py from extensions/context.py: edit the lists there, not this file.
"""
CONSTRAINTS_HEADER = """\
# The pins of projects.lock without their hashes, for requirements-test.txt.
# Written by scripts/lock.py: do not edit.
"""


def input_text(django_version: str = DEFAULT_DJANGO) -> str:
    """Return what the input file of the Django series ``django_version`` should hold."""
    return INPUT_HEADER + "".join(f"{line}\n" for line in all_requirements(django_version))


def constraints_text(entries: list[LockEntry]) -> str:
    """Return the pins of the lock, one a line, markers kept and hashes dropped."""
    pins = [entry.pin[0].removesuffix("\\").strip() for entry in entries]
    return CONSTRAINTS_HEADER + "".join(f"{pin}\n" for pin in pins)


def problems() -> list[str]:
    """Return why the files under requirements/ disagree with extensions/context.py."""
    found = []
    for series in DJANGO_SERIES:
        found += series_problems(series)
    entries = parse_lock(PROJECTS_LOCKS[DEFAULT_DJANGO].read_text(encoding="utf-8"))
    if not CONSTRAINTS.is_file() or CONSTRAINTS.read_text(encoding="utf-8") != constraints_text(
        entries,
    ):
        found.append(f"{CONSTRAINTS.name} differs from {PROJECTS_LOCKS[DEFAULT_DJANGO].name}")
    return found


def series_problems(series: str) -> list[str]:
    """Return why the input and lock of one Django series disagree with the extension."""
    found = []
    source, lock_file = INPUTS[series], PROJECTS_LOCKS[series]
    if not source.is_file() or source.read_text(encoding="utf-8") != input_text(series):
        found.append(f"{source.name} differs from extensions/context.py")
    if not lock_file.is_file():
        return [*found, f"{lock_file.name} is missing: run scripts/lock.py"]
    entries = parse_lock(lock_file.read_text(encoding="utf-8"))
    pinned: dict[str, list[Version]] = {}
    for entry in entries:
        version = entry.pin[0].split("==", 1)[1].split()[0].split(";")[0]
        pinned.setdefault(entry.name, []).append(Version(version))
        if not any(line.lstrip().startswith("--hash=sha256:") for line in entry.pin):
            found.append(f"{lock_file.name}: {entry.name} has no hash")
    for line in all_requirements(series):
        requirement = Requirement(line)
        name = requirement.name.lower().replace("_", "-").replace(".", "-")
        versions = pinned.get(name, [])
        if not versions or not all(requirement.specifier.contains(v) for v in versions):
            found.append(f"{lock_file.name} does not satisfy {line} (pins {versions})")
    return found


def lock(*, upgrade: bool) -> None:
    """Write the inputs, compile each series' lock with uv, write projects-constraints.txt."""
    from uv import find_uv_bin  # noqa: PLC0415 (only this command needs uv)

    default_lock = PROJECTS_LOCKS[DEFAULT_DJANGO]
    for series, (_requirement, oldest_python) in DJANGO_SERIES.items():
        INPUTS[series].write_text(input_text(series), encoding="utf-8")
        if not PROJECTS_LOCKS[series].exists():
            # uv keeps the pins of the file it writes where they fit: a new series starts
            # from the default's, so the two differ in Django and what needs another version.
            shutil.copyfile(default_lock, PROJECTS_LOCKS[series])
        command = [
            find_uv_bin(),
            "pip",
            "compile",
            "--quiet",
            "--universal",
            "--generate-hashes",
            "--python-version",
            oldest_python,
            "--custom-compile-command",
            "python scripts/lock.py",
            str(INPUTS[series].relative_to(ROOT)),
            "--output-file",
            str(PROJECTS_LOCKS[series].relative_to(ROOT)),
        ]
        if upgrade:
            command.append("--upgrade")
        subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 (a fixed command)
    entries = parse_lock(PROJECTS_LOCKS[DEFAULT_DJANGO].read_text(encoding="utf-8"))
    CONSTRAINTS.write_text(constraints_text(entries), encoding="utf-8")


def main() -> int:
    """Refresh the lock, or with ``--check`` report how it disagrees."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--upgrade", action="store_true", help="move pins to newest releases")
    group.add_argument("--check", action="store_true", help="check only (offline)")
    arguments = parser.parse_args()
    if not arguments.check:
        lock(upgrade=arguments.upgrade)
    found = problems()
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

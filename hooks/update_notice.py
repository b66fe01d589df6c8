"""Print what needs attention after `copier update`.

Runs as the last "after" migration of every update, in the project. It compares the
working tree with the last commit (the project is clean before an update) and lists:
files with conflict markers and `.rej` files, variables of `.env.example` missing from
`.env`, new database migrations, changed requirements, a new Python or Django series (the
answers ``python_version`` and ``django_version``), and copies of removed files kept by
``keep_removed_edits.py``. Each item says what to do. It never fails the update.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

KEPT_DIR = ".copier-kept"  # where keep_removed_edits.py puts removed files
CONFLICT_MARKER = re.compile(rb"^(<<<<<<<|>>>>>>>)( |$)", re.MULTILINE)
ENV_NAME = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", re.MULTILINE)
MIGRATION = re.compile(r"(^|/)migrations/\d{4}_\w+\.py$")
REQUIREMENTS = re.compile(r"^(requirements/.*\.(txt|lock)|pyproject\.toml)$")
ANSWERS_FILE = ".copier-answers.yml"
# The answers that change what the project runs on: (answer, what it is called).
RUNTIME_ANSWERS = (("python_version", "Python"), ("django_version", "Django"))


@dataclass
class Report:
    """What an update left for the user to do."""

    conflicts: list[str] = field(default_factory=list)
    missing_env: list[str] = field(default_factory=list)
    no_env_file: bool = False
    migrations: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    runtime: list[tuple[str, str, str]] = field(default_factory=list)  # (what, from, to)


def env_names(text: str) -> list[str]:
    """Return the variable names set (not commented out) in an env file's ``text``."""
    return list(dict.fromkeys(ENV_NAME.findall(text)))


def missing_env(example: str, env: str) -> list[str]:
    """Return the names ``example`` sets that ``env`` does not."""
    present = set(env_names(env))
    return [name for name in env_names(example) if name not in present]


def has_conflict(relative: str, content: bytes) -> bool:
    """Tell whether a file is a rejected hunk or holds conflict markers."""
    return relative.endswith(".rej") or bool(CONFLICT_MARKER.search(content))


def _git_paths(root: Path, *args: str) -> list[str]:
    output = subprocess.run(["git", *args, "-z"], cwd=root, capture_output=True, check=True).stdout
    return [path for path in output.decode().split("\0") if path]


def changed_paths(root: Path) -> tuple[list[str], list[str]]:
    """Return (files changed since the last commit, files new since it), paths from ``root``."""
    changed = _git_paths(root, "diff", "--relative", "--name-only", "HEAD")
    new = _git_paths(root, "ls-files", "--others", "--exclude-standard")
    rejected = [
        path
        for path in _git_paths(root, "ls-files", "--others", "--ignored", "--exclude-standard")
        if path.endswith(".rej")
    ]
    return sorted(set(changed)), sorted({*new, *rejected})


def answer(text: str, name: str) -> str:
    """Return the value of the answer ``name`` in an answers file's ``text`` ("" if absent)."""
    found = re.search(rf"^{name}:\s*['\"]?([^'\"\n]*)", text, re.MULTILINE)
    return found[1].strip() if found else ""


def runtime_changes(root: Path) -> list[tuple[str, str, str]]:
    """Return the Python and Django changes between the last commit's answers and these."""
    before = subprocess.run(
        ["git", "show", f"HEAD:./{ANSWERS_FILE}"], cwd=root, capture_output=True, check=False
    ).stdout.decode()
    answers = root / ANSWERS_FILE
    after = answers.read_text(encoding="utf-8") if answers.is_file() else ""
    changes = [(what, answer(before, name), answer(after, name)) for name, what in RUNTIME_ANSWERS]
    return [(what, old, new) for what, old, new in changes if old and new and old != new]


def collect(root: Path) -> Report:
    """Inspect the project in ``root`` after an update."""
    changed, new = changed_paths(root)
    report = Report()
    for relative in sorted({*changed, *new}):
        path = root / relative
        if PurePosixPath(relative).parts[0] == KEPT_DIR:
            report.kept.append(relative)
        elif path.is_file() and has_conflict(relative, path.read_bytes()):
            report.conflicts.append(relative)
    report.migrations = [path for path in new if MIGRATION.search(path)]
    report.requirements = [path for path in changed if REQUIREMENTS.match(path)]
    report.runtime = runtime_changes(root)
    example, env = root / ".env.example", root / ".env"
    if example.is_file():
        if env.is_file():
            report.missing_env = missing_env(
                example.read_text(encoding="utf-8"), env.read_text(encoding="utf-8")
            )
        else:
            report.no_env_file = True
    return report


def _section(title: str, paths: Sequence[str], action: str) -> list[str]:
    return [title, *(f"    {path}" for path in paths), f"  -> {action}"]


def render(report: Report) -> str:
    """Return the notice for ``report``."""
    lines = ["copier-drf: after this update"]
    if report.conflicts:
        lines += _section(
            "- conflicts to resolve (markers or .rej files):",
            report.conflicts,
            "edit each file to the version you want (delete the markers and .rej files), "
            "then `git add` it",
        )
    if report.kept:
        lines += _section(
            f"- files the update removed, your versions kept in {KEPT_DIR}/:",
            report.kept,
            "move back what you still need, then delete the folder",
        )
    if report.no_env_file:
        lines.append("- there is no .env: `cp .env.example .env`, then set DJANGO_SECRET_KEY")
    elif report.missing_env:
        lines += _section(
            "- variables in .env.example that your .env does not set:",
            report.missing_env,
            "add them to .env (see .env.example for what each one does)",
        )
    if report.migrations:
        lines += _section(
            "- new database migrations:",
            report.migrations,
            "`python manage.py migrate`",
        )
    for what, old, new in report.runtime:
        lines.append(f"- the project moves from {what} {old} to {what} {new}")
        if what == "Python":
            lines.append(
                f"  -> rebuild .venv on Python {new}: `rm -rf .venv && python{new} -m venv .venv`,"
                " then install the lock as below"
            )
        else:
            lines.append(
                f"  -> read Django {new}'s release notes (deprecations your code may use), then"
                " `python manage.py migrate` and `python manage.py check --deploy`"
            )
    if report.requirements:
        lines += _section(
            "- changed requirements:",
            report.requirements,
            "`python -m pip install --require-hashes --no-deps -r requirements/development.lock`"
            " then `python -m pip check`",
        )
    if len(lines) == 1:
        lines.append("- no conflicts, no new variables, migrations or requirements")
    lines.append("Review `git diff`, run the tests, then commit.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the notice for the project in the current directory (or ``argv[0]``)."""
    root = Path(argv[0] if argv else ".").resolve()
    try:
        print(render(collect(root)))
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"copier-drf: could not inspect the project after the update: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

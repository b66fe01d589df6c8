"""Keep a copy of every file the user edited that `copier update` just removed.

Copier deletes a file when the template stops rendering it: an answer turned an option off
(``use_celery=false`` removes ``config/celery.py`` and ``apps/orders/tasks.py``) or a release
dropped or renamed the file. It does so even when the user changed the file, without a
conflict or a word. This script runs as an "after" migration of every update (no
``version``, so it runs whatever releases the update crosses, tagged or not, and also with
``--skip-tasks``)::

    _migrations:
      - when: "{{ _stage == 'after' }}"
        command:
          - "{{ _copier_python }}"
          - "{{ _copier_conf.src_path }}/hooks/keep_removed_edits.py"
          - "--answers-file={{ _copier_conf.answers_file }}"

Copier removes files from the working tree only, so the files the update removed are the
ones git still has in its index but not on disk. For each of them the script compares the
committed version (the project is clean before an update) with what the old release
rendered from the old answers, which it renders again into a temporary folder. A file that
differs is written to ``.copier-kept/<path>`` and listed; an untouched one is let go.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

KEPT_DIR = ".copier-kept"
DEFAULT_ANSWERS_FILE = ".copier-answers.yml"


def git(root: Path, *args: str) -> bytes:
    """Return the output of a git command run in ``root``."""
    return subprocess.run(["git", *args], cwd=root, capture_output=True, check=True).stdout


def removed_paths(root: Path) -> list[str]:
    """Return the files still in git's index but missing from the working tree."""
    listed = git(root, "ls-files", "--deleted", "-z").decode().split("\0")
    return sorted({path for path in listed if path})


def committed(root: Path, relative: str) -> bytes:
    """Return the content of ``relative`` in the last commit."""
    return git(root, "show", f"HEAD:./{relative}")


def old_answers(root: Path, answers_file: str) -> dict[str, Any]:
    """Return the answers the project had before the update (from the last commit)."""
    answers = yaml.safe_load(committed(root, answers_file)) or {}
    if not isinstance(answers, dict) or "_src_path" not in answers or "_commit" not in answers:
        message = f"{answers_file} in the last commit does not name a template and a commit"
        raise ValueError(message)
    return answers


def render_old_release(answers: dict[str, Any], destination: Path) -> Path:
    """Render the release and answers of ``answers`` into ``destination``, as Copier did."""
    from copier import run_copy  # noqa: PLC0415 (Copier's interpreter runs this script)

    run_copy(
        str(answers["_src_path"]),
        str(destination),
        data={key: value for key, value in answers.items() if not key.startswith("_")},
        vcs_ref=str(answers["_commit"]),
        defaults=True,
        unsafe=True,
        skip_tasks=True,
        quiet=True,
    )
    return destination


def edited(root: Path, paths: Sequence[str], pristine: Path) -> list[str]:
    """Return those of ``paths`` whose committed content differs from the ``pristine`` render."""
    changed = []
    for relative in paths:
        original = pristine / relative
        if not original.is_file() or original.read_bytes() != committed(root, relative):
            changed.append(relative)
    return changed


def keep(root: Path, paths: Sequence[str]) -> list[Path]:
    """Write the committed version of each of ``paths`` under ``.copier-kept/``."""
    kept = []
    for relative in paths:
        target = root / KEPT_DIR / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(committed(root, relative))
        kept.append(target.relative_to(root))
    return kept


def report(kept: Sequence[Path]) -> str:
    """Return what to tell the user about the kept files."""
    lines = [
        "copier-drf: the update removed files you had changed (an option was turned off, or",
        "the release dropped or moved them). Your versions are kept here:",
        *(f"    {path}" for path in kept),
        "Compare each with the template's new files, move back what you still need, then",
        f"delete {KEPT_DIR}/ (or commit it) before the next update.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Keep the user's edited files that the update removed; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers-file", default=DEFAULT_ANSWERS_FILE)
    parser.add_argument("--project", type=Path, default=Path())
    args = parser.parse_args(argv)
    root: Path = args.project.resolve()
    removed = removed_paths(root)
    if not removed:
        return 0
    try:
        answers = old_answers(root, args.answers_file)
        with tempfile.TemporaryDirectory(prefix="copier-drf-old-") as folder:
            pristine = render_old_release(answers, Path(folder) / "project")
            kept = keep(root, edited(root, removed, pristine))
    except (OSError, ValueError, subprocess.CalledProcessError, yaml.YAMLError) as error:
        # The update itself is done; say what was not checked instead of failing it.
        print(
            f"copier-drf: could not check the removed files {', '.join(removed)} for your "
            f"changes ({error}); `git show HEAD:<path>` gives back any of them.",
            file=sys.stderr,
        )
        return 1
    if kept:
        print(report(kept))
    return 0


if __name__ == "__main__":
    sys.exit(main())

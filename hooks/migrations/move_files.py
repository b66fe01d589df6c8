"""Move files in a generated project before `copier update` renders a release that renamed them.

A `_migrations` helper for releases that move a template file (``common/pagination.py`` to
``common/paging.py``). Without it, Copier sees the old path vanish from the template and
deletes the project's copy, edits included, without a conflict or a word. Run it in the
"before" stage: the project's file (with the user's edits) is moved to the new path in the
working tree and in git's index, so Copier compares the user's version with the new
release's file at the same path, and the edits come through as content or as a conflict::

    _migrations:
      - version: "2.0.0"
        when: "{{ _stage == 'before' }}"
        command:
          - "{{ _copier_python }}"
          - "{{ _copier_conf.src_path }}/hooks/migrations/move_files.py"
          - "common/pagination.py=common/paging.py"

Paths are relative to the project root (the migration's working directory). A file that
is missing (the user deleted it, or the option that renders it is off) is skipped, so is a
move that already happened: running the script twice is harmless. If both paths exist,
the script fails and changes nothing, which stops the update before anything is rendered.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath


class MoveError(Exception):
    """A move cannot be done safely; the message says why."""


def _parse_move(pair: str) -> tuple[str, str]:
    old, sep, new = pair.partition("=")
    old, new = old.strip(), new.strip()
    if not sep or not old or not new:
        message = f"expected OLD=NEW, got {pair!r}"
        raise argparse.ArgumentTypeError(message)
    for path in (old, new):
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts:
            message = f"{path!r} must be a path inside the project"
            raise argparse.ArgumentTypeError(message)
    return old, new


def _tracked(root: Path, relative: str) -> bool:
    result = subprocess.run(
        ["git", "ls-files", "--error-unmatch", "--", relative],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def plan(root: Path, moves: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return the moves to make in ``root``; raise MoveError if one would overwrite a file."""
    todo = []
    for old, new in moves:
        source, target = root / old, root / new
        if not source.is_file():
            continue
        if target.exists():
            message = (
                f"both {old} and {new} exist; merge {old} into {new} (or delete one), "
                "commit, and run the update again"
            )
            raise MoveError(message)
        todo.append((old, new))
    return todo


def move(root: Path, old: str, new: str) -> None:
    """Move ``old`` to ``new`` inside ``root``, in git's index too when the file is tracked."""
    (root / new).parent.mkdir(parents=True, exist_ok=True)
    if _tracked(root, old):
        # Copier builds the project's side of the merge from git's index.
        subprocess.run(["git", "mv", "--", old, new], cwd=root, check=True)
    else:
        (root / old).rename(root / new)
    parent = (root / old).parent
    while parent != root and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def main(argv: Sequence[str] | None = None) -> int:
    """Make the moves named on the command line; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "moves",
        nargs="+",
        type=_parse_move,
        metavar="OLD=NEW",
        help="move the project file OLD to NEW (paths relative to the project root)",
    )
    parser.add_argument(
        "--project",
        type=Path,
        default=Path(),
        help="project root (default: the current directory, where Copier runs migrations)",
    )
    args = parser.parse_args(argv)
    root: Path = args.project.resolve()
    try:
        todo = plan(root, args.moves)
        for old, new in todo:
            move(root, old, new)
            print(f"move_files: moved {old} to {new}")
    except (MoveError, OSError, subprocess.CalledProcessError) as error:
        print(f"move_files: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

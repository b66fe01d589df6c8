"""Rename answers in a generated project's Copier answers file.

A `_migrations` helper for releases that rename a question. Copier reads a project's
answers from `.copier-answers.yml` by question name, so after a rename the old answer
would be dropped and the new question would silently take its default. Run this script in
the "before" stage of the migration: Copier re-reads the answers file after "before"
migrations, so the new release sees the answer under its new name::

    _migrations:
      - version: "2.0.0"
        when: "{{ _stage == 'before' }}"
        command:
          - "{{ _copier_python }}"
          - "{{ _copier_conf.src_path }}/hooks/migrations/rename_answers.py"
          - "--answers-file={{ _copier_conf.answers_file }}"
          - "old_name=new_name"

The file is edited line by line, so its comments and layout survive, and the result is
parsed back before it is written: if it does not hold exactly the expected answers, the
file is left alone and the script fails (which stops the update). Running it twice is
harmless: answers that are already renamed are skipped. A removed question needs no
migration: Copier only records answers to the questions the new release asks.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

DEFAULT_ANSWERS_FILE = ".copier-answers.yml"
# A top-level key at column 0: `name:` followed by a value, a space or nothing.
TOP_LEVEL_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*):(?=\s|$)", re.MULTILINE)


class MigrationError(Exception):
    """The answers file cannot be migrated safely; the message says why."""


def _parse_rename(pair: str) -> tuple[str, str]:
    old, sep, new = pair.partition("=")
    if not sep or not old.strip() or not new.strip():
        message = f"expected OLD=NEW, got {pair!r}"
        raise argparse.ArgumentTypeError(message)
    return old.strip(), new.strip()


def migrate_text(text: str, renames: dict[str, str]) -> str:
    """Return ``text`` with its top-level keys renamed (``old -> new``)."""
    before = yaml.safe_load(text) or {}
    if not isinstance(before, dict):
        message = "the answers file does not hold a mapping"
        raise MigrationError(message)
    expected: dict[str, Any] = {}
    for key, value in before.items():
        new_key = renames.get(key, key)
        if new_key != key and new_key in before:
            message = (
                f"both {key!r} and {new_key!r} are answered; "
                f"remove one of them from the answers file and run the update again"
            )
            raise MigrationError(message)
        expected[new_key] = value

    def rename(match: re.Match[str]) -> str:
        return renames.get(match["key"], match["key"]) + ":"

    # Only the key lines change, so comments, quoting and values stay as Copier wrote them.
    result = TOP_LEVEL_KEY.sub(rename, text)

    if (yaml.safe_load(result) or {}) != expected:
        message = "the answers file has a layout this script cannot edit safely"
        raise MigrationError(message)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Migrate the answers file named on the command line; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "renames",
        nargs="+",
        type=_parse_rename,
        metavar="OLD=NEW",
        help="rename the answer OLD to NEW",
    )
    parser.add_argument(
        "--answers-file",
        type=Path,
        default=Path(DEFAULT_ANSWERS_FILE),
        help=f"path of the answers file (default: {DEFAULT_ANSWERS_FILE})",
    )
    args = parser.parse_args(argv)

    path: Path = args.answers_file
    try:
        text = path.read_text(encoding="utf-8")
        result = migrate_text(text, dict(args.renames))
    except (OSError, MigrationError, yaml.YAMLError) as error:
        print(f"rename_answers: {path}: {error}", file=sys.stderr)
        return 1
    if result != text:
        path.write_text(result, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

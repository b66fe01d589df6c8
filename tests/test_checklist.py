"""docs/checklist.md claims only what a test proves.

Every line of the guide's checklist is a table row with one of three statuses: proven,
process or not met. A proven row must cite at least one test, and every test the page
cites must exist: generated tests in the all-options project, the template's own tests
in this repository. The totals the page states are the rows it has.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import OPTIONS, TEMPLATE_ROOT

CHECKLIST = TEMPLATE_ROOT / "docs" / "checklist.md"
STATUSES = ("proven", "process", "not met")
ALL_OPTIONS = {**dict.fromkeys(OPTIONS, True), "include_example_app": True}
# `path/to/test_file.py`, optionally followed by `::Class::test`; `::name` alone continues
# the file cited just before it.
CITATION = re.compile(r"`((?:[\w.-]+/)*test_\w+\.py)?((?:::\w+)*)`")
TOTALS = re.compile(r"^Totals: (\d+) lines, (\d+) proven, (\d+) process, (\d+) not met\.$", re.M)


def checklist_rows(text: str) -> list[tuple[str, str, str]]:
    """Return (item, status, proof) for each row of the page's checklist tables."""
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 4:
            continue
        if cells[0] == "checklist item" or set(cells[0]) <= {"-"}:
            continue
        rows.append((cells[0], cells[1], cells[3]))
    return rows


def cited_tests(proof: str) -> list[tuple[str, tuple[str, ...]]]:
    """Return (file, names) for each test a proof cell cites."""
    cited = []
    current = None
    for path, names in CITATION.findall(proof):
        current = path or current
        if current is None:
            continue
        cited.append((current, tuple(filter(None, names.split("::")))))
    return cited


def _defines(tree: ast.AST, names: tuple[str, ...]) -> bool:
    """Tell whether ``names`` (a class, then a test in it, or a function) is defined."""
    scope: list[ast.stmt] = list(getattr(tree, "body", []))
    for name in names:
        found = next(
            (
                node
                for node in scope
                if isinstance(node, ast.ClassDef | ast.FunctionDef) and node.name == name
            ),
            None,
        )
        if found is None:
            return False
        scope = list(found.body)
    return True


def test_rows_have_a_status_and_proven_rows_cite_a_test() -> None:
    rows = checklist_rows(CHECKLIST.read_text(encoding="utf-8"))
    problems = []
    for item, status, proof in rows:
        if not status.startswith(STATUSES):
            problems.append(f"{item}: status {status!r} is none of {STATUSES}")
        elif status.startswith("proven") and not cited_tests(proof):
            problems.append(f"{item}: marked proven but cites no test")
    assert not problems, "\n".join(problems)


def test_the_totals_are_the_rows() -> None:
    text = CHECKLIST.read_text(encoding="utf-8")
    counts = Counter(
        next(status for status in STATUSES if cell.startswith(status))
        for _, cell, _ in checklist_rows(text)
        if cell.startswith(STATUSES)
    )
    totals = TOTALS.search(text)

    assert totals, "the page must state its totals as in TOTALS"
    stated = tuple(int(number) for number in totals.groups())
    assert stated == (counts.total(), counts["proven"], counts["process"], counts["not met"])


@pytest.mark.xdist_group("jwt+celery+s3+sentry")
def test_every_cited_test_exists(render: Callable[..., Path]) -> None:
    project = render(**ALL_OPTIONS)
    problems = []
    for item, _, proof in checklist_rows(CHECKLIST.read_text(encoding="utf-8")):
        for path, names in cited_tests(proof):
            source = (TEMPLATE_ROOT if path.startswith("tests/") else project) / path
            if not source.is_file():
                problems.append(f"{item}: cites {path}, which does not exist")
            elif not _defines(ast.parse(source.read_text(encoding="utf-8")), names):
                problems.append(f"{item}: cites {path}::{'::'.join(names)}, which is not there")
    assert not problems, "\n".join(problems)

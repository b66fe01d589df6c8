"""The generated project's docs cite only what the project ships.

A README or docs page that points to a file, a folder or a guide the user never received
is a dead end on the first day. For every option combination, each relative Markdown link
and each project path quoted in backticks must exist (from the root, or below a folder
named just before), a ``*.md`` file named anywhere must be in the project, and nothing may
cite "the guide" unless one ships with the project.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_matrix import COMBO_PARAMS, project_files

MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
BACKTICKED = re.compile(r"`([^`\n]+)`")
# A path in backticks: folders separated by "/", or a file name with an extension.
QUOTED_PATH = re.compile(r"^\.?[\w-]+(?:[./][\w.-]+)*/?$")
# Folders that tools create in the project later: `copier update` keeps removed edits in
# .copier-kept/, the setup step makes .venv/, Django writes media/ and staticfiles/.
CREATED_LATER = frozenset({".copier-kept", ".venv", "media", "staticfiles"})
PATH_SUFFIXES = (".py", ".md", ".txt", ".toml", ".yml", ".yaml", ".cfg", ".ini", ".html")
MARKDOWN_FILE = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.md)\b")
GUIDE_CITATION = re.compile(
    r"\b(?:the|our|this) (?:best[- ]practices? )?guide\b|\bbest-practices\b|\bguide section\b",
    re.IGNORECASE,
)


def _is_project_path(text: str) -> bool:
    """Tell a quoted project path (``config/urls.py``) from code, URLs and placeholders."""
    if not QUOTED_PATH.match(text) or text.startswith("/"):
        return False
    if text.split("/", 1)[0] in CREATED_LATER:
        return False
    return "/" in text and (text.endswith("/") or text.endswith(PATH_SUFFIXES))


def missing_citations(project: Path) -> list[str]:
    """Return each citation in ``project``'s docs and comments that points at nothing."""
    problems: list[str] = []
    files = [path for path in project_files(project) if path.name != ".copier-answers.yml"]
    shipped_names = {path.name for path in files}
    # Every file and folder, so that a path quoted relative to a folder the text has just
    # named (`components/` after `config/settings/`) is found too.
    shipped_paths = {
        "/" + parent.as_posix()
        for path in files
        for parent in [path.relative_to(project), *path.relative_to(project).parents]
    }
    ships_a_guide = any("guide" in path.name.lower() for path in files)
    for path in files:
        relative = path.relative_to(project)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a binary file left by a run (an image, a compressed asset)
        if path.suffix == ".md":
            for target in MARKDOWN_LINK.findall(text):
                if re.match(r"^[a-z][a-z0-9+.-]*:|^#", target):
                    continue  # a URL, e-mail or anchor
                if not (path.parent / target.split("#", 1)[0]).exists():
                    problems.append(f"{relative}: link to missing {target}")
            for quoted in BACKTICKED.findall(text):
                tail = "/" + quoted.rstrip("/")
                if _is_project_path(quoted) and not any(p.endswith(tail) for p in shipped_paths):
                    problems.append(f"{relative}: cites missing `{quoted}`")
        for name in MARKDOWN_FILE.findall(text):
            if Path(name).name not in shipped_names:
                problems.append(f"{relative}: names {name}, which the project does not have")
        if not ships_a_guide and (match := GUIDE_CITATION.search(text)):
            problems.append(f"{relative}: cites {match.group()!r}, which is not in the project")
    return problems


def test_the_check_finds_each_kind_of_dead_citation(tmp_path: Path) -> None:
    """Every rule of the check can fail: one dead citation of each kind is reported."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "urls.py").write_text("")
    (tmp_path / "docs" / "architecture.md").write_text(
        "See [settings](../config/urls.py), [the API](https://example.com/), `config/urls.py`,"
        " `/api/v1/` and `apps/<app>/tests/`.\n"
    )
    (tmp_path / "README.md").write_text(
        "Read [the rules](docs/rules.md) and `config/celery.py`, as the guide says.\n"
    )
    (tmp_path / "config" / "settings.py").write_text(
        "# Per section 10 of django-drf-best-practices.md.\n"
    )

    assert sorted(missing_citations(tmp_path)) == [
        "README.md: cites 'the guide', which is not in the project",
        "README.md: cites missing `config/celery.py`",
        "README.md: link to missing docs/rules.md",
        "README.md: names docs/rules.md, which the project does not have",
        "config/settings.py: cites 'best-practices', which is not in the project",
        "config/settings.py: names django-drf-best-practices.md, which the project does not have",
    ]


@pytest.fixture
def project(render: Callable[..., Path], request: pytest.FixtureRequest) -> Path:
    """Return the rendered project of the test's combination."""
    return render(**request.param)


@pytest.mark.parametrize("project", COMBO_PARAMS, indirect=True)
def test_docs_cite_only_what_the_project_ships(project: Path) -> None:
    """README, docs and comments point only at files, folders and guides that exist."""
    problems = missing_citations(project)
    assert not problems, "\n".join(problems)

"""Any answer Copier accepts lands intact, and parseable, in every file it is written into.

Each hostile answer set is rendered with every option on, then every generated file whose
language has a parser here is parsed with it, the Python is linted and formatted by the
project's own ruff, and Django loads the settings: the answers must come back unchanged.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dockerfile
import markdown_it
import pytest
import yaml

from tests.conftest import render_project, run_in
from tests.test_matrix import project_files

ALL_OPTIONS = {"use_jwt": True, "use_celery": True, "use_s3": True, "use_sentry": True}
LONG_NAME = ("A long name with words " * 10)[:200]
HOSTILE_ANSWERS: dict[str, dict[str, str]] = {
    "quotes": {
        "project_name": 'Bob\'s "Best" API',
        "description": "It's \"\"\"triple\"\"\" and '''single''' quoted",
        "author_name": 'O\'Brien "Bob"',
    },
    "backslash": {
        "project_name": "Back\\slash API",
        "description": "Ends with a backslash \\",
        "author_name": "C:\\Users\\bob",
    },
    "templating-and-shell": {
        "project_name": "{{ cookiecutter.name }} {% raw %} $(rm -rf ~) `id`",
        "description": "${HOME} %(name)s {0} <script>alert(1)</script> # not a comment",
        "author_name": "$(whoami); echo 'x' && `id` | cat",
    },
    "unicode": {
        # Right-to-left override and mark, a no-break space, a zero-width joiner, an emoji.
        "project_name": "\u202eIPA olleH\u202c \u200fΩmega\u00a0Café",
        "description": "Zero\u200dwidth 🚀 日本語 - * _ [link](x) & &amp;",
        "author_name": "Zoë Ångström",
    },
    "long": {
        "project_name": LONG_NAME,
        "description": "word " * 60 + "x" * 150,
        "author_name": "N" * 200,
    },
}
POSTGRES_NAME_BYTES = 63


def _parse_python(path: Path) -> None:
    ast.parse(path.read_bytes(), filename=str(path))


def _parse_toml(path: Path) -> None:
    tomllib.loads(path.read_text(encoding="utf-8"))


def _parse_yaml(path: Path) -> None:
    list(yaml.safe_load_all(path.read_text(encoding="utf-8")))


def _parse_json(path: Path) -> None:
    json.loads(path.read_text(encoding="utf-8"))


def _parse_shell(path: Path) -> None:
    subprocess.run(["bash", "-n", str(path)], check=True, capture_output=True)


def _parse_dockerfile(path: Path) -> None:
    dockerfile.parse_file(str(path))


def _parse_env(path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not re.match(r"#|[A-Z][A-Z0-9_]*=\S*$", line):
            message = f"line {number} is neither a comment nor NAME=value: {line!r}"
            raise ValueError(message)


def _parse_markdown(path: Path) -> None:
    markdown_it.MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8"))


PARSERS: dict[str, Callable[[Path], None]] = {
    ".py": _parse_python,
    ".toml": _parse_toml,
    ".yml": _parse_yaml,
    ".yaml": _parse_yaml,
    ".json": _parse_json,
    ".sh": _parse_shell,
    ".md": _parse_markdown,
    ".example": _parse_env,
    "Dockerfile": _parse_dockerfile,
}


def _parser(path: Path) -> Callable[[Path], None] | None:
    return PARSERS.get(path.name) or PARSERS.get(path.suffix)


def _markdown_heading(path: Path) -> str:
    """Return the text of the first heading of a Markdown file, as a reader sees it."""
    tokens = markdown_it.MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8"))
    heading = tokens[tokens.index(next(t for t in tokens if t.type == "heading_open")) + 1]
    return "".join(child.content for child in heading.children or [])


@pytest.fixture(scope="module", params=list(HOSTILE_ANSWERS), ids=list(HOSTILE_ANSWERS))
def hostile(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Path]:
    """Render one hostile answer set with every option on."""
    answers = {**ALL_OPTIONS, **HOSTILE_ANSWERS[request.param]}
    project = tmp_path_factory.mktemp(f"hostile-{request.param}") / "project"
    return answers, render_project(project, **answers)


def test_every_generated_file_parses(hostile: tuple[dict[str, Any], Path]) -> None:
    """Python, TOML, YAML, JSON, shell, Markdown, .env and Dockerfile all parse."""
    _answers, project = hostile
    failures, parsed = [], 0
    for path in project_files(project):
        if parse := _parser(path):
            try:
                parse(path)
            except Exception as exc:
                failures.append(f"{path.relative_to(project)}: {exc}")
            parsed += 1
    print(f"{parsed} files parsed, {len(failures)} failures")
    assert parsed > 100
    assert not failures, "\n".join(failures)


def test_answers_come_back_unchanged(hostile: tuple[dict[str, Any], Path]) -> None:
    """Settings, pyproject.toml, README and the answers file hold each answer as typed."""
    answers, project = hostile
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == answers["description"]
    assert pyproject["project"]["authors"][0]["name"] == answers["author_name"]
    assert _markdown_heading(project / "README.md") == answers["project_name"].strip()
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert {key: recorded[key] for key in HOSTILE_ANSWERS["quotes"]} == {
        key: answers[key] for key in HOSTILE_ANSWERS["quotes"]
    }
    script = (
        "import json; from django.conf import settings; print(json.dumps(["
        "settings.PROJECT_NAME, settings.SPECTACULAR_SETTINGS['DESCRIPTION']]))"
    )
    shown = run_in(project, "manage.py", "shell", "--no-imports", "-c", script)
    assert json.loads(shown.stdout) == [answers["project_name"], answers["description"]]
    run_in(project, "manage.py", "check", "--fail-level", "WARNING")


def test_python_is_lint_and_format_clean(hostile: tuple[dict[str, Any], Path]) -> None:
    """The escaped literals are as ruff would write them, under the project's strict rules."""
    _answers, project = hostile
    run_in(project, "-m", "ruff", "check", "--no-cache", ".")
    run_in(project, "-m", "ruff", "format", "--check", "--no-cache", ".")


def test_names_fit_postgresql_and_docker(hostile: tuple[dict[str, Any], Path]) -> None:
    """The database (and its test twin) and the image names stay within their limits."""
    _answers, project = hostile
    compose = yaml.safe_load((project / "docker-compose.yml").read_text(encoding="utf-8"))
    database = compose["services"]["db"]["environment"]["POSTGRES_DB"]
    assert len(f"test_{database}_gw99".encode()) <= POSTGRES_NAME_BYTES, database
    assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", compose["name"]), compose["name"]


def test_long_name_is_shortened_at_a_word_boundary(tmp_path: Path) -> None:
    """A 200-character name derives a slug cut after a whole word, within PostgreSQL's limit."""
    project = render_project(tmp_path / "project", project_name=LONG_NAME, run_setup=False)
    slug = yaml.safe_load((project / ".copier-answers.yml").read_text())["project_slug"]
    whole = re.sub(r"[^a-z0-9]+", "_", LONG_NAME.lower())
    assert whole.startswith(f"{slug}_"), slug
    assert len(slug) <= POSTGRES_NAME_BYTES - len("test_") - len("_gw99")

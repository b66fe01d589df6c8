"""The questions of copier.yml: validators reject bad answers with a reason; defaults derive."""

from __future__ import annotations

import keyword
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest
import yaml
from pytest_copier import CopierFixture

from extensions.context import (
    FALLBACK_SLUG,
    RESERVED_NAMES,
    closest_to_running_python,
    python_django_problem,
    python_name_problem,
    pythons_for_django,
    slugify_python,
)
from tests.conftest import BASE_ANSWERS, TEMPLATE_ROOT, render_project

PYTHON_CHOICES = ["3.11", "3.12", "3.13"]


@pytest.fixture(scope="session")
def copier_template_paths() -> list[str]:
    """Copy only what Copier reads into pytest-copier's throwaway template repository."""
    return ["copier.yml", "extensions", "hooks", "requirements", "template"]


@pytest.fixture(scope="session")
def copier_defaults() -> dict[str, Any]:
    """Answer every required question."""
    return dict(BASE_ANSWERS)


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({"project_name": "   "}, "must not be empty"),
        ({"project_slug": ""}, "must not be empty"),
        ({"project_slug": "my-api"}, "not a valid Python identifier"),
        ({"project_slug": "1api"}, "not a valid Python identifier"),
        ({"project_slug": "café"}, "not a valid Python identifier"),
        ({"project_slug": "MyApi"}, "must be lowercase"),
        ({"project_slug": "class"}, "is a Python keyword"),
        ({"project_slug": "match"}, "is a Python keyword"),
        ({"project_slug": "type"}, "is a Python keyword"),
        ({"project_slug": "email"}, "shadow the standard-library module 'email'"),
        ({"project_slug": "test"}, "would shadow the 'test' package"),
        ({"project_slug": "django"}, "shadow the 'django' package"),
        ({"project_slug": "config"}, "shadow the 'config' package"),
        ({"author_email": "not-an-email"}, "not a valid e-mail address"),
        ({"author_email": "a@b"}, "not a valid e-mail address"),
        ({"python_version": "3.10"}, "'3.10' is not in ['3.11', '3.12', '3.13']"),
        ({"django_version": "6.0"}, "'6.0' is not in ['5.2', '6.1']"),
        (
            {"django_version": "6.1", "python_version": "3.11"},
            "Django 6.1 needs Python 3.12 or later: choose Python 3.12 or later, or Django 5.2",
        ),
    ],
)
def test_bad_answer_is_rejected_with_reason(
    copier: CopierFixture,
    tmp_path: Path,
    answers: dict[str, Any],
    reason: str,
) -> None:
    """Each validator refuses a bad answer, names the question and says what is wrong."""
    with pytest.raises(
        ValueError, match=r"Validation error for question|Invalid choice for"
    ) as excinfo:
        copier.copy(tmp_path / "project", **answers)
    assert reason in str(excinfo.value)
    assert not (tmp_path / "project" / "manage.py").exists()


DERIVED_SLUGS = [
    ("My API", "my_api"),
    ("  Shop -- Backend! ", "shop_backend"),
    ("Café Öl", "cafe_ol"),
    ("Straße Ærø", "strasse_aero"),
    ("2fast", "project_2fast"),
    # A clash with a keyword, the standard library or the project's own packages.
    ("Class", "class_api"),
    ("Django", "django_api"),
    ("Test", "test_api"),
    ("Email", "email_api"),
    ("Type", "type_api"),
    ("Config", "config_api"),
    # Nothing Latin to build a name from.
    ("日本語", FALLBACK_SLUG),
    ("Москва", FALLBACK_SLUG),
    ("!!!", FALLBACK_SLUG),
]


@pytest.mark.parametrize(("project_name", "slug"), DERIVED_SLUGS)
def test_slug_filter(project_name: str, slug: str) -> None:
    """The filter derives a readable slug, transliterating what it can."""
    assert slugify_python(project_name) == slug
    assert python_name_problem(slug) == ""


def test_every_derived_slug_passes_the_validator() -> None:
    """Copier validates a default before the user can edit it: a bad one aborts the run."""
    names = [
        *keyword.kwlist,
        *keyword.softkwlist,
        "type",
        *sorted(sys.stdlib_module_names),
        *sorted(RESERVED_NAMES),
        "",
        "_",
        "__init__",
        "42",
        "\uff46\uff55\uff4c\uff4c",  # fullwidth "full"
        "Ωμέγα",
        "🚀 Launch",
    ]
    for name in [*names, *(name.title() for name in names), *(f" {name}! " for name in names)]:
        slug = slugify_python(name)
        assert python_name_problem(slug) == "", (name, slug)


@pytest.mark.parametrize(("project_name", "slug"), DERIVED_SLUGS)
def test_slug_is_derived_from_the_name(
    copier: CopierFixture,
    project_name: str,
    slug: str,
) -> None:
    """Copier accepts the derived default (it validates defaults) and offers it."""
    context = copier.context(project_name=project_name)
    assert context["project_slug"] == slug


def _questions_after(name: str) -> dict[str, str]:
    """Return the help text of each question asked after ``name``, with its variable."""
    config = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())
    questions = [key for key, value in config.items() if isinstance(value, dict)]
    later = questions[questions.index(name) + 1 :]
    return {config[key]["help"]: key for key in later if "when" not in config[key]}


def _accept_defaults_but_setup(child: pexpect.spawn) -> None:
    """Take the default of every later question, except: no setup step."""
    for prompt, question in _questions_after("project_slug").items():
        child.expect_exact(prompt)
        child.sendline("n" if question == "run_setup" else "")


def test_interactive_run_offers_a_valid_slug_and_asks_again_after_a_bad_one(
    copier_template: Path, tmp_path: Path
) -> None:
    """A user answers "Django", is offered django_api, and a typed "class" is refused."""
    child = pexpect.spawn(
        sys.executable,
        ["-m", "copier", "copy", "--trust", str(copier_template), str(tmp_path / "project")],
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 200),
    )
    try:
        child.expect_exact("Human-readable name")
        child.sendline("Django")
        child.expect_exact("Python name for the project")
        child.expect_exact("django_api")
        # Replace the default by a keyword: the prompt stays, with the validator's message.
        child.send("\b" * len("django_api") + "class\r")
        child.expect_exact("'class' is a Python keyword; choose another name.")
        child.send("\b" * len("class") + "shop_api\r")
        _accept_defaults_but_setup(child)
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    pyproject = (tmp_path / "project" / "pyproject.toml").read_text()
    assert 'name = "shop_api"' in pyproject


def test_python_version_filter_picks_the_nearest_choice() -> None:
    """Exact match first; outside the range the nearest end; a tie goes to the newer."""
    assert closest_to_running_python(PYTHON_CHOICES, (3, 11)) == "3.11"
    assert closest_to_running_python(PYTHON_CHOICES, (3, 13)) == "3.13"
    assert closest_to_running_python(PYTHON_CHOICES, (3, 10)) == "3.11"
    assert closest_to_running_python(PYTHON_CHOICES, (3, 14)) == "3.13"
    assert closest_to_running_python(["3.11", "3.13"], (3, 12)) == "3.13"


def test_python_choices_match_the_default_expression() -> None:
    """copier.yml lists the versions twice (choices, default): they must agree."""
    question = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())["python_version"]
    assert question["choices"] == PYTHON_CHOICES
    assert question["default"] == (
        f"{{{{ {PYTHON_CHOICES} | pythons_for_django(django_version) "
        "| closest_to_running_python }}"
    )


def test_django_series_filters_the_pythons() -> None:
    assert pythons_for_django(PYTHON_CHOICES, "5.2") == PYTHON_CHOICES
    assert pythons_for_django(PYTHON_CHOICES, "6.1") == ["3.12", "3.13"]
    assert python_django_problem("3.11", "5.2") == ""
    assert python_django_problem("3.12", "6.1") == ""
    assert "needs Python 3.12" in python_django_problem("3.11", "6.1")


def test_django_question_comes_before_python() -> None:
    """The Python default and validator read django_version: Copier asks in file order."""
    questions = list(yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text()))
    assert questions.index("django_version") < questions.index("python_version")


def test_default_python_follows_django_6_1(tmp_path: Path) -> None:
    """On Django 6.1 the default is the supported Python nearest the running one."""
    expected = closest_to_running_python(["3.12", "3.13"])
    project = render_project(
        tmp_path / "project", defaulted=("python_version",), django_version="6.1"
    )

    answers = (project / ".copier-answers.yml").read_text()
    assert f"python_version: '{expected}'" in answers
    assert "django_version: '6.1'" in answers
    assert "Django>=6.1,<6.2" in (project / "requirements" / "base.txt").read_text()


def test_default_python_version_is_the_running_one(tmp_path: Path) -> None:
    """Left at its default, python_version follows the Python running Copier everywhere."""
    expected = closest_to_running_python(PYTHON_CHOICES)
    project = render_project(tmp_path / "project", defaulted=("python_version",))

    assert f"{sys.version_info.major}.{sys.version_info.minor}" in PYTHON_CHOICES
    assert expected == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert f"python_version: '{expected}'" in (project / ".copier-answers.yml").read_text()
    pyproject = (project / "pyproject.toml").read_text()
    assert f'requires-python = ">={expected}"' in pyproject
    assert f'target-version = "py{expected.replace(".", "")}"' in pyproject
    images = re.findall(r"^FROM python:(\S+)-slim", (project / "Dockerfile").read_text(), re.M)
    assert images == [expected] * 3
    workflow = (project / ".github" / "workflows" / "ci.yml").read_text()
    assert set(re.findall(r'python-version: "(.+)"', workflow)) == {expected}


def test_cli_shows_the_reason(copier_template: Path, tmp_path: Path) -> None:
    """A user of the command line sees the validator's message and gets no project."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            "--trust",
            "--defaults",
            "--data=project_name=Demo",
            "--data=project_slug=class",
            "--data=run_setup=false",
            str(copier_template),
            str(tmp_path / "project"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "'class' is a Python keyword" in result.stdout + result.stderr
    assert not (tmp_path / "project" / "manage.py").exists()


@pytest.mark.parametrize(
    ("options", "present", "absent"),
    [
        ({}, ["djangorestframework-simplejwt"], ["celery", "django-storages", "sentry-sdk"]),
        (
            {"use_jwt": False, "use_celery": True, "use_s3": True, "use_sentry": True},
            ["celery[redis]", "django-storages[s3]", "sentry-sdk[django]"],
            ["djangorestframework-simplejwt"],
        ),
    ],
)
def test_requirements_follow_the_options(
    copier: CopierFixture,
    options: dict[str, Any],
    present: list[str],
    absent: list[str],
) -> None:
    """The extension derives the dependency list from the chosen options."""
    requirements = " ".join(copier.context(**options)["base_requirements"])
    for name in present:
        assert name in requirements
    for name in absent:
        assert name not in requirements


def test_skip_if_exists_names_only_files_the_template_renders(
    copier: CopierFixture, tmp_path: Path
) -> None:
    """`.env` is never rendered (the setup step writes it), so nothing needs to protect it."""
    config = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())
    project = tmp_path / "project"
    copier.copy(project)

    rendered = {path.relative_to(project).as_posix() for path in project.rglob("*")}
    assert ".env" not in rendered
    for pattern in config.get("_skip_if_exists", []):
        assert any(Path(name).match(pattern) for name in rendered), pattern

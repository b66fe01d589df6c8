"""The questions of copier.yml: validators reject bad answers with a reason; defaults derive."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_copier import CopierFixture

from tests.conftest import BASE_ANSWERS


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
        ({"project_slug": "email"}, "shadow the standard-library module 'email'"),
        ({"project_slug": "test"}, "would shadow the 'test' package"),
        ({"project_slug": "django"}, "shadow the 'django' package"),
        ({"project_slug": "config"}, "shadow the 'config' package"),
        ({"author_email": "not-an-email"}, "not a valid e-mail address"),
        ({"author_email": "a@b"}, "not a valid e-mail address"),
        ({"python_version": "3.10"}, "'3.10' is not in ['3.11', '3.12', '3.13']"),
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


@pytest.mark.parametrize(
    ("project_name", "slug"),
    [
        ("My API", "my_api"),
        ("  Shop -- Backend! ", "shop_backend"),
        ("Café Öl", "cafe_ol"),
        ("2fast", "project_2fast"),
    ],
)
def test_slug_is_derived_from_the_name(
    copier: CopierFixture,
    project_name: str,
    slug: str,
) -> None:
    """The default slug is a valid identifier built from the project name."""
    context = copier.context(project_name=project_name)
    assert context["project_slug"] == slug


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

"""Jinja extensions of the copier-drf template.

``NamingExtension`` adds the filters that derive and validate names in ``copier.yml``.
``ContextUpdater`` derives, from the answers, what several template files share: the
dependency lists and the settings modules each chosen option brings.
"""

from __future__ import annotations

import keyword
import re
import sys
import unicodedata
from typing import TYPE_CHECKING, Any

from copier_template_extensions import ContextHook
from jinja2.ext import Extension

if TYPE_CHECKING:
    from jinja2 import Environment

# Top-level names the generated project imports or creates, or that Python's own test
# package uses; a slug equal to one of them would shadow it.
RESERVED_NAMES = frozenset(
    {
        "apps",
        "celery",
        "common",
        "config",
        "django",
        "environ",
        "rest_framework",
        "templates",
        "test",
        "tests",
    },
)

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def slugify_python(value: str) -> str:
    """Turn a human name into a lowercase Python identifier ("My API!" -> "my_api")."""
    ascii_value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-zA-Z0-9]+", "_", ascii_value).strip("_").lower()
    if slug and slug[0].isdigit():
        slug = f"project_{slug}"
    return slug


def python_name_problem(value: str) -> str:
    """Return why ``value`` cannot name the project's Python package, or "" if it can."""
    checks = (
        (not value, "The project slug must not be empty."),
        (
            not value.isidentifier() or not value.isascii(),
            f"'{value}' is not a valid Python identifier: use lowercase letters, digits and "
            "underscores, starting with a letter (for example 'my_api').",
        ),
        (
            value != value.lower(),
            f"'{value}' must be lowercase (PEP 8 package names), for example '{value.lower()}'.",
        ),
        (
            keyword.iskeyword(value) or keyword.issoftkeyword(value),
            f"'{value}' is a Python keyword; choose another name.",
        ),
        (
            value in sys.stdlib_module_names,
            f"'{value}' would shadow the standard-library module '{value}'; choose another name.",
        ),
        (
            value in RESERVED_NAMES,
            f"'{value}' would shadow the '{value}' package; choose another name.",
        ),
    )
    return next((message for failed, message in checks if failed), "")


def email_problem(value: str) -> str:
    """Return why ``value`` is not a usable e-mail address, or "" if it is."""
    if EMAIL_PATTERN.match(value.strip()):
        return ""
    return f"'{value}' is not a valid e-mail address (expected something like name@example.com)."


class NamingExtension(Extension):
    """Filters that derive and validate the names asked for in ``copier.yml``."""

    def __init__(self, environment: Environment) -> None:
        """Register the filters."""
        super().__init__(environment)
        environment.filters["slugify_python"] = slugify_python
        environment.filters["python_name_problem"] = python_name_problem
        environment.filters["email_problem"] = email_problem


# Requirement lines, by the option that needs them. Ranges admit the current releases
# and stop before the next major version.
BASE_REQUIREMENTS = [
    "Django>=5.2,<5.3",
    "djangorestframework>=3.16,<4",
    "django-cors-headers>=4.7,<5",
    "django-environ>=0.12,<1",
    "django-filter>=25.1,<27",
    "drf-spectacular>=0.28,<1",
    # Calendar-versioned: each release only brings newer Swagger UI and Redoc builds.
    "drf-spectacular-sidecar>=2025.10.1",
    "Pillow>=11,<13",
    "psycopg[binary]>=3.2,<4",
    "redis>=5.2,<9",
    "whitenoise>=6.9,<7",
]
OPTION_REQUIREMENTS = {
    "use_jwt": ["djangorestframework-simplejwt>=5.5,<6"],
    "use_celery": ["celery[redis]>=5.5,<6"],
    "use_s3": ["django-storages[s3]>=1.14,<2"],
    "use_sentry": ["sentry-sdk[django]>=2.30,<3"],
}
PRODUCTION_REQUIREMENTS = ["gunicorn>=23,<28"]
DEVELOPMENT_REQUIREMENTS = [
    "factory-boy>=3.3,<4",
    "Faker>=30",
    "pre-commit>=4,<5",
    "pytest>=8.3,<10",
    "pytest-cov>=6,<8",
    "pytest-django>=4.10,<5",
    "ruff>=0.15,<0.18",
    "schemathesis>=4.1,<5",
]
OPTION_DEVELOPMENT_REQUIREMENTS = {
    "use_jwt": ["freezegun>=1.5,<2"],
    "use_s3": ["moto[s3]>=5,<6"],
}

# Settings modules in config/settings/components/, by the option that brings them.
SETTINGS_COMPONENTS = {"use_jwt": "jwt", "use_celery": "celery"}
PRODUCTION_COMPONENTS = {"use_s3": "s3", "use_sentry": "sentry"}


def _chosen(answers: dict[str, Any], by_option: dict[str, list[str]]) -> list[str]:
    return sorted(
        (line for option, lines in by_option.items() if answers.get(option) for line in lines),
        key=str.lower,
    )


class ContextUpdater(ContextHook):
    """Add the values derived from the answers to the rendering context."""

    def hook(self, context: dict[str, Any]) -> None:
        """Derive requirement lists and settings components from the chosen options."""
        context["base_requirements"] = sorted(
            BASE_REQUIREMENTS + _chosen(context, OPTION_REQUIREMENTS),
            key=str.lower,
        )
        context["production_requirements"] = PRODUCTION_REQUIREMENTS
        context["development_requirements"] = sorted(
            DEVELOPMENT_REQUIREMENTS + _chosen(context, OPTION_DEVELOPMENT_REQUIREMENTS),
            key=str.lower,
        )
        # Sorted, so the star imports they become are in isort's order.
        context["settings_components"] = sorted(
            module for option, module in SETTINGS_COMPONENTS.items() if context.get(option)
        )
        context["production_components"] = sorted(
            module for option, module in PRODUCTION_COMPONENTS.items() if context.get(option)
        )

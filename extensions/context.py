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

# Soft keywords of every Python the project may target (3.12 added "type"), so the answer
# does not depend on the Python that runs Copier.
SOFT_KEYWORDS = frozenset({"_", "case", "match", "type", *keyword.softkwlist})

# Latin letters that NFKD does not split into a base letter and an accent.
LATIN_TRANSLITERATION = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
        "\u0131": "i",  # dotless i
    },
)

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

# The default slug when the name has no Latin letters or digits to build one from
# ("日本語", "Москва"): a valid name the user can edit at the prompt.
FALLBACK_SLUG = "my_api"
# Appended to a derived slug that clashes with a keyword, a standard-library module or a
# name the project uses ("Django" -> "django_api", "Class" -> "class_api").
CLASH_SUFFIX = "_api"
# Prepended to a derived slug that would start with a digit ("2fast" -> "project_2fast").
DIGIT_PREFIX = "project_"


def slugify_python(value: str) -> str:
    """Derive a valid project slug from a human name ("My API!" -> "my_api").

    Accents are dropped (NFKD: "Café" -> "cafe"; "Straße" -> "strasse"); other characters
    become underscores. The result always passes ``python_name_problem``, because Copier
    validates a default before the user can change it (a failing default aborts the run):
    a clash gets ``CLASH_SUFFIX``, and a name with nothing usable left (no Latin letters or
    digits, as in "日本語") becomes ``FALLBACK_SLUG``.
    """
    latin = unicodedata.normalize("NFKD", value.translate(LATIN_TRANSLITERATION))
    ascii_value = latin.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-zA-Z0-9]+", "_", ascii_value).strip("_").lower()
    if not slug:
        return FALLBACK_SLUG
    if slug[0].isdigit():
        slug = DIGIT_PREFIX + slug
    if python_name_problem(slug):
        slug += CLASH_SUFFIX
    return slug if not python_name_problem(slug) else FALLBACK_SLUG


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
            keyword.iskeyword(value) or value in SOFT_KEYWORDS,
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


def closest_to_running_python(versions: list[str], running: tuple[int, int] | None = None) -> str:
    """Return the version of ``versions`` ("3.12") nearest the Python running Copier.

    The setup step builds ``.venv`` with the Python running Copier, so this default makes
    the project's requires-python, Dockerfile and CI agree with it. Outside the range,
    the nearest end wins (3.14 -> "3.13"); at equal distance, the newer version.
    ``running`` stands in for ``sys.version_info`` in tests.
    """
    running = running or (sys.version_info.major, sys.version_info.minor)

    def distance(version: str) -> tuple[int, int]:
        major, minor = (int(part) for part in version.split("."))
        return abs((major - running[0]) * 100 + minor - running[1]), -minor

    return min(versions, key=distance)


def email_problem(value: str) -> str:
    """Return why ``value`` is not a usable e-mail address, or "" if it is."""
    if EMAIL_PATTERN.match(value.strip()):
        return ""
    return f"'{value}' is not a valid e-mail address (expected something like name@example.com)."


class NamingExtension(Extension):
    """Filters that derive and validate the answers to ``copier.yml``'s questions."""

    def __init__(self, environment: Environment) -> None:
        """Register the filters."""
        super().__init__(environment)
        environment.filters["slugify_python"] = slugify_python
        environment.filters["python_name_problem"] = python_name_problem
        environment.filters["email_problem"] = email_problem
        environment.filters["closest_to_running_python"] = closest_to_running_python


# Requirement lines, by the option that needs them. Ranges admit the current releases
# and stop before the next major version.
BASE_REQUIREMENTS = [
    "Django>=5.2,<5.3",
    "djangorestframework>=3.16,<4",
    "django-cors-headers>=4.7,<5",
    "django-environ>=0.12,<1",
    "django-filter>=25.1,<27",
    "drf-spectacular>=0.28,<1",
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

"""Jinja extensions of the copier-drf template.

``NamingExtension`` adds the filters that derive and validate names in ``copier.yml``.
``ContextUpdater`` derives, from the answers, what several template files share: the
dependency lists, their hashed locks (pruned from the template's universal lock) and the
settings modules each chosen option brings.
"""

from __future__ import annotations

import functools
import itertools
import json
import keyword
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from copier_template_extensions import ContextHook
from jinja2.ext import Extension
from packaging.markers import Marker

if TYPE_CHECKING:
    from jinja2 import Environment, Template

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
# The slug names the PostgreSQL database, whose names stop at 63 bytes; the test database
# adds "test_" and pytest-xdist "_gw12". A longer derived slug is cut at a word boundary.
MAX_SLUG_LENGTH = 50
# What no free-text answer may contain: control characters (newline, tab, escape, NUL) and
# the Unicode line and paragraph separators, which end a line in Python and YAML. Every
# file an answer lands in keeps it on one line.
FORBIDDEN_CATEGORIES = {"Cc": "a control character", "Zl": "a line break", "Zp": "a line break"}
# The generated project's line length (ruff's line-length in its pyproject.toml).
LINE_LENGTH = 100
# Characters with a meaning in Markdown's inline text, escaped where an answer lands there.
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>#|!~&])")
# What would open a block (list, quote, heading underline) at the start of a line.
MARKDOWN_BLOCK_START = re.compile(r"^(\d*)([-+=>.)])")


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
    slug = _shorten(slug)
    if python_name_problem(slug):
        slug += CLASH_SUFFIX
    return slug if not python_name_problem(slug) else FALLBACK_SLUG


def _shorten(slug: str) -> str:
    """Cut ``slug`` to ``MAX_SLUG_LENGTH``, at its last underscore if one is in the second half."""
    if len(slug) <= MAX_SLUG_LENGTH:
        return slug
    cut = slug[: MAX_SLUG_LENGTH + 1].rfind("_")
    return slug[: cut if cut > MAX_SLUG_LENGTH // 2 else MAX_SLUG_LENGTH].rstrip("_")


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
        (
            len(value) > MAX_SLUG_LENGTH,
            f"'{value}' is {len(value)} characters long; at most {MAX_SLUG_LENGTH} fit, as it "
            "also names the PostgreSQL database (63 bytes at most, with the test database's "
            "prefix).",
        ),
    )
    return next((message for failed, message in checks if failed), "")


def text_problem(value: str, question: str = "The answer") -> str:
    """Return why ``value`` cannot be written into the project's files, or "" if it can."""
    for position, character in enumerate(value, start=1):
        if kind := FORBIDDEN_CATEGORIES.get(unicodedata.category(character)):
            return (
                f"{question} must fit on one line of text: character {position} is {kind} "
                f"({character!r}); remove it."
            )
    return ""


def py_str(value: str, column: int = 0) -> str:
    """Return ``value`` as a Python string literal, formatted as ruff format would leave it.

    Double quotes, unless the text holds more of them than single quotes (ruff's rule);
    characters Python does not print (right-to-left marks, no-break spaces) are escaped,
    so the source shows them and ruff's bidirectional-text rule stays quiet. A literal that
    would pass the project's line length from ``column`` on becomes a parenthesized
    implicit concatenation, one piece per line, cut after a space where there is one.
    """
    quote = "'" if value.count('"') > value.count("'") else '"'
    escaped = "".join(
        f"\\{character}"
        if character in {"\\", quote}
        else character
        if character.isprintable()
        else repr(character)[1:-1]
        for character in value
    )
    if column + len(escaped) + 2 <= LINE_LENGTH:
        return f"{quote}{escaped}{quote}"
    width = LINE_LENGTH - 6  # four spaces of indentation and two quotes
    pieces = [""]
    for word in re.findall(r"[^ ]* *", escaped)[:-1]:
        # An escape sequence is one unit: a piece never ends inside one.
        units = re.findall(r"\\(?:x..|u....|U........|.)|.", word) if len(word) > width else [word]
        for unit in units:
            if pieces[-1] and len(pieces[-1] + unit) > width:
                pieces.append("")
            pieces[-1] += unit
    lines = "".join(f"    {quote}{piece}{quote}\n" for piece in pieces)
    return f"(\n{lines})"


def toml_str(value: str) -> str:
    """Return ``value`` as a TOML basic string, what Python does not print escaped."""
    return "".join(
        character if character.isprintable() else json.dumps(character)[1:-1]
        for character in json.dumps(value, ensure_ascii=False)
    )


def md_text(value: str) -> str:
    """Return ``value`` as Markdown inline text that shows every character as typed.

    What Python does not print (a right-to-left mark) becomes a character reference, so
    the Markdown source shows it and a renderer still draws it.
    """
    inline = "".join(
        MARKDOWN_SPECIALS.sub(r"\\\1", character)
        if character.isprintable()
        else f"&#x{ord(character):x};"
        for character in value.strip()  # spaces around it would make a code block
    )
    return MARKDOWN_BLOCK_START.sub(r"\1\\\2", inline)


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


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def pythons_for_django(versions: list[str], django_version: str) -> list[str]:
    """Return the Pythons of ``versions`` that the Django series ``django_version`` supports."""
    oldest = DJANGO_SERIES.get(django_version, DJANGO_SERIES[DEFAULT_DJANGO])[1]
    return [version for version in versions if _version_key(version) >= _version_key(oldest)]


def python_django_problem(python_version: str, django_version: str) -> str:
    """Return why Django ``django_version`` cannot run on ``python_version``, or ""."""
    oldest = DJANGO_SERIES.get(django_version, DJANGO_SERIES[DEFAULT_DJANGO])[1]
    if _version_key(python_version) >= _version_key(oldest):
        return ""
    return (
        f"Django {django_version} needs Python {oldest} or later: choose Python {oldest} or "
        f"later, or Django {DEFAULT_DJANGO} LTS, which runs on Python {python_version}."
    )


def email_problem(value: str) -> str:
    """Return why ``value`` is not a usable e-mail address, or "" if it is."""
    if problem := text_problem(value, "The e-mail address"):
        return problem
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
        environment.filters["pythons_for_django"] = pythons_for_django
        environment.filters["python_django_problem"] = python_django_problem
        environment.filters["text_problem"] = text_problem
        environment.filters["py_str"] = py_str
        environment.filters["toml_str"] = toml_str
        environment.filters["md_text"] = md_text


# The Django series a project can run on (the django_version question), each with its range
# and the oldest Python it supports. 5.2 is the LTS release (security fixes until April 2028);
# 6.1 the current feature release, which needs Python 3.12.
DJANGO_SERIES = {
    "5.2": ("Django>=5.2,<5.3", "3.11"),
    "6.1": ("Django>=6.1,<6.2", "3.12"),
}
DEFAULT_DJANGO = "5.2"
LTS_SERIES = frozenset({"5.2"})

# Requirement lines, by the option that needs them (Django's comes from DJANGO_SERIES).
# Ranges admit the current releases and stop before the next major version (for CalVer
# packages, before a year not yet released). `python scripts/lock.py` pins them all, with
# hashes, in one universal lock per Django series (requirements/projects*.lock).
BASE_REQUIREMENTS = [
    "djangorestframework>=3.16,<4",
    "django-cors-headers>=4.7,<5",
    "django-environ>=0.12,<1",
    "django-filter>=25.1,<27",
    "drf-spectacular>=0.28,<1",
    "drf-spectacular-sidecar>=2025.1,<2027",
    "Pillow>=11,<14",
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
    "django-debug-toolbar>=6,<9",
    # pre-commit runs it and pre-commit-hooks' checks from .venv: commits need no network.
    "django-upgrade>=1.25,<2",
    "factory-boy>=3.3,<4",
    "Faker>=30,<41",
    # The account tests move the clock past a link's expiry, in both auth variants.
    "freezegun>=1.5,<2",
    # The contract test drives schemathesis through Hypothesis and validates with jsonschema.
    "hypothesis>=6.100,<7",
    "jsonschema>=4.23,<5",
    # lint-imports checks the layering contracts of pyproject.toml ([tool.importlinter]).
    "import-linter>=2.17,<3",
    # The list-queries test fills any model with rows, whether or not it has a factory.
    "model-bakery>=1.20,<2",
    "pre-commit>=4,<5",
    "pre-commit-hooks>=6,<7",
    # Below 9.2: pytest 9.2 breaks pytest-xdist's --dist loadgroup (groups spread over workers).
    "pytest>=8.4,<9.2",
    "pytest-cov>=6,<8",
    "pytest-django>=4.10,<5",
    "pytest-socket>=0.7,<1",
    "ruff>=0.15,<0.18",
    "schemathesis>=4.1,<5",
    "uv>=0.9,<1",
]
# Each package a test imports is named, even where another one brings it.
OPTION_DEVELOPMENT_REQUIREMENTS = {
    "use_celery": ["kombu>=5.5,<6"],
    "use_s3": ["boto3>=1.35,<2", "botocore>=1.35,<2", "moto[s3]>=5.1,<6"],
}

# Settings modules in config/settings/components/, by the option that brings them.
SETTINGS_COMPONENTS = {"use_jwt": "jwt", "use_celery": "celery"}
# Settings modules that use what a Django series adds (6.x: the Content Security Policy).
DJANGO_COMPONENTS = {"6.1": ["csp"]}
PRODUCTION_COMPONENTS = {"use_s3": "s3", "use_sentry": "sentry"}

# The template's universal locks, one per Django series (every requirement above, for the
# series' oldest Python and later, on every platform), written by scripts/lock.py; each
# project gets the part it needs. A universal lock pins one version per package and marker,
# so two Django series need two locks.
REQUIREMENTS_FOLDER = Path(__file__).resolve().parent.parent / "requirements"
PROJECTS_LOCKS = {
    "5.2": REQUIREMENTS_FOLDER / "projects.lock",
    "6.1": REQUIREMENTS_FOLDER / "projects-django6.1.lock",
}
PROJECTS_LOCK = PROJECTS_LOCKS[DEFAULT_DJANGO]
# For each package of those locks several parents require: the environment marker under
# which each parent needs it ("" for always), written by scripts/lock.py. The series' locks
# differ only in Django, so one file serves both.
MARKERS = REQUIREMENTS_FOLDER / "projects-markers.json"
LOCK_HEADER = """\
# This file was autogenerated by uv via the following command:
#    make lock
"""


def base_requirements(django_version: str = DEFAULT_DJANGO) -> list[str]:
    """Return the requirements every project on the Django series ``django_version`` has."""
    return [DJANGO_SERIES[django_version][0], *BASE_REQUIREMENTS]


def all_requirements(django_version: str = DEFAULT_DJANGO) -> list[str]:
    """Return every requirement line any generated project on ``django_version`` can have."""
    lines = base_requirements(django_version) + PRODUCTION_REQUIREMENTS + DEVELOPMENT_REQUIREMENTS
    for by_option in (OPTION_REQUIREMENTS, OPTION_DEVELOPMENT_REQUIREMENTS):
        lines += [line for option_lines in by_option.values() for line in option_lines]
    return sorted(lines, key=str.lower)


def _chosen(answers: dict[str, Any], by_option: dict[str, list[str]]) -> list[str]:
    return sorted(
        (line for option, lines in by_option.items() if answers.get(option) for line in lines),
        key=str.lower,
    )


def _name(requirement: str) -> str:
    """Return the normalized distribution name of a requirement line (PEP 503)."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    return re.sub(r"[-_.]+", "-", name.group() if name else "").lower()


@dataclass
class LockEntry:
    """One pinned distribution of a uv lock: its lines, and what requires it."""

    name: str
    pin: list[str]
    parents: list[str] = field(default_factory=list)


def parse_lock(text: str) -> list[LockEntry]:
    """Split a lock written by ``uv pip compile --generate-hashes`` into its entries.

    The ``# via`` annotations give each entry's parents: the packages that require it, or
    ``-r <file>`` for a requirement of an input file.
    """
    entries: list[LockEntry] = []
    for line in text.splitlines():
        if not line.strip() or (line.startswith("#") and not entries):
            continue
        if not line.startswith(" "):
            entries.append(LockEntry(_name(line), [line]))
        elif line.lstrip().startswith("--hash="):
            entries[-1].pin.append(line)
        else:
            note = line.strip().removeprefix("#").strip()
            parent = note.removeprefix("via ") if note.startswith("via ") else note
            if parent != "via":
                entries[-1].parents.append(parent)
    return entries


# The platforms a universal lock serves, to tell which environment markers can ever hold.
_PLATFORMS = (
    {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
    {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
)
_IMPLEMENTATIONS = (
    {"implementation_name": "cpython", "platform_python_implementation": "CPython"},
    {"implementation_name": "pypy", "platform_python_implementation": "PyPy"},
)


def marker_possible(marker: str, python_version: str, extras: set[str] | None = None) -> bool:
    """Whether ``marker`` can hold on some platform, for Python ``python_version`` or later."""
    if not marker.strip():
        return True
    major, minor = (int(part) for part in python_version.split("."))
    pythons = [
        (f"{major}.{later}", f"{major}.{later}.{patch}")
        for later in range(minor, 20)
        for patch in (0, 99)
    ]
    parsed = Marker(marker)
    return any(
        parsed.evaluate(
            {
                **platform,
                **implementation,
                "python_version": short,
                "python_full_version": full,
                "extra": extra,
            },
        )
        for platform, implementation, (short, full), extra in itertools.product(
            _PLATFORMS,
            _IMPLEMENTATIONS,
            pythons,
            sorted(extras or {""}),
        )
    )


def prune_lock(
    entries: list[LockEntry],
    roots: dict[str, str],
    *,
    python_version: str = "3.11",
    constraint: tuple[str, set[str]] | None = None,
    lock_name: str = PROJECTS_LOCK.name,
    markers: dict[str, dict[str, str | None]] | None = None,
) -> str:
    """Return the lock of ``roots`` (requirement name -> the file that asks for it).

    Keeps the entries that the roots need, transitively, and that can be installed on
    ``python_version`` or later. An entry's parents stand for what any parent may require
    with any extra the template uses; each package is always asked for with the same
    extras, so a parent's children are the ones its requirement brings. ``constraint``
    names a constraints file and the packages it pins, as ``uv pip compile -c`` notes them.
    ``markers`` (see ``MARKERS``) gives the marker of a package kept for some of its parents
    only, as uv writes it when it resolves the project alone.
    """
    missing = set(roots) - {entry.name for entry in entries}
    if missing:
        message = f"{lock_name} lacks {sorted(missing)}: run scripts/lock.py"
        raise ValueError(message)
    children: dict[str, set[str]] = {}
    for entry in entries:
        for parent in entry.parents:
            children.setdefault(parent, set()).add(entry.name)
    needed: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.add(name)
            pending.extend(children.get(name, ()))
    constraint_file, constrained = constraint or ("", set())
    blocks = [LOCK_HEADER]
    for entry in entries:
        marker = entry.pin[0].removesuffix("\\").partition(";")[2]
        if entry.name not in needed or not marker_possible(marker, python_version):
            continue
        by_parent = None if entry.name in roots else (markers or {}).get(entry.name)
        pin = _marked_pin(entry, needed, by_parent)
        parents = [f"-c {constraint_file}"] if entry.name in constrained else []
        parents += [f"-r {roots[entry.name]}"] if entry.name in roots else []
        parents += sorted(p for p in entry.parents if p in needed)
        via = [f"    # via {parents[0]}"] if len(parents) == 1 else ["    # via"]
        if len(parents) > 1:
            via += [f"    #   {parent}" for parent in parents]
        blocks.append("\n".join([*pin, *via]) + "\n")
    return "".join(blocks)


def _marked_pin(
    entry: LockEntry, needed: set[str], by_parent: dict[str, str | None] | None
) -> list[str]:
    """Return the entry's lines, its marker the one its kept parents need it under.

    Unchanged where every parent is kept, where a kept parent's marker is unknown, or where
    the kept parents disagree (uv would combine their markers; the lock's marker covers them).
    """
    kept = (
        {by_parent.get(parent) for parent in entry.parents if parent in needed}
        if by_parent
        else set()
    )
    if not by_parent or len(kept) != 1 or None in kept or set(entry.parents) <= needed:
        return entry.pin
    (marker,) = kept
    name_version = entry.pin[0].removesuffix("\\").partition(";")[0].strip()
    first = f"{name_version} ; {marker} \\" if marker else f"{name_version} \\"
    return [first, *entry.pin[1:]]


def _roots(files: dict[str, list[str]]) -> dict[str, str]:
    return {_name(line): name for name, lines in files.items() for line in lines}


def project_locks(
    python_version: str,
    base: tuple[str, ...],
    development: tuple[str, ...],
    django_version: str = DEFAULT_DJANGO,
) -> tuple[str, str]:
    """Return the texts of requirements/development.lock and production.lock."""
    lock = PROJECTS_LOCKS[django_version]
    entries = parse_lock(lock.read_text(encoding="utf-8"))
    markers = json.loads(MARKERS.read_text(encoding="utf-8")) if MARKERS.is_file() else {}
    base_file = {"requirements/base.txt": list(base)}
    production_file = {"requirements/production.txt": PRODUCTION_REQUIREMENTS}
    development_lock = prune_lock(
        entries,
        # development.txt includes production.txt: production settings run locally too.
        _roots({**base_file, **production_file, "requirements/development.txt": list(development)}),
        python_version=python_version,
        lock_name=lock.name,
        markers=markers,
    )
    production_lock = prune_lock(
        entries,
        _roots({**base_file, **production_file}),
        python_version=python_version,
        constraint=(
            "requirements/development.lock",
            {entry.name for entry in parse_lock(development_lock)},
        ),
        lock_name=lock.name,
        markers=markers,
    )
    return development_lock, production_lock


# The options the derived values depend on.
_DERIVING_OPTIONS = frozenset(
    itertools.chain(
        OPTION_REQUIREMENTS,
        OPTION_DEVELOPMENT_REQUIREMENTS,
        SETTINGS_COMPONENTS,
        PRODUCTION_COMPONENTS,
    ),
)


# Copier renders each file, each part of each path and the answers file's name once per part
# with a fresh context (866 renders for the default project): derive the values once per
# answer set.
@functools.cache
def derived_values(
    python_version: str,
    chosen: frozenset[str],
    django_version: str = DEFAULT_DJANGO,
) -> dict[str, Any]:
    """Return the values ``ContextUpdater`` adds, for the options in ``chosen``."""
    answers = dict.fromkeys(chosen, True)
    base = sorted(
        base_requirements(django_version) + _chosen(answers, OPTION_REQUIREMENTS), key=str.lower
    )
    development = sorted(
        DEVELOPMENT_REQUIREMENTS + _chosen(answers, OPTION_DEVELOPMENT_REQUIREMENTS),
        key=str.lower,
    )
    development_lock, production_lock = project_locks(
        python_version, tuple(base), tuple(development), django_version
    )
    return {
        "base_requirements": base,
        "production_requirements": PRODUCTION_REQUIREMENTS,
        "development_requirements": development,
        # Without the final newline: the template files end with their own.
        "development_lock": development_lock.removesuffix("\n"),
        "production_lock": production_lock.removesuffix("\n"),
        # Sorted, so the star imports they become are in isort's order.
        "settings_components": sorted(
            [
                *(module for option, module in SETTINGS_COMPONENTS.items() if option in chosen),
                *DJANGO_COMPONENTS.get(django_version, []),
            ],
        ),
        "django_release": django_version + (" LTS" if django_version in LTS_SERIES else ""),
        # Django's own Content Security Policy (6.0+): its settings and the Swagger UI page.
        "django_csp": "csp" in DJANGO_COMPONENTS.get(django_version, []),
        "production_components": sorted(
            module for option, module in PRODUCTION_COMPONENTS.items() if option in chosen
        ),
    }


class ContextUpdater(ContextHook):
    """Add the values derived from the answers to the rendering context."""

    def hook(self, context: dict[str, Any]) -> None:
        """Derive requirement lists, their locks and settings components from the options."""
        chosen = frozenset(option for option in _DERIVING_OPTIONS if context.get(option))
        django_version = str(context.get("django_version") or DEFAULT_DJANGO)
        if django_version not in DJANGO_SERIES:  # rejected by copier.yml's validator
            django_version = DEFAULT_DJANGO
        python_version = str(context.get("python_version", DJANGO_SERIES[django_version][1]))
        context.update(derived_values(python_version, chosen, django_version))


class TemplateStringCache(Extension):
    """Compile each template string once per environment.

    Copier compiles every part of every path, and the answers file's name once per part,
    with ``from_string``, which Jinja does not cache: 886 compilations of 130 distinct
    strings for the default project, a third of its render time. A string always compiles
    to the same template, so the environment keeps the template of each string it has
    compiled. The extensions' ``preprocess`` still runs on every call, as Jinja runs it on
    every compilation: Copier resets the state of its ``yield`` tag there.
    """

    def __init__(self, environment: Environment) -> None:
        """Replace the environment's ``from_string`` with a caching one."""
        super().__init__(environment)
        compile_string = environment.from_string
        templates: dict[str, Template] = {}

        def from_string(source: str | Any, *args: Any, **kwargs: Any) -> Template:
            if args or kwargs or not isinstance(source, str):
                return compile_string(source, *args, **kwargs)
            if source in templates:
                environment.preprocess(source)
            else:
                templates[source] = compile_string(source)
            return templates[source]

        environment.from_string = from_string  # type: ignore[method-assign]

"""What the convention checks share: rules and their messages, exemptions, discovery."""

import ast
import importlib
import inspect
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.contrib.admindocs.views import simplify_regex
from django.core import checks
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import serializers
from rest_framework.mixins import ListModelMixin
from rest_framework.views import APIView

SOURCE_DIRS = ("apps", "common", "config")
DOCS = "docs/conventions.md"
# ``# conventions: allow E012 -- why`` on the line a message names exempts that line.
ALLOW = re.compile(r"#\s*conventions:\s*allow\s+([EW]\d{3}(?:[\s,]+[EW]\d{3})*)")


@dataclass(frozen=True)
class Rule:
    """One convention: its ID (``E`` fails ``check``, ``W`` warns), what it asks, the fix."""

    id: str
    title: str
    fix: str

    def __call__(self, place: str, problem: str) -> list[checks.CheckMessage]:
        """Return the message for one offender, or none if its line carries an exemption."""
        if self.id[1:] in allowed_at(place):
            return []
        level = checks.Error if self.id.startswith("E") else checks.Warning
        return [
            level(
                f"{problem}: {self.title}.",
                hint=f"{self.fix} See {DOCS}#{self.id.lower()}.",
                obj=place,
                id=f"conventions.{self.id}",
            ),
        ]


def root() -> Path:
    """Return the project's directory."""
    return Path(settings.BASE_DIR)


def allowed_at(place: str) -> set[str]:
    """Return the rule numbers exempted on the ``file:line`` a place starts with."""
    match = re.match(r"([^\s:]+\.py):(\d+)", place)
    if match is None:
        return set()
    lines = source(root() / match.group(1)).splitlines()
    number = int(match.group(2))
    found = ALLOW.search(lines[number - 1]) if 0 < number <= len(lines) else None
    return {code[1:] for code in re.findall(r"[EW]\d{3}", found.group(1))} if found else set()


# CODE OF THE PROJECT
# ------------------------------------------------------------------------------


def is_project_code(obj: object) -> bool:
    """Tell whether a class or function was written in this project (not a dependency)."""
    return getattr(obj, "__module__", "").split(".")[0] in SOURCE_DIRS


def dotted(obj: Any) -> str:
    """Return ``module.Class``."""
    return f"{obj.__module__}.{obj.__qualname__}"


def where(obj: Any) -> str:
    """Name a class or function by file:line and dotted path."""
    path = Path(inspect.getsourcefile(obj) or "?")
    line = inspect.getsourcelines(obj)[1]
    relative = path.relative_to(root()) if path.is_relative_to(root()) else path
    return f"{relative}:{line} {dotted(obj)}"


def project_apps() -> list[AppConfig]:
    """Return the installed apps whose code lives in this project."""
    return [app for app in apps.get_app_configs() if app.name.split(".")[0] in SOURCE_DIRS]


def project_models() -> list[type[models.Model]]:
    """Return the concrete models of the project's apps."""
    return [model for app in project_apps() for model in app.get_models()]


def source_files() -> list[Path]:
    """Return the project's Python files, tests and migrations aside."""
    return [
        path
        for directory in SOURCE_DIRS
        for path in sorted((root() / directory).rglob("*.py"))
        if not {"tests", "migrations"} & set(path.relative_to(root()).parts)
    ]


@cache
def source(path: Path) -> str:
    """Return a project file's text (read once per process)."""
    return path.read_text(encoding="utf-8")


@cache
def parse(path: Path) -> ast.Module:
    """Return the syntax tree of a project file."""
    return ast.parse(source(path), filename=str(path))


def module_of(path: Path) -> str:
    """Return the dotted module name of a project file."""
    return ".".join(path.relative_to(root()).with_suffix("").parts)


def serializer_classes() -> list[type[serializers.BaseSerializer]]:
    """Return the serializers declared in the project's ``serializers.py`` modules."""
    found = []
    for path in source_files():
        if path.name.endswith("serializers.py"):
            module = importlib.import_module(module_of(path))
            found += [
                obj
                for obj in vars(module).values()
                if inspect.isclass(obj)
                and issubclass(obj, serializers.BaseSerializer)
                and obj.__module__ == module.__name__
            ]
    return found


def at(path: Path, node: ast.AST) -> str:
    """Name a place in the source as file:line."""
    return f"{path.relative_to(root())}:{getattr(node, 'lineno', 0)}"


def class_node(cls: type) -> tuple[Path, ast.ClassDef]:
    """Return the file and syntax tree of a class of the project.

    A class declared at the top of its module is found in the module's cached tree: asking
    ``inspect`` for its line parses the whole module again for each class before Python 3.13.
    """
    path = Path(inspect.getfile(sys.modules[cls.__module__]))
    for node in parse(path).body:
        if isinstance(node, ast.ClassDef) and node.name == cls.__qualname__:
            return path, node
    path = Path(inspect.getsourcefile(cls) or "")
    line = inspect.getsourcelines(cls)[1]
    return path, next(
        node
        for node in ast.walk(parse(path))
        if isinstance(node, ast.ClassDef)
        and node.name == cls.__name__
        and min([node.lineno, *(d.lineno for d in node.decorator_list)]) == line
    )


def call_name(node: ast.Call) -> str:
    """Return the called name: ``f`` for ``f()``, ``m`` for ``x.y.m()``."""
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


# ENDPOINTS
# ------------------------------------------------------------------------------


def url_patterns(
    patterns: list[Any] | None = None,
    prefix: str = "",
) -> Iterator[tuple[str, URLPattern]]:
    """Yield every pattern of the URL configuration with its whole route (a regex)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


@dataclass(frozen=True)
class Route:
    """One URL of the URL configuration served by one of the project's DRF views."""

    path: str
    name: str
    view: type[APIView]
    actions: dict[str, str] = field(default_factory=dict)
    initkwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def is_list(self) -> bool:
        """Tell whether GET lists objects (a viewset's ``list`` or a ``ListAPIView``)."""
        if self.actions:
            return self.actions.get("get") == "list"
        return issubclass(self.view, ListModelMixin) and hasattr(self.view, "get")

    def __str__(self) -> str:
        """Name the route in messages: its view by file:line, then its path."""
        return f"{where(self.view)} ({self.path})"


def routes() -> list[Route]:
    """Return every URL served by a DRF view written in this project."""
    found = []
    for regex, pattern in url_patterns():
        view = getattr(pattern.callback, "cls", None)
        path = simplify_regex(regex)
        # Format suffixes (orders.json) repeat the URL before them.
        if view is None or not issubclass(view, APIView) or "format>" in path:
            continue
        if is_project_code(view):
            found.append(
                Route(
                    path=path,
                    name=pattern.name or "",
                    view=view,
                    actions=dict(getattr(pattern.callback, "actions", None) or {}),
                    initkwargs=dict(getattr(pattern.callback, "initkwargs", {})),
                ),
            )
    return found

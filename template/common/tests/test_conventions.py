"""The project's conventions, checked against its own code: today's and next year's.

Every check finds what it checks by itself: the models of the project's apps (Django's app
registry), the endpoints of the URL configuration (the resolver and DRF's view classes), the
settings, and the Python files under ``apps/``, ``common/`` and ``config/``. A model,
endpoint or service added later is checked without anyone editing this file. Third-party
and Django's own models and views are out of scope.

``ALLOWED`` below is the only way to exempt something, each entry with its reason. A failure
lists every offender, by object or file:line, under the rule it breaks.
"""

import ast
import importlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.apps import AppConfig, apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admindocs.views import simplify_regex
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.models.constants import LOOKUP_SEP
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.generators import SchemaGenerator
from factory.django import DjangoModelFactory
from rest_framework import serializers
from rest_framework.filters import OrderingFilter
from rest_framework.mixins import ListModelMixin
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from common.admin import ServiceAdmin
from common.models import BaseModel
from common.tests.conftest import SettingsLoader
from common.tests.endpoints import url_patterns

ROOT: Path = settings.BASE_DIR
SOURCE_DIRS = ("apps", "common", "config")

# Exemptions: (test, model or view as module.Class, or "file:name" for source rules). Each
# entry says why; nothing else exempts anything from these checks.
ALLOWED: set[tuple[str, str]] = {
    # Load balancers probe the health check every few seconds; throttled, the app would
    # be taken out of service.
    ("test_endpoints_are_throttled", "common.views.HealthView"),
    # Probes, the schema and its docs page serve every API version from one fixed URL.
    ("test_endpoints_are_versioned", "common.views.HealthView"),
    ("test_endpoints_are_versioned", "common.docs.SchemaView"),
    ("test_endpoints_are_versioned", "common.docs.SwaggerView"),
    # The test suite's own key: never deployed, and tests must run without a .env.
    ("test_no_hardcoded_secrets", "config/settings/testing.py:SECRET_KEY"),
    # Development's fallback key, named insecure; production refuses to start without
    # DJANGO_SECRET_KEY.
    ("test_no_hardcoded_secrets", "config/settings/development.py:SECRET_KEY"),
    # One save of one row leaves nothing half done; the services calling it hold the
    # transaction their other writes need.
    ("test_services_that_write_are_atomic", "common/services.py:model_update"),
}

# The list sizes the query-count check compares: one row per page, then this many.
LARGER_PAGE = 5
# Rows of each one-to-many child created per listed row, so N+1 queries on them show.
CHILDREN_PER_ROW = 2


def allowed(check: str, name: str) -> bool:
    """Tell whether ``name`` is exempt from ``check`` (see ``ALLOWED``)."""
    return (check, name) in ALLOWED


def report(rule: str, problems: list[str]) -> str:
    """Format a failure: the rule quoted, then one offender per line."""
    return f'Rule: "{rule}". Offenders:\n' + "\n".join(f"  {p}" for p in problems)


def dotted(obj: type) -> str:
    """Return ``module.Class``."""
    return f"{obj.__module__}.{obj.__qualname__}"


def where(obj: type) -> str:
    """Name a class by file:line and dotted path."""
    path = Path(inspect.getsourcefile(obj) or "?")
    line = inspect.getsourcelines(obj)[1]
    return f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{line} {dotted(obj)}"


def is_project_code(obj: object) -> bool:
    """Tell whether a class or function was written in this project (not a dependency)."""
    return getattr(obj, "__module__", "").split(".")[0] in SOURCE_DIRS


# DISCOVERY: models, endpoints and source files
# ------------------------------------------------------------------------------


def project_apps() -> list[AppConfig]:
    """Return the installed apps whose code lives in this project."""
    return [app for app in apps.get_app_configs() if app.name.split(".")[0] in SOURCE_DIRS]


def project_models(check: str = "") -> list[type[models.Model]]:
    """Return the concrete models of the project's apps, but those ``check`` exempts."""
    return [
        model
        for app in project_apps()
        for model in app.get_models()
        if not allowed(check, dotted(model))
    ]


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
        """Name the route in failures: its path and view, with file:line."""
        return f"{self.path} ({where(self.view)})"


def routes(check: str = "") -> list[Route]:
    """Return every URL served by a DRF view written in this project, but those exempted."""
    found = []
    for regex, pattern in url_patterns():
        view = getattr(pattern.callback, "cls", None)
        path = simplify_regex(regex)
        # Format suffixes (orders.json) repeat the URL before them.
        if view is None or not issubclass(view, APIView) or "<format>" in path:
            continue
        if not is_project_code(view) or allowed(check, dotted(view)):
            continue
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


def view_instance(route: Route, action: str, user: Any) -> APIView:
    """Build the route's view as DRF would for a GET by ``user`` running ``action``."""
    view = route.view(**route.initkwargs)
    request = Request(APIRequestFactory().get(route.path))
    request.user = user
    view.request, view.args, view.kwargs, view.format_kwarg = request, (), {}, None
    view.action = action
    return view


def unsaved_staff_user() -> Any:
    """Return a staff user that is never saved: enough to build querysets without a DB."""
    return get_user_model()(is_staff=True)


def source_files(*, tests: bool = False) -> list[Path]:
    """Return the project's Python files; tests and migrations only when asked."""
    files = []
    for directory in SOURCE_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if not tests and ("tests" in parts or "migrations" in parts):
                continue
            files.append(path)
    return files


@cache
def parse(path: Path) -> ast.Module:
    """Return the syntax tree of a project file."""
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def at(path: Path, node: ast.AST) -> str:
    """Name a place in the source as file:line."""
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def module_of(path: Path) -> str:
    """Return the dotted module name of a project file."""
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def class_node(cls: type) -> tuple[Path, ast.ClassDef]:
    """Return the file and syntax tree of a class of the project."""
    path = Path(inspect.getsourcefile(cls) or "")
    line = inspect.getsourcelines(cls)[1]
    node = next(
        node
        for node in ast.walk(parse(path))
        if isinstance(node, ast.ClassDef)
        and node.name == cls.__name__
        and min([node.lineno, *(d.lineno for d in node.decorator_list)]) == line
    )
    return path, node


def call_name(node: ast.Call) -> str:
    """Return the called name: ``f`` for ``f()``, ``m`` for ``x.y.m()``."""
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def test_discovery_finds_the_project() -> None:
    """The checks below look at something: the user model, its endpoints and its code."""
    assert "users.User" in {model._meta.label for model in project_models()}
    assert any(route.path.startswith("/api/v1/") for route in routes())
    assert "users.User" in {model_admin.model._meta.label for model_admin in project_admins()}
    names = {path.relative_to(ROOT).as_posix() for path in source_files()}
    assert {"apps/users/services.py", "apps/users/views.py", "apps/users/models.py"} <= names


# MODELS
# ------------------------------------------------------------------------------

MONEY_NAME = re.compile(
    r"(^|_)(price|amount|cost|total|subtotal|fee|balance|salary|wage|tax|vat|discount|money|"
    r"revenue|payment|charge|refund|credit|debit|budget|income|profit)s?($|_)",
)
# on_delete choices that delete rows or leave them dangling: only with a stated reason.
RISKY_ON_DELETE = {models.CASCADE: "CASCADE", models.DO_NOTHING: "DO_NOTHING"}


def test_models_inherit_base_model() -> None:
    problems = [
        where(model)
        for model in project_models("test_models_inherit_base_model")
        if not issubclass(model, BaseModel)
    ]
    assert not problems, report(
        "Inherits from `BaseModel` (UUID primary key + timestamps)", problems
    )


def test_models_define_str() -> None:
    problems = [
        where(model)
        for model in project_models("test_models_define_str")
        if model.__str__ is models.Model.__str__
    ]
    assert not problems, report("Added `__str__` method", problems)


def test_models_have_default_ordering() -> None:
    problems = [
        where(model)
        for model in project_models("test_models_have_default_ordering")
        if not model._meta.ordering
    ]
    assert not problems, report("Added default `ordering` in `Meta`", problems)


def test_money_fields_are_decimal() -> None:
    problems = [
        f"{where(model)}.{model_field.name} is a FloatField"
        for model in project_models("test_money_fields_are_decimal")
        for model_field in model._meta.fields
        if isinstance(model_field, models.FloatField) and MONEY_NAME.search(model_field.name)
    ]
    assert not problems, report(
        "Used `DecimalField` for any monetary amounts (not `FloatField`)", problems
    )


def _choices_classes() -> list[type[models.Choices]]:
    found, pending = [], [models.Choices]
    while pending:
        subclasses = pending.pop().__subclasses__()
        found += subclasses
        pending += subclasses
    return found


def test_choices_come_from_text_choices() -> None:
    known = [list(choices.choices) for choices in _choices_classes()]
    # Choices that match no enum (a list kept somewhere else)...
    problems = [
        f"{where(model)}.{model_field.name}: choices={list(model_field.choices)[:3]}..."
        for model in project_models("test_choices_come_from_text_choices")
        for model_field in model._meta.fields
        if model_field.choices and list(model_field.choices) not in known
    ]
    # ...and choices written out in the field, even when an enum happens to match them.
    problems += [
        f"{at(path, node)} choices={ast.unparse(node.value)[:60]}"
        for path in source_files()
        if path.name == "models.py" or path.parent.name == "models"
        for node in ast.walk(parse(path))
        if isinstance(node, ast.keyword)
        and node.arg == "choices"
        and isinstance(node.value, ast.List | ast.Tuple | ast.Dict | ast.ListComp)
    ]
    assert not problems, report("Used `TextChoices` for any enum-like fields", problems)


def _comments_above(cls: type, attribute: str) -> tuple[str, str] | None:
    """Find ``attribute = ...`` in the class body: its file:line and the comments above it."""
    path, node = class_node(cls)
    lines = path.read_text(encoding="utf-8").splitlines()
    for statement in node.body:
        targets = getattr(statement, "targets", [getattr(statement, "target", None)])
        if any(isinstance(t, ast.Name) and t.id == attribute for t in targets):
            above, number = [], statement.lineno - 2
            while number >= 0 and lines[number].strip().startswith("#"):
                above.append(lines[number])
                number -= 1
            return at(path, statement), " ".join(above)
    return None


def test_cascading_foreign_keys_say_why() -> None:
    problems = []
    for model in project_models("test_cascading_foreign_keys_say_why"):
        for model_field in model._meta.fields:
            choice = RISKY_ON_DELETE.get(getattr(model_field.remote_field, "on_delete", None))
            if choice is None or model_field.remote_field.parent_link:
                continue
            # The project class whose body declares the field (the model or an abstract base).
            declared = next(
                (
                    (cls, found)
                    for cls in model.__mro__
                    if is_project_code(cls)
                    and (found := _comments_above(cls, model_field.name)) is not None
                ),
                None,
            )
            if declared is not None and choice not in declared[1][1]:
                cls, (place, _comments) = declared
                problems.append(
                    f"{place} {dotted(cls)}.{model_field.name}: on_delete={choice} without a "
                    f"comment above it that names {choice} and why",
                )
    assert not problems, report(
        "`on_delete=models.PROTECT` on ForeignKeys (unless CASCADE is intentional)", problems
    )


def _indexed(model: type[models.Model]) -> set[str]:
    """Return the model's fields that lead or join an index, a unique key or the primary key."""
    names = {f.name for f in model._meta.fields if f.db_index or f.unique or f.primary_key}
    for index in model._meta.indexes:
        names.update(name.lstrip("-") for name in index.fields)
    for constraint in model._meta.constraints:
        names.update(getattr(constraint, "fields", ()))
    return names


def _target(model: type[models.Model], path: str) -> tuple[type[models.Model], str] | None:
    """Follow a ``related__field`` path; return the model and field it ends on, if any."""
    *relations, name = path.split(LOOKUP_SEP)
    try:
        for relation in relations:
            model = model._meta.get_field(relation).related_model
        model._meta.get_field(name)
    except FieldDoesNotExist:
        # An annotation or a filter method: no column to index.
        return None
    return model, name


def test_filtered_and_ordered_fields_are_indexed() -> None:
    problems = []
    user = unsaved_staff_user()
    for route in routes("test_filtered_and_ordered_fields_are_indexed"):
        if not route.is_list:
            continue
        model = view_instance(route, "list", user).get_queryset().model
        paths = [name.lstrip("-") for name in getattr(route.view, "ordering_fields", None) or []]
        filterset = getattr(route.view, "filterset_class", None)
        if filterset is not None:
            paths += [f.field_name for f in filterset.base_filters.values() if not f.method]
        for path in dict.fromkeys(paths):
            target = _target(model, path)
            if target is not None and target[1] not in _indexed(target[0]):
                problems.append(f"{route}: {path} ({target[0].__name__}.{target[1]}) not indexed")
    assert not problems, report(
        "Added `db_index=True` on fields that will be filtered or ordered by; "
        "added composite `indexes` in `Meta` for common multi-field queries",
        problems,
    )


AUTO_MIGRATION_NAME = re.compile(r"^\d{4}_auto_\d{8}_\d{4}\.py$")


def test_migrations_are_named() -> None:
    problems = [
        str(path.relative_to(ROOT))
        for directory in SOURCE_DIRS
        for path in sorted((ROOT / directory).rglob("migrations/*.py"))
        if AUTO_MIGRATION_NAME.match(path.name)
    ]
    assert not problems, report(
        "Migration is named descriptively (`--name add_status_to_order`)", problems
    )


# VIEWS AND URLS
# ------------------------------------------------------------------------------

URL_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
SENSITIVE_NAME = re.compile(r"(^|_)(pas+wo?r?d|passphrase|pwd|secrete?|api_?key|private_?key)($|_)")
READ_ACTIONS = ("list", "retrieve")
WRITE_ACTIONS = ("create", "update", "partial_update")


def _declares(view: type, attribute: str) -> bool:
    """Tell whether the view or one of the project's own base classes sets ``attribute``."""
    return any(is_project_code(cls) and attribute in vars(cls) for cls in view.__mro__)


def test_views_set_permissions_explicitly() -> None:
    problems = [
        f"{route}: no permission_classes of its own (public ones say AllowAny)"
        for route in routes("test_views_set_permissions_explicitly")
        if not _declares(route.view, "permission_classes")
    ]
    assert not problems, report(
        "Permissions are explicit and tested; public endpoints explicitly set "
        "`permission_classes = [AllowAny]`",
        problems,
    )


def test_endpoints_are_throttled() -> None:
    rates = api_settings.DEFAULT_THROTTLE_RATES
    problems = []
    for route in routes("test_endpoints_are_throttled"):
        throttles = route.view.throttle_classes
        if not throttles:
            problems.append(f"{route}: no throttle")
        scope = getattr(route.view, "throttle_scope", None)
        if any(issubclass(t, ScopedRateThrottle) for t in throttles) and scope not in rates:
            problems.append(f"{route}: throttle scope {scope!r} has no rate in settings")
        problems.extend(
            f"{route}: {t.__qualname__}'s scope {t.scope!r} has no rate in settings"
            for t in throttles
            if getattr(t, "scope", None) and t.scope not in rates
        )
    assert not problems, report(
        "Throttling configured for auth endpoints; rate limiting configured", problems
    )


# A page size no list should ever serve: asked for, it must come back capped.
HUGE_PAGE = 10**9


def page_size_parameter(pagination: type | None) -> str | None:
    """Return the query parameter that sets the page size (``page_size``, ``limit``), if any."""
    return getattr(pagination, "page_size_query_param", None) or getattr(
        pagination, "limit_query_param", None
    )


def largest_page(pagination: type) -> int | None:
    """Return the page size a client gets by asking for a huge one (None: no page at all).

    The paginator itself answers, so any pagination class is measured the same way: page
    numbers, limit/offset, cursors, or a class of the project's own.
    """
    paginator, parameter = pagination(), page_size_parameter(pagination)
    request = Request(APIRequestFactory().get("/", {parameter: HUGE_PAGE} if parameter else {}))
    if hasattr(paginator, "get_limit"):
        return paginator.get_limit(request)
    return paginator.get_page_size(request)


def test_list_endpoints_are_paginated() -> None:
    problems = []
    for route in routes("test_list_endpoints_are_paginated"):
        if not route.is_list:
            continue
        pagination = route.view.pagination_class
        if pagination is None:
            problems.append(f"{route}: no pagination_class")
            continue
        size = largest_page(pagination)
        if size is None:
            problems.append(f"{route}: {dotted(pagination)} has no default page size")
        elif size >= HUGE_PAGE:
            problems.append(
                f"{route}: {dotted(pagination)} lets clients ask for any page size "
                f"(?{page_size_parameter(pagination)}={HUGE_PAGE} is served)"
            )
    assert not problems, report(
        "Pagination on all list endpoints; `page_size` and `max_page_size` set to sensible values",
        problems,
    )


def test_list_endpoints_whitelist_filters_and_ordering() -> None:
    problems = []
    for route in routes("test_list_endpoints_whitelist_filters_and_ordering"):
        if not route.is_list:
            continue
        view, backends = route.view, route.view.filter_backends
        ordered = any(issubclass(backend, OrderingFilter) for backend in backends)
        if ordered and getattr(view, "ordering_fields", None) in (None, "__all__"):
            problems.append(f"{route}: ordering_fields is not a list of allowed fields")
        if any(issubclass(backend, DjangoFilterBackend) for backend in backends):
            filterset = getattr(view, "filterset_class", None)
            if getattr(view, "filterset_fields", None) or filterset is None:
                problems.append(f"{route}: no filterset_class (filters declared inline or none)")
            elif not filterset.__module__.endswith(".filters"):
                problems.append(f"{route}: {dotted(filterset)} is not in a filters.py")
    assert not problems, report(
        "`FilterSet` defined in `filters.py` (not inline in the view); `filterset_class` set "
        "on the ViewSet; `search_fields` and `ordering_fields` declared",
        problems,
    )


def test_endpoints_are_versioned() -> None:
    problems = [
        str(route)
        for route in routes("test_endpoints_are_versioned")
        if not re.match(r"^/api/v\d+/", route.path)
    ]
    assert not problems, report("URL patterns are under a version prefix (`/api/v1/`)", problems)


def test_url_names_are_consistent() -> None:
    problems = [
        f"{route}: name {route.name!r}"
        for route in routes("test_url_names_are_consistent")
        if not URL_NAME.match(route.name)
    ]
    assert not problems, report(
        "URL names are consistent (`order-list`, `order-detail`): lower-case words and hyphens",
        problems,
    )


def test_views_read_and_write_with_separate_serializers() -> None:
    user, problems, seen = unsaved_staff_user(), [], set()
    found = routes("test_views_read_and_write_with_separate_serializers")
    for route in found:
        view = route.view
        if not hasattr(view, "get_serializer_class") or view in seen:
            continue
        seen.add(view)
        if route.actions:
            # A viewset: its routes together hold every action it serves.
            served = {
                action for other in found if other.view is view for action in other.actions.values()
            }
            reads = [a for a in READ_ACTIONS if a in served]
            writes = [a for a in WRITE_ACTIONS if a in served]
        else:
            reads = ["get"] if hasattr(view, "get") else []
            writes = [m for m in ("post", "put", "patch") if hasattr(view, m)]
        if not reads or not writes:
            continue
        read = {view_instance(route, a, user).get_serializer_class() for a in reads}
        for action in writes:
            serializer = view_instance(route, action, user).get_serializer_class()
            if serializer in read:
                problems.append(f"{route}: {action} reads and writes with {dotted(serializer)}")
    assert not problems, report(
        "Separate serializers for read vs. write; `get_serializer_class()` returns different "
        "serializers per action",
        problems,
    )


def _serializer_classes() -> list[type[serializers.BaseSerializer]]:
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


def test_sensitive_fields_are_write_only() -> None:
    problems = [
        f"{where(serializer)}: field {name!r} is readable"
        for serializer in _serializer_classes()
        for name, serializer_field in serializer().fields.items()
        if SENSITIVE_NAME.search(name.lower()) and not serializer_field.write_only
    ]
    assert not problems, report(
        "Sensitive fields marked `write_only=True` (passwords, tokens); sensitive data never "
        "returned in responses",
        problems,
    )


def test_operations_are_documented() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    problems = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "summary" not in operation:
                problems.append(f"{method.upper()} {path}: no summary (@extend_schema)")
            if method == "delete" and "204" not in operation["responses"]:
                problems.append(f"DELETE {path}: answers {sorted(operation['responses'])}, not 204")
    assert not problems, report(
        "View is documented with `@extend_schema`; response status codes are correct "
        "(201 for create, 204 for delete, etc.)",
        problems,
    )


# CONSTANT QUERY COUNTS ON LIST ENDPOINTS
# ------------------------------------------------------------------------------


def model_factories() -> dict[type[models.Model], type[DjangoModelFactory]]:
    """Return the factory of each model, from every app's ``tests/factories.py``."""
    found: dict[type[models.Model], type[DjangoModelFactory]] = {}
    for app in project_apps():
        if not (Path(app.path) / "tests" / "factories.py").is_file():
            continue
        module = importlib.import_module(f"{app.name}.tests.factories")
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, DjangoModelFactory) and obj._meta.model:
                found.setdefault(obj._meta.model, obj)
    return found


def create_rows(model: type[models.Model], owner: Any, count: int) -> None:
    """Create ``count`` rows owned by ``owner``, each with a few rows of every child model."""
    factories = model_factories()
    owned = {
        f.name: owner
        for f in model._meta.fields
        if f.is_relation and f.related_model is get_user_model()
    }
    rows = factories[model].create_batch(count, **owned)
    for relation in model._meta.related_objects:
        child = factories.get(relation.related_model)
        if relation.one_to_many and child is not None:
            for row in rows:
                child.create_batch(CHILDREN_PER_ROW, **{relation.field.name: row})


def measurable(pagination: type) -> type:
    """Return the pagination, given a page-size parameter if it has none, to ask for 1 and 5."""
    if page_size_parameter(pagination):
        return pagination
    return type(pagination.__name__, (pagination,), {"page_size_query_param": "page_size"})


def _queries_per_page(client: APIClient, route: Route, size: int) -> tuple[int, int]:
    """Return the queries a request for a page of ``size`` ran, and the rows it listed."""
    parameter = page_size_parameter(route.view.pagination_class)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(route.path, {parameter: size})
    assert response.status_code == 200, f"{route}: {response.status_code} {response.content!r}"
    return len(queries.captured_queries), len(response.data["results"])


@pytest.mark.django_db
def test_list_query_count_is_constant() -> None:
    factories = model_factories()
    user = factories[get_user_model()](is_staff=True)
    client = APIClient()
    client.force_authenticate(user=user)
    problems = []
    for route in routes("test_list_query_count_is_constant"):
        pagination = getattr(route.view, "pagination_class", None)
        # Lists under an object's URL need that object; unpaginated lists fail
        # test_list_endpoints_are_paginated. Every other list is measured.
        if not route.is_list or "<" in route.path or pagination is None:
            continue
        model = view_instance(route, "list", user).get_queryset().model
        if model not in factories:
            problems.append(f"{route}: no factory for {dotted(model)} in its app's tests/")
            continue
        create_rows(model, user, LARGER_PAGE)
        with mock.patch.object(route.view, "pagination_class", measurable(pagination)):
            _queries_per_page(client, route, 1)  # warm up: first-request work is not per row
            small, larger = (_queries_per_page(client, route, size) for size in (1, LARGER_PAGE))
        assert (small[1], larger[1]) == (1, LARGER_PAGE), f"{route}: pages of {small}, {larger}"
        if larger[0] > small[0]:
            problems.append(
                f"{route}: {small[0]} queries for a page of 1, {larger[0]} for {LARGER_PAGE}",
            )
    assert not problems, report(
        "Uses `select_related()` / `prefetch_related()` to avoid N+1 queries; computed fields "
        "annotated in queryset, not using `SerializerMethodField` with DB calls",
        problems,
    )


# ADMIN
# ------------------------------------------------------------------------------


def project_admins(check: str = "") -> list[admin.ModelAdmin]:
    """Return the admin pages of the project's models, but those ``check`` exempts."""
    return [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if is_project_code(model) and not allowed(check, dotted(type(model_admin)))
    ]


def _admin_writes(model_admin: admin.ModelAdmin) -> bool:
    """Tell whether a superuser may add rows or change a field on the admin's pages."""
    request = RequestFactory().get("/")
    request.user = get_user_model()(is_staff=True, is_superuser=True)
    add_form = model_admin.get_form(request)
    change_form = model_admin.get_form(request, model_admin.model(), change=True)
    return bool(
        (model_admin.has_add_permission(request) and add_form.base_fields)
        or (model_admin.has_change_permission(request) and change_form.base_fields),
    )


def _calls_a_service(method: Any) -> bool:
    """Tell whether a method written in the project calls a function of a services module."""
    if not is_project_code(method):
        return False
    called = (method.__globals__.get(name) for name in method.__code__.co_names)
    return any(inspect.isfunction(obj) and obj.__module__.endswith("services") for obj in called)


def _saves_through_a_service(model_admin: admin.ModelAdmin) -> bool:
    """Tell whether the admin is a ``ServiceAdmin`` whose ``save_model`` calls a service."""
    return isinstance(model_admin, ServiceAdmin) and _calls_a_service(type(model_admin).save_model)


def _editable_inlines(model_admin: admin.ModelAdmin) -> list[admin.options.InlineModelAdmin]:
    """Return the inlines on which a superuser may add, change or delete rows of a saved object.

    Their formsets save the rows themselves (``save_formset``), past any service.
    """
    request = RequestFactory().get("/")
    request.user = get_user_model()(is_staff=True, is_superuser=True)
    obj = model_admin.model()
    found = []
    for inline in model_admin.get_inline_instances(request, obj):
        fields = inline.get_formset(request, obj).form.base_fields
        if (
            (inline.has_add_permission(request, obj) and fields)
            or (inline.has_change_permission(request, obj) and fields)
            or (inline.can_delete and inline.has_delete_permission(request, obj))
        ):
            found.append(inline)
    return found


def test_admin_pages_save_through_services() -> None:
    problems = []
    for model_admin in project_admins("test_admin_pages_save_through_services"):
        label = model_admin.model._meta.label
        if _admin_writes(model_admin) and not _saves_through_a_service(model_admin):
            problems.append(
                f"{where(type(model_admin))}: adds or changes {label} without a service"
            )
        if not _calls_a_service(type(model_admin).save_formset):
            problems += [
                f"{where(type(model_admin))}: inline {dotted(type(inline))} edits "
                f"{inline.model._meta.label} rows directly (no service in save_formset)"
                for inline in _editable_inlines(model_admin)
            ]
    assert not problems, report(
        "Admin pages that add or change rows save through the services: derive from "
        "`common.admin.ServiceAdmin` and call the service in `save_model`",
        problems,
    )


# SETTINGS
# ------------------------------------------------------------------------------

REMOVED_SETTINGS = {
    # Removed in Django 5.1: files would silently go to local disk. Use STORAGES.
    "DEFAULT_FILE_STORAGE": "STORAGES['default']",
    "STATICFILES_STORAGE": "STORAGES['staticfiles']",
    # Removed in Django 4.0; browsers dropped the header.
    "SECURE_BROWSER_XSS_FILTER": "SECURE_REFERRER_POLICY, SECURE_CROSS_ORIGIN_OPENER_POLICY",
}


@pytest.fixture
def production(production_env: None, load_settings: SettingsLoader) -> Any:
    """Return the production settings module, loaded as a deployment would."""
    return load_settings("production")


def _api_default_problems(name: str, drf: dict[str, Any]) -> list[str]:
    problems = []
    permissions = drf.get("DEFAULT_PERMISSION_CLASSES", [])
    if not permissions or any("AllowAny" in p for p in permissions):
        problems.append(f"{name}: DEFAULT_PERMISSION_CLASSES = {permissions!r}")
    if not drf.get("DEFAULT_THROTTLE_CLASSES"):
        problems.append(f"{name}: no DEFAULT_THROTTLE_CLASSES")
    if drf.get("NUM_PROXIES") is None:
        problems.append(f"{name}: NUM_PROXIES unset: throttles trust the whole X-Forwarded-For")
    if not drf.get("DEFAULT_PAGINATION_CLASS"):
        problems.append(f"{name}: no DEFAULT_PAGINATION_CLASS")
    if not drf.get("EXCEPTION_HANDLER"):
        problems.append(f"{name}: no EXCEPTION_HANDLER (errors would not share one format)")
    return problems


def test_api_defaults_are_secure(production: Any) -> None:
    problems = _api_default_problems("settings", settings.REST_FRAMEWORK)
    problems += _api_default_problems("production", production.REST_FRAMEWORK)
    renderers = production.REST_FRAMEWORK.get("DEFAULT_RENDERER_CLASSES", [])
    if not renderers or any("Browsable" in r for r in renderers):
        problems.append(f"production: the browsable API is on ({renderers!r})")
    assert not problems, report(
        "Default permission class is `IsAuthenticated` (secure by default); rate limiting "
        "configured; pagination on all list endpoints; error responses have a consistent format",
        problems,
    )


def test_cors_allows_only_listed_origins(production: Any) -> None:
    problems = []
    for name, module in (("settings", settings), ("production", production)):
        if getattr(module, "CORS_ALLOW_ALL_ORIGINS", False) or getattr(
            module, "CORS_ORIGIN_ALLOW_ALL", False
        ):
            problems.append(f"{name}: CORS_ALLOW_ALL_ORIGINS is on")
        problems += [
            f"{name}: CORS_ALLOWED_ORIGIN_REGEXES has {pattern!r}"
            for pattern in getattr(module, "CORS_ALLOWED_ORIGIN_REGEXES", [])
            if re.fullmatch(r"\^?\.[*+]\$?", pattern)
        ]
        if "*" in getattr(module, "CORS_ALLOWED_ORIGINS", []):
            problems.append(f"{name}: CORS_ALLOWED_ORIGINS has '*'")
    assert not problems, report("CORS configured to only allow known origins", problems)


def test_production_uses_postgresql_and_redis(production: Any) -> None:
    problems = []
    engine = production.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        problems.append(f"production: database engine {engine}")
    cache_backend = production.CACHES["default"]["BACKEND"]
    if "redis" not in cache_backend.lower():
        problems.append(f"production: cache backend {cache_backend}")
    assert not problems, report(
        "PostgreSQL configured (not SQLite for anything beyond local dev); Redis configured",
        problems,
    )


def test_no_removed_settings(production: Any) -> None:
    problems = [
        f"{module_name}: {name} (use {instead})"
        for module_name, module in (("settings", settings), ("production", production))
        for name, instead in REMOVED_SETTINGS.items()
        if name in vars(module) or (module is settings and settings.is_overridden(name))
    ]
    assert not problems, report(
        "No settings Django removed: they do nothing (storage goes in `STORAGES`)",
        problems,
    )


# SOURCE RULES
# ------------------------------------------------------------------------------

WRITE_CALLS = {
    "save",
    "create",
    "bulk_create",
    "bulk_update",
    "update",
    "delete",
    "get_or_create",
    "update_or_create",
    "hard_delete",
}
# Queryset methods that build or run a query. ``none()`` is not one: it never queries.
QUERY_CALLS = WRITE_CALLS | {
    "all",
    "filter",
    "exclude",
    "get",
    "annotate",
    "aggregate",
    "select_related",
    "prefetch_related",
    "order_by",
    "values",
    "values_list",
    "only",
    "defer",
    "raw",
    "extra",
    "count",
    "exists",
    "first",
    "last",
    "in_bulk",
    "iterator",
}
MANAGERS = {"objects", "all_objects", "_default_manager", "_base_manager"}


@cache
def managers() -> frozenset[str]:
    """Return ``MANAGERS`` and the names of the project models' related managers.

    ``request.user.orders.filter()`` and ``self.items.all()`` query as much as
    ``Order.objects.filter()``: the app registry names every reverse and many-to-many
    accessor, the project's own and those third-party models add to its models.
    """
    names = set(MANAGERS)
    for model in project_models():
        names.update(f.name for f in model._meta.many_to_many)
        names.update(
            relation.get_accessor_name()
            for relation in model._meta.related_objects
            if relation.one_to_many or relation.many_to_many
        )
    return frozenset(names)


SQL_CALLS = {"raw", "extra", "execute", "executemany", "RawSQL"}
SQL_KEYWORDS = {"sql", "where", "select", "tables", "order_by"}
# The variable names ruff's bandit rules take for secrets, and values shaped like real keys.
SECRET_NAME = re.compile(
    r"(^|_)(pas+wo?r?d|pass(phrase)?|pwd|token|secrete?|api_?key)($|_)", re.IGNORECASE
)
# Cloud, payment and GitHub keys, private keys, and a password inside a URL (user:pw@host).
SECRET_VALUE = re.compile(
    r"AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY|\b[rs]k_(live|test)_|ghp_\w{20}"
    r"|://[^/\s:@]*:[^/\s@]+@"
)
# What services must not import: requests, responses, views and serializers are the API's.
HTTP_MODULES = (
    "django.http",
    "django.shortcuts",
    "rest_framework.exceptions",
    "rest_framework.generics",
    "rest_framework.request",
    "rest_framework.response",
    "rest_framework.serializers",
    "rest_framework.status",
    "rest_framework.views",
    "rest_framework.viewsets",
)


def services() -> Iterator[tuple[Path, ast.FunctionDef]]:
    """Yield every public function of every ``*services.py`` (or ``services/`` package)."""
    for path in source_files():
        if path.name.endswith("services.py") or path.parent.name == "services":
            for node in parse(path).body:
                if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                    yield path, node


def test_services_take_keyword_only_plain_values() -> None:
    problems = []
    for path, function in services():
        arguments = function.args
        if arguments.posonlyargs or arguments.args or arguments.vararg:
            problems.append(f"{at(path, function)} {function.name}: positional parameters")
        for argument in [*arguments.kwonlyargs, *arguments.args]:
            annotation = ast.unparse(argument.annotation) if argument.annotation else ""
            if argument.arg == "request" or "Request" in annotation:
                problems.append(f"{at(path, function)} {function.name}: takes a request")
    assert not problems, report(
        "Service is a plain Python function in `services.py`; takes plain Python values as "
        "arguments (not `request` object), keyword-only",
        problems,
    )


def _is_atomic(function: ast.FunctionDef) -> bool:
    decorators = [ast.unparse(d) for d in function.decorator_list]
    blocks = [
        ast.unparse(item.context_expr)
        for node in ast.walk(function)
        if isinstance(node, ast.With)
        for item in node.items
    ]
    return any("atomic" in text for text in decorators + blocks)


def _writes(function: ast.FunctionDef, helpers: dict[str, ast.FunctionDef]) -> list[ast.Call]:
    """Return the writes ``function`` makes, itself or through the module's functions it calls.

    A helper that is atomic itself is left out: its writes commit or roll back together.
    """
    found, pending, seen = [], [function], {function.name}
    while pending:
        for node in ast.walk(pending.pop()):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Attribute) and node.func.attr in WRITE_CALLS:
                found.append(node)
            helper = helpers.get(call_name(node)) if isinstance(node.func, ast.Name) else None
            if helper is not None and helper.name not in seen and not _is_atomic(helper):
                seen.add(helper.name)
                pending.append(helper)
    return found


def test_services_that_write_are_atomic() -> None:
    problems = []
    for path, function in services():
        helpers = {
            node.name: node for node in parse(path).body if isinstance(node, ast.FunctionDef)
        }
        writes = _writes(function, helpers)
        exempt = allowed(
            "test_services_that_write_are_atomic", f"{path.relative_to(ROOT)}:{function.name}"
        )
        if writes and not exempt and not _is_atomic(function):
            problems.append(
                f"{at(path, function)} {function.name}: writes ({at(path, writes[0])}) "
                "outside transaction.atomic",
            )
    assert not problems, report(
        "Wrapped in `transaction.atomic()` if it does multiple writes", problems
    )


def test_services_have_no_http_or_serializer_logic() -> None:
    problems = []
    for path in source_files():
        if not (path.name.endswith("services.py") or path.parent.name == "services"):
            continue
        for node in ast.walk(parse(path)):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            problems += [
                f"{at(path, node)} imports {name}"
                for name in names
                if name.startswith(HTTP_MODULES) or ".serializers" in name
            ]
    assert not problems, report(
        "No HTTP logic, no serializer logic, no queryset building in services", problems
    )


def _chain(node: ast.AST) -> Iterator[ast.AST]:
    """Yield the receivers of a call chain: ``a.b().c`` gives ``a.b()``, ``a.b``, ``a``."""
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.value if isinstance(node, ast.Attribute) else node.func
        yield node


def test_views_build_no_queries() -> None:
    problems = []
    for path in source_files():
        if not path.name.endswith("views.py"):
            continue
        found: dict[str, str] = {}
        for node in ast.walk(parse(path)):
            if not isinstance(node, ast.Call):
                continue
            on_manager = call_name(node) in QUERY_CALLS and any(
                isinstance(link, ast.Attribute) and link.attr in managers()
                for link in _chain(node.func)
            )
            if on_manager or call_name(node) in {"get_object_or_404", "get_list_or_404"}:
                # The outermost call of a chain comes first: one report per line.
                found.setdefault(at(path, node), ast.unparse(node)[:80])
        problems += [f"{place} {code}" for place, code in found.items()]
    assert not problems, report(
        "No business logic directly in the view method: queries live in `selectors.py`, "
        "writes in services",
        problems,
    )


def _methods(node: ast.ClassDef) -> list[ast.FunctionDef]:
    return [item for item in node.body if isinstance(item, ast.FunctionDef)]


def _on_manager(call: ast.Call, names: set[str]) -> bool:
    """Tell whether ``call`` is one of ``names`` on a manager: ``Model.objects....name()``."""
    return call_name(call) in names and any(
        isinstance(link, ast.Attribute) and link.attr in managers() for link in _chain(call.func)
    )


# What a model method must leave to selectors and services: other rows, mail and tasks.
SIDE_EFFECT_CALLS = {"delay", "apply_async", "send_mail", "send_mass_mail", "atomic"}


def test_model_methods_hold_no_business_logic() -> None:
    classes = {
        cls
        for model in project_models("test_model_methods_hold_no_business_logic")
        for cls in model.__mro__
        if is_project_code(cls) and issubclass(cls, models.Model)
    }
    problems = []
    for cls in sorted(classes, key=dotted):
        path, node = class_node(cls)
        for method in _methods(node):
            problems += [
                f"{at(path, call)} {dotted(cls)}.{method.name}: {ast.unparse(call)[:60]}"
                for call in ast.walk(method)
                if isinstance(call, ast.Call)
                and (_on_manager(call, QUERY_CALLS) or call_name(call) in SIDE_EFFECT_CALLS)
            ]
    assert not problems, report(
        "No business logic in model methods (only simple property-like methods): queries "
        "live in selectors; writes, mail and tasks in services",
        problems,
    )


def test_validators_do_not_write() -> None:
    problems = []
    for serializer in _serializer_classes():
        path, node = class_node(serializer)
        for method in _methods(node):
            if method.name != "validate" and not method.name.startswith("validate_"):
                continue
            problems += [
                f"{at(path, call)} {dotted(serializer)}.{method.name}: {ast.unparse(call)[:60]}"
                for call in ast.walk(method)
                if isinstance(call, ast.Call)
                and (
                    _on_manager(call, WRITE_CALLS)
                    or call_name(call) in {"save", *SIDE_EFFECT_CALLS}
                )
            ]
    assert not problems, report(
        "No database writes inside serializer `validate_*` methods", problems
    )


def _formatted(node: ast.AST | None) -> bool:
    """Tell whether an expression builds a string from values (f-string, %, +, format)."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return True
    if isinstance(node, ast.Call) and call_name(node) == "format":
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(_formatted(element) for element in node.elts)
    if isinstance(node, ast.Dict):
        return any(_formatted(value) for value in node.values)
    return False


def _scope(scope: ast.AST) -> Iterator[ast.AST]:
    """Yield the nodes of a module or function, but not those of the functions inside it."""
    pending = list(ast.iter_child_nodes(scope))
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))


def _formatted_names(nodes: list[ast.AST]) -> set[str]:
    """Return the names given a formatted string: ``sql = f"..."``, ``sql += ...``."""
    names = set()
    for node in nodes:
        if isinstance(node, ast.Assign | ast.AnnAssign) and _formatted(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(target.id for target in targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_sql_is_never_formatted() -> None:
    problems = []
    for path in source_files(tests=True):
        tree = parse(path)
        functions = (
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        )
        for scope in (tree, *functions):
            nodes = list(_scope(scope))
            names = _formatted_names(nodes)
            for node in nodes:
                if not (isinstance(node, ast.Call) and call_name(node) in SQL_CALLS):
                    continue
                sql = node.args[:1] + [k.value for k in node.keywords if k.arg in SQL_KEYWORDS]
                if any(
                    _formatted(argument)
                    or (isinstance(argument, ast.Name) and argument.id in names)
                    for argument in sql
                ):
                    problems.append(f"{at(path, node)} {ast.unparse(node)[:80]}")
    assert not problems, report(
        "Never build SQL with f-strings or %: pass values as query parameters",
        problems,
    )


def test_serializers_list_their_fields() -> None:
    problems = [
        at(path, node)
        for path in source_files()
        for node in ast.walk(parse(path))
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "fields" for t in node.targets)
        and isinstance(node.value, ast.Constant)
        and node.value.value == "__all__"
    ]
    assert not problems, report(
        'Sensitive data never returned in responses: list the fields, never `fields = "__all__"`',
        problems,
    )


def _key(target: ast.AST) -> str:
    """Name what is assigned to: ``NAME``, ``obj.NAME``, ``mapping["NAME"]``."""
    if isinstance(target, ast.Subscript):
        key = target.slice
        return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else ""
    return getattr(target, "id", getattr(target, "attr", ""))


def _assigned_strings(tree: ast.Module) -> Iterator[tuple[str, ast.AST, ast.AST]]:
    """Yield (name, node, value) for every name, attribute, item, dict key or keyword set."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                yield _key(target), node, node.value
        elif isinstance(node, ast.keyword) and node.arg:
            yield node.arg, node.value, node.value
        elif isinstance(node, ast.Dict):
            # Settings' keys ({"PASSWORD": ...}); lower-case keys are data (error messages).
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and isinstance(key.value, str)
                    and key.value.isupper()
                ):
                    yield key.value, value, value


def _literal(node: ast.AST) -> str:
    """Return a non-empty string literal, or the literal default of ``env(..., default=)``."""
    if isinstance(node, ast.Call):
        defaults = [k.value for k in node.keywords if k.arg == "default"]
        node = defaults[0] if defaults else node
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def test_no_hardcoded_secrets() -> None:
    problems = []
    for path in source_files():
        for name, node, value in _assigned_strings(parse(path)):
            literal = _literal(value)
            named = SECRET_NAME.search(name) and literal
            if (named or SECRET_VALUE.search(literal)) and not allowed(
                "test_no_hardcoded_secrets", f"{path.relative_to(ROOT)}:{name}"
            ):
                problems.append(f"{at(path, node)} {name} is a string literal")
    assert not problems, report(
        "All secrets in `.env` via `django-environ`, never hardcoded", problems
    )


def test_actions_declare_methods_and_detail() -> None:
    problems = [
        f"{at(path, decorator)} @{ast.unparse(decorator)}"
        for path in source_files()
        for node in ast.walk(parse(path))
        if isinstance(node, ast.FunctionDef)
        for decorator in node.decorator_list
        if isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Name)
        and decorator.func.id == "action"
        and not {"methods", "detail"} <= {k.arg for k in decorator.keywords}
    ]
    assert not problems, report(
        "Custom actions use `@action` decorator with correct `methods` and `detail` settings",
        problems,
    )


def test_urls_modules_hold_no_logic() -> None:
    problems = [
        f"{at(path, node)} {type(node).__name__}"
        for path in source_files()
        if path.name.endswith("urls.py")
        for node in ast.walk(parse(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)
    ]
    assert not problems, report("No logic in `urls.py`", problems)


def test_project_layout() -> None:
    required = [
        "config/settings/base.py",
        "config/settings/development.py",
        "config/settings/production.py",
        "requirements/base.txt",
        "requirements/development.txt",
        "requirements/production.txt",
        ".env.example",
        "Dockerfile",
        "docker-compose.yml",
    ]
    problems = [f"{name} is missing" for name in required if not (ROOT / name).is_file()]
    if not [*ROOT.glob(".github/workflows/*.yml"), *ROOT.glob(".gitlab-ci.yml")]:
        problems.append("no CI pipeline (.github/workflows/*.yml or .gitlab-ci.yml)")
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    if ".env" not in ignored:
        problems.append(".gitignore does not list .env")
    assert not problems, report(
        "Settings split into base, development, production; `.env.example` committed, `.env` in "
        "`.gitignore`; `requirements/` split; Docker and docker-compose; CI/CD pipeline",
        problems,
    )

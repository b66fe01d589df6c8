"""Conventions for the API: URLs, views and serializers.

The endpoints come from the URL configuration, so a view is checked once it is routed;
the serializers from every ``serializers.py`` of the project. Each rule looks at what DRF
will run (the view's settled attributes, the serializer a view picks per action, the page
size a paginator grants) rather than at how the code spells it.
"""

import ast
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from common.checks.base import (
    Route,
    Rule,
    at,
    class_node,
    dotted,
    is_project_code,
    routes,
    serializer_classes,
    where,
)
from common.lists import ValuesListModelMixin

PERMISSIONS = Rule(
    "E010",
    "views set their permission_classes explicitly",
    "Set permission_classes on the view (or a base class of the project's); public "
    "endpoints say permission_classes = [AllowAny].",
)
THROTTLED = Rule(
    "E011",
    "endpoints are throttled",
    "Keep the default throttle_classes, or set throttles of the view's own.",
)
THROTTLE_RATE = Rule(
    "E012",
    "every throttle scope has a rate",
    'Add the scope to REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] in config/settings/base.py.',
)
PAGINATED = Rule(
    "E013",
    "list endpoints are paginated, with a default and a largest page size",
    "Keep the default pagination_class, or set one with page_size and max_page_size "
    "(default_limit and max_limit for limit/offset).",
)
ORDERING_FIELDS = Rule(
    "E014",
    "list endpoints list the fields they may be ordered by",
    'Set ordering_fields = ["created_at", ...] on the view, never "__all__".',
)
FILTERSET = Rule(
    "E015",
    "list endpoints filter through a FilterSet of the app's filters.py",
    "Declare a FilterSet in the app's filters.py and set filterset_class on the view "
    "(no filterset_fields).",
)
VERSIONED = Rule(
    "E016",
    "endpoints are under a version prefix",
    'Route the app\'s URLs under path("api/v1/", ...) in config/urls.py.',
)
URL_NAME = Rule(
    "E017",
    "URL names are lower-case words joined by hyphens",
    'Name the route like "order-list" (a router\'s basename="order").',
)
READ_WRITE = Rule(
    "E018",
    "views read and write with separate serializers",
    "Return a write serializer for create/update in get_serializer_class(), and answer "
    "with the read one.",
)
WRITE_ONLY = Rule(
    "E019",
    "sensitive fields are write-only",
    "Declare the field with write_only=True (or leave it out of the serializer).",
)
ALL_FIELDS = Rule(
    "E020",
    'serializers list their fields, never fields = "__all__"',
    "List the fields a client may see in Meta.fields; a new column then stays private "
    "until someone adds it.",
)
INDEXED = Rule(
    "E021",
    "fields that lists are filtered or ordered by are indexed",
    "Add db_index=True to the field, or a models.Index leading with it to Meta.indexes.",
)

VALUES_LIST = Rule(
    "W022",
    "list endpoints read their page through common.lists.ValuesListModelMixin",
    "Put ValuesListModelMixin first among the viewset's bases, in place of ListModelMixin: the "
    "page is then read as values planned from the serializer, with no other edit.",
)

URL_NAME_SHAPE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
VERSION_PREFIX = re.compile(r"^/api/v\d+/")
SENSITIVE_NAME = re.compile(r"(^|_)(pas+wo?r?d|passphrase|pwd|secrete?|api_?key|private_?key)($|_)")
READ_ACTIONS = ("list", "retrieve")
WRITE_ACTIONS = ("create", "update", "partial_update")
# A page size no list should ever serve: asked for, it must come back capped.
HUGE_PAGE = 10**9


def declares(view: type, attribute: str) -> bool:
    """Tell whether the view or one of the project's own base classes sets ``attribute``."""
    return any(is_project_code(cls) and attribute in vars(cls) for cls in view.__mro__)


def view_instance(route: Route, action: str) -> APIView:
    """Build the route's view as DRF would for a GET by a staff user running ``action``.

    The user is never saved: building a queryset or picking a serializer needs no database.
    """
    view = route.view(**route.initkwargs)
    request = Request(APIRequestFactory().get(route.path))
    request.user = get_user_model()(is_staff=True)
    view.request, view.args, view.kwargs, view.format_kwarg = request, (), {}, None
    view.action = action
    return view


# THROTTLING AND PAGINATION
# ------------------------------------------------------------------------------


def throttle_problems(route: Route) -> tuple[list[str], list[str]]:
    """Return why the route is not throttled, and the throttle scopes it uses with no rate."""
    rates = api_settings.DEFAULT_THROTTLE_RATES
    throttles = route.view.throttle_classes
    missing = [] if throttles else [f"{route.view.__qualname__} has no throttle"]
    unrated = []
    scope = getattr(route.view, "throttle_scope", None)
    if any(issubclass(t, ScopedRateThrottle) for t in throttles) and scope not in rates:
        unrated.append(f"throttle_scope {scope!r} has no rate")
    unrated += [
        f"{t.__qualname__}'s scope {t.scope!r} has no rate"
        for t in throttles
        if getattr(t, "scope", None) and t.scope not in rates
    ]
    return missing, unrated


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


def pagination_problem(route: Route) -> str:
    """Return what is wrong with a list's pagination, or nothing."""
    pagination = route.view.pagination_class
    if pagination is None:
        return f"{route.view.__qualname__} has no pagination_class"
    size = largest_page(pagination)
    if size is None:
        return f"{dotted(pagination)} has no default page size"
    if size >= HUGE_PAGE:
        return (
            f"{dotted(pagination)} lets clients ask for any page size "
            f"(?{page_size_parameter(pagination)}={HUGE_PAGE} is served)"
        )
    return ""


# FILTERS, ORDERING AND INDEXES
# ------------------------------------------------------------------------------


def indexed(model: type[models.Model]) -> set[str]:
    """Return the model's fields that lead or join an index, a unique key or the primary key."""
    names = {f.name for f in model._meta.fields if f.db_index or f.unique or f.primary_key}
    for index in model._meta.indexes:
        names.update(name.lstrip("-") for name in index.fields)
    for constraint in model._meta.constraints:
        names.update(getattr(constraint, "fields", ()))
    return names


def target(model: type[models.Model], path: str) -> tuple[type[models.Model], str] | None:
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


def unindexed(route: Route) -> list[str]:
    """Return the fields a list is ordered or filtered by that no index leads."""
    model = view_instance(route, "list").get_queryset().model
    paths = [name.lstrip("-") for name in getattr(route.view, "ordering_fields", None) or []]
    filterset = getattr(route.view, "filterset_class", None)
    if filterset is not None:
        paths += [f.field_name for f in filterset.base_filters.values() if not f.method]
    problems = []
    for path in dict.fromkeys(paths):
        found = target(model, path)
        if found is not None and found[1] not in indexed(found[0]):
            problems.append(f"{path} ({found[0].__name__}.{found[1]}) is not indexed")
    return problems


def filter_problems(route: Route) -> tuple[str, str]:
    """Return what is wrong with a list's ordering whitelist and with its filters."""
    view, backends = route.view, route.view.filter_backends
    ordering = filters = ""
    ordered = any(issubclass(backend, OrderingFilter) for backend in backends)
    if ordered and getattr(view, "ordering_fields", None) in (None, "__all__"):
        ordering = f"ordering_fields is {getattr(view, 'ordering_fields', None)!r}"
    if any(issubclass(backend, DjangoFilterBackend) for backend in backends):
        filterset = getattr(view, "filterset_class", None)
        if getattr(view, "filterset_fields", None) or filterset is None:
            filters = "no filterset_class (filters declared inline, or none)"
        elif not filterset.__module__.endswith(".filters"):
            filters = f"{dotted(filterset)} is not in a filters.py"
    return ordering, filters


# SERIALIZERS
# ------------------------------------------------------------------------------


def served_actions(route: Route, found: list[Route]) -> tuple[list[str], list[str]]:
    """Return the read and the write actions (or methods) a route's view serves."""
    view = route.view
    if route.actions:
        # A viewset: its routes together hold every action it serves.
        served = {
            action for other in found if other.view is view for action in other.actions.values()
        }
        return [a for a in READ_ACTIONS if a in served], [a for a in WRITE_ACTIONS if a in served]
    reads = ["get"] if hasattr(view, "get") else []
    return reads, [m for m in ("post", "put", "patch") if hasattr(view, m)]


def shared_serializers(found: list[Route]) -> list[tuple[Route, str, type]]:
    """Return (route, write action, serializer) for each write that reads' serializer does."""
    shared, seen = [], set()
    for route in found:
        if not hasattr(route.view, "get_serializer_class") or route.view in seen:
            continue
        seen.add(route.view)
        reads, writes = served_actions(route, found)
        if not reads or not writes:
            continue
        read = {view_instance(route, action).get_serializer_class() for action in reads}
        for action in writes:
            serializer = view_instance(route, action).get_serializer_class()
            if serializer in read:
                shared.append((route, action, serializer))
    return shared


def model_serializers() -> list[type[serializers.ModelSerializer]]:
    """Return every ModelSerializer the project ships, wherever it is declared.

    The ``serializers.py`` modules are imported first, so none is missed for not being
    imported yet; those of the tests are not shipped, and left out.
    """
    serializer_classes()
    found, pending = [], [serializers.ModelSerializer]
    while pending:
        subclasses = pending.pop().__subclasses__()
        found += [
            cls
            for cls in subclasses
            if is_project_code(cls) and "tests" not in cls.__module__.split(".")
        ]
        pending += subclasses
    return sorted(set(found), key=dotted)


def fields_place(serializer: type) -> str:
    """Name the ``fields = ...`` line of the serializer's Meta (its own or inherited)."""
    for cls in serializer.__mro__:
        if not is_project_code(cls) or "Meta" not in vars(cls):
            continue
        path, node = class_node(cls)
        for meta in node.body:
            if not (isinstance(meta, ast.ClassDef) and meta.name == "Meta"):
                continue
            for statement in meta.body:
                targets = getattr(statement, "targets", [getattr(statement, "target", None)])
                if any(isinstance(t, ast.Name) and t.id == "fields" for t in targets):
                    return f"{at(path, statement)} {dotted(serializer)}.Meta.fields"
    return where(serializer)


# CHECKS
# ------------------------------------------------------------------------------


@checks.register(checks.Tags.urls)
def check_endpoints(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check every endpoint of the project's URL configuration against the API conventions."""
    messages: list[checks.CheckMessage] = []
    found = routes()
    for route in found:
        broken = route_problems(route) + (list_problems(route) if route.is_list else [])
        # Naming the route reads its source: only for a route that breaks a rule.
        place = str(route) if broken else ""
        for rule, problem in broken:
            messages += rule(place, problem)
    for route, action, serializer in shared_serializers(found):
        problem = f"{route.view.__qualname__} reads and {action}s with {dotted(serializer)}"
        messages += READ_WRITE(str(route), problem)
    return messages


def route_problems(route: Route) -> list[tuple[Rule, str]]:
    """Return the rules an endpoint breaks: permissions, throttles, version, name."""
    problems: list[tuple[Rule, str]] = []
    if not declares(route.view, "permission_classes"):
        problems.append(
            (PERMISSIONS, f"{route.view.__qualname__} has no permission_classes of its own")
        )
    missing, unrated = throttle_problems(route)
    problems += [(THROTTLED, problem) for problem in missing]
    problems += [(THROTTLE_RATE, problem) for problem in unrated]
    if not VERSION_PREFIX.match(route.path):
        problems.append((VERSIONED, f"{route.path} has no /api/v<N>/ prefix"))
    if not URL_NAME_SHAPE.match(route.name):
        problems.append((URL_NAME, f"the URL name {route.name!r}"))
    return problems


def list_problems(route: Route) -> list[tuple[Rule, str]]:
    """Return the rules a list endpoint breaks: its pages, ordering, filters and indexes."""
    problems: list[tuple[Rule, str]] = []
    if problem := pagination_problem(route):
        problems.append((PAGINATED, problem))
    ordering, filters = filter_problems(route)
    if ordering:
        problems.append((ORDERING_FIELDS, ordering))
    if filters:
        problems.append((FILTERSET, filters))
    if not issubclass(route.view, ValuesListModelMixin):
        problems.append((VALUES_LIST, f"{route.view.__qualname__} lists through DRF's own path"))
    return problems + [(INDEXED, problem) for problem in unindexed(route)]


@checks.register(checks.Tags.urls)
def check_serializers(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check the project's serializers: what they let out."""
    messages: list[checks.CheckMessage] = []
    for serializer in serializer_classes():
        for name, serializer_field in serializer().fields.items():
            if SENSITIVE_NAME.search(name.lower()) and not serializer_field.write_only:
                messages += WRITE_ONLY(where(serializer), f"the field {name!r} is readable")
    for serializer in model_serializers():
        if getattr(getattr(serializer, "Meta", None), "fields", None) == serializers.ALL_FIELDS:
            messages += ALL_FIELDS(fields_place(serializer), f'{dotted(serializer)} has "__all__"')
    return messages

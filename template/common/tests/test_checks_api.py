"""The API and settings conventions (``common/checks/api.py``, ``settings.py``) find offenders.

The project keeps every rule: its endpoints, serializers and settings raise no message. Then
each rule is shown one offender: a view or serializer declared here, handed to the check in
place of what it discovers in the project, or a setting changed. Exactly that rule's ID must
come back, naming the offender by file:line, where a marker exempts it.
"""

import inspect
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django_filters.rest_framework import DjangoFilterBackend
from pytest_django import Settings
from rest_framework import generics, mixins, serializers
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from common.checks import api
from common.checks import settings as settings_checks
from common.checks.base import Route, routes
from common.lists import ValuesListModelMixin

HERE = Path(__file__).relative_to(settings.BASE_DIR).as_posix()
# Through a name, as Python sees it: the check reads the serializer, not its source.
EVERY_FIELD = "__all__"


def line_of(cls: type) -> str:
    """Name the file:line where a class of this module starts."""
    return f"{HERE}:{inspect.getsourcelines(cls)[1]}"


def ids(messages: list[Any]) -> set[str]:
    return {message.id for message in messages}


def test_the_project_keeps_the_api_conventions() -> None:
    assert any(route.path.startswith("/api/v1/") for route in routes())
    assert "apps.users.serializers.UserSerializer" in {
        f"{cls.__module__}.{cls.__qualname__}" for cls in api.model_serializers()
    }
    # Warnings (a rule new in this release) are for the team to act on, not failures.
    assert not [message for message in api.check_endpoints() if message.is_serious()]
    assert not [message for message in api.check_serializers() if message.is_serious()]


# ENDPOINTS
# ------------------------------------------------------------------------------


class Email(serializers.Serializer):
    email = serializers.EmailField()


class Guarded(APIView):
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        return Response()


class Unguarded(APIView):
    def get(self, request: Request) -> Response:
        return Response()


class Unthrottled(Guarded):
    throttle_classes = ()


class Probe(Guarded):  # conventions: allow E011 -- polled every few seconds
    throttle_classes = ()


class Unrated(Guarded):
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "nowhere"


class Users(ValuesListModelMixin, generics.ListAPIView):
    """A list that keeps every rule; each class below breaks one."""

    permission_classes = (IsAuthenticated,)
    queryset = get_user_model().objects.all()
    serializer_class = Email
    filter_backends = (OrderingFilter,)
    ordering_fields = ("email",)


class Unpaginated(Users):
    pagination_class = None


class UncappedPages(LimitOffsetPagination):
    default_limit = 20


class UncappedUsers(Users):
    pagination_class = UncappedPages


class OrderedByAnything(Users):
    ordering_fields = "__all__"


class FilteredInline(Users):
    filter_backends = (DjangoFilterBackend, OrderingFilter)
    filterset_fields = ("email",)


class OrderedByUnindexed(Users):
    ordering_fields = ("email", "phone_number")


class ListedByDRF(generics.ListAPIView):
    permission_classes = Users.permission_classes
    queryset = Users.queryset
    serializer_class = Email
    filter_backends = Users.filter_backends
    ordering_fields = Users.ordering_fields


class ReadsAndWrites(mixins.CreateModelMixin, Users):
    def post(self, request: Request) -> Response:
        return self.create(request)


ENDPOINTS = [
    pytest.param(Route("/api/v1/users/", "user-list", Users), set(), id="keeps-every-rule"),
    pytest.param(Route("/api/v1/open/", "open", Unguarded), {"E010"}, id="no-permissions"),
    pytest.param(Route("/api/v1/busy/", "busy", Unthrottled), {"E011"}, id="no-throttle"),
    pytest.param(Route("/api/v1/probe/", "probe", Probe), set(), id="exempt-by-marker"),
    pytest.param(Route("/api/v1/rare/", "rare", Unrated), {"E012"}, id="scope-without-rate"),
    pytest.param(Route("/api/v1/all/", "all", Unpaginated), {"E013"}, id="no-pagination"),
    pytest.param(Route("/api/v1/any/", "any", UncappedUsers), {"E013"}, id="uncapped-limit"),
    pytest.param(Route("/api/v1/o/", "o", OrderedByAnything), {"E014"}, id="ordering-all"),
    pytest.param(Route("/api/v1/f/", "f", FilteredInline), {"E015"}, id="inline-filters"),
    pytest.param(Route("/api/guarded/", "guarded", Guarded), {"E016"}, id="unversioned"),
    pytest.param(Route("/api/v1/g/", "Guarded_view", Guarded), {"E017"}, id="url-name"),
    pytest.param(Route("/api/v1/rw/", "rw", ReadsAndWrites), {"E018"}, id="one-serializer"),
    pytest.param(Route("/api/v1/u/", "u", OrderedByUnindexed), {"E021"}, id="unindexed"),
    pytest.param(Route("/api/v1/d/", "d", ListedByDRF), {"W022"}, id="drf-list-path"),
]


@pytest.mark.parametrize(("route", "broken"), ENDPOINTS)
def test_an_endpoint_that_breaks_a_rule_is_named(
    monkeypatch: pytest.MonkeyPatch, route: Route, broken: set[str]
) -> None:
    monkeypatch.setattr(api, "routes", lambda: [route])

    messages = api.check_endpoints()

    assert ids(messages) == {f"conventions.{rule}" for rule in broken}
    view = f"{__name__}.{route.view.__name__}"
    for message in messages:
        assert message.obj == f"{line_of(route.view)} {view} ({route.path})"
        assert f"docs/conventions.md#{message.id.split('.')[1].lower()}" in message.hint


# SERIALIZERS
# ------------------------------------------------------------------------------


class Exposed(serializers.Serializer):
    api_key = serializers.CharField()
    password = serializers.CharField(write_only=True)


class Everything(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = EVERY_FIELD


class InheritsEverything(Everything):
    class Meta(Everything.Meta):
        pass


def test_a_readable_secret_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "serializer_classes", lambda: [Email, Exposed])

    messages = api.check_serializers()

    assert ids(messages) == {"conventions.E019"}
    assert [message.obj for message in messages] == [f"{line_of(Exposed)} {__name__}.Exposed"]
    assert "'api_key'" in messages[0].msg


@pytest.mark.parametrize("serializer", [Everything, InheritsEverything])
def test_all_fields_is_named_where_meta_sets_it(
    monkeypatch: pytest.MonkeyPatch, serializer: type
) -> None:
    monkeypatch.setattr(api, "model_serializers", lambda: [serializer])
    lines = Path(__file__).read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if "fields = EVERY_FIELD" in text)

    messages = api.check_serializers()

    assert ids(messages) == {"conventions.E020"}
    assert messages[0].obj == f"{HERE}:{line} {__name__}.{serializer.__name__}.Meta.fields"


# SETTINGS
# ------------------------------------------------------------------------------

JSON_ONLY = ["rest_framework.renderers.JSONRenderer"]
MISSING = object()


@pytest.fixture
def production_api(settings: Settings) -> Settings:
    """Give the API the settings production has: JSON only, one proxy."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_RENDERER_CLASSES": JSON_ONLY,
        "NUM_PROXIES": 1,
    }
    return settings


API_SETTINGS = [
    pytest.param("NUM_PROXIES", 0, set(), id="keeps-every-rule"),
    pytest.param("DEFAULT_PERMISSION_CLASSES", ["x.AllowAny"], {"E050"}, id="allow-any"),
    pytest.param("DEFAULT_PERMISSION_CLASSES", [], {"E050"}, id="no-permission"),
    pytest.param("DEFAULT_THROTTLE_CLASSES", [], {"E051"}, id="no-throttles"),
    pytest.param("NUM_PROXIES", None, {"E052"}, id="proxies-unknown"),
    pytest.param("DEFAULT_PAGINATION_CLASS", None, {"E053"}, id="no-pagination"),
    pytest.param("EXCEPTION_HANDLER", MISSING, {"E054"}, id="no-exception-handler"),
    pytest.param(
        "DEFAULT_RENDERER_CLASSES",
        [*JSON_ONLY, "rest_framework.renderers.BrowsableAPIRenderer"],
        {"E055"},
        id="browsable-api",
    ),
]


@pytest.mark.parametrize(("key", "value", "broken"), API_SETTINGS)
def test_an_api_default_that_breaks_a_rule_is_named(
    production_api: Settings, key: str, value: Any, broken: set[str]
) -> None:
    changed = {**production_api.REST_FRAMEWORK, key: value}
    if value is MISSING:
        del changed[key]
    production_api.REST_FRAMEWORK = changed

    messages = settings_checks.check_api_settings()

    assert ids(messages) == {f"conventions.{rule}" for rule in broken}
    for message in messages:
        assert message.obj.startswith("config/settings/")
        assert message.obj.endswith(f'REST_FRAMEWORK["{key}"]')


def test_a_setting_is_named_by_the_line_that_sets_it() -> None:
    base = Path(settings.BASE_DIR, "config/settings/base.py").read_text(encoding="utf-8")
    line = next(
        number
        for number, text in enumerate(base.splitlines(), start=1)
        if '"DEFAULT_PERMISSION_CLASSES":' in text
    )

    place = settings_checks.setting("REST_FRAMEWORK", "DEFAULT_PERMISSION_CLASSES")

    assert place == f'config/settings/base.py:{line} REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]'


@pytest.mark.parametrize(
    ("name", "value", "broken"),
    [
        ("CORS_ALLOWED_ORIGIN_REGEXES", [r"^https://\w+\.example\.com$"], set()),
        ("CORS_ALLOW_ALL_ORIGINS", True, {"E056"}),
        ("CORS_ALLOWED_ORIGIN_REGEXES", [r"^.*$"], {"E056"}),
        ("STATICFILES_STORAGE", "django.core.files.storage.FileSystemStorage", {"E059"}),
    ],
)
def test_cors_and_removed_settings_are_named(
    settings: Settings, name: str, value: Any, broken: set[str]
) -> None:
    setattr(settings, name, value)

    messages = settings_checks.check_cors() + settings_checks.check_removed_settings()

    assert ids(messages) == {f"conventions.{rule}" for rule in broken}
    assert all(message.obj.endswith(name) for message in messages)


POSTGRESQL = "django.db.backends.postgresql"
REDIS = "django.core.cache.backends.redis.RedisCache"


@pytest.mark.parametrize(
    ("engine", "backend", "broken"),
    [
        (POSTGRESQL, REDIS, set()),
        ("django.db.backends.sqlite3", REDIS, {"E057"}),
        (POSTGRESQL, "django.core.cache.backends.locmem.LocMemCache", {"E058"}),
    ],
)
def test_production_services_are_named(
    monkeypatch: pytest.MonkeyPatch, engine: str, backend: str, broken: set[str]
) -> None:
    # Set on the settings object: the check only reads them, and the connections and caches
    # already made keep theirs (override_settings warns about changing DATABASES).
    monkeypatch.setattr(settings, "DATABASES", {"default": {"ENGINE": engine}})
    monkeypatch.setattr(settings, "CACHES", {"default": {"BACKEND": backend}})

    messages = settings_checks.check_services()

    assert ids(messages) == {f"conventions.{rule}" for rule in broken}

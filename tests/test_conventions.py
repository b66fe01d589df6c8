"""Each convention of the generated project is caught, and its message says where and why.

One project is rendered, and a small app of notes is added to it that keeps every rule: its
``manage.py check`` (with ``--deploy`` under production settings), ruff and the list-queries
test all pass, which also shows that a new app, model and endpoint are checked with no edit
to the checks. Then, for each rule, a copy of that project gets one violation (a model, view,
service, setting or source line): exactly that rule must be reported, by Django's check
framework (``conventions.E0NN``), ruff (its code) or the behaviour test, naming the offender
(object or file:line) and the fix.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import production_env, project_env, render_project, run_in

pytestmark = pytest.mark.xdist_group("conventions")

# The conventions that stay behaviour tests of the generated suite, and their modules.
BEHAVIOUR_TESTS = {
    "test_list_query_count_is_constant": "common/tests/test_list_queries.py",
    "test_operations_are_documented": "common/tests/test_docs.py",
}
PYTEST_OPTIONS = ("-p", "pytest_django.plugin", "-p", "no:cacheprovider", "-o", "addopts=")
PYTEST_OPTIONS += ("--strict-markers", "-q", "-rfE")
# Settings rules read the settings they run under: production's, as ``check --deploy``.
DEPLOY_RULES = re.compile(r"^[EW]05\d$")
NOTES = "apps/notes"

# An app that keeps every rule: a model with a child, a filtered, ordered, paginated list
# with a create action, a selector, a service and a factory for each model.
NOTES_APP = {
    "__init__.py": "",
    "apps.py": """\
from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "apps.notes"
""",
    "models.py": """\
from decimal import Decimal

from django.conf import settings
from django.db import models

from common.models import BaseModel


class Note(BaseModel):
    class Kind(models.TextChoices):
        IDEA = "idea", "Idea"
        TODO = "todo", "To do"

    # PROTECT: notes stay with their author.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    title = models.CharField(max_length=100, db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.IDEA, db_index=True)
    budget = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Tag(BaseModel):
    # CASCADE: a tag means nothing without its note.
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="tags")
    label = models.CharField(max_length=30)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label
""",
    "selectors.py": """\
from django.db.models import QuerySet

from apps.notes.models import Note


def note_list(*, user) -> QuerySet[Note]:
    return Note.objects.filter(user=user).prefetch_related("tags")
""",
    "services.py": """\
from django.db import transaction

from apps.notes.models import Note


@transaction.atomic
def note_create(*, user, title: str) -> Note:
    return Note.objects.create(user=user, title=title)
""",
    "serializers.py": """\
from rest_framework import serializers

from apps.notes.models import Note, Tag


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "label"]
        read_only_fields = fields


class NoteSerializer(serializers.ModelSerializer):
    tags = TagSerializer(many=True, read_only=True)

    class Meta:
        model = Note
        fields = ["id", "title", "kind", "budget", "tags"]
        read_only_fields = fields


class NoteCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
""",
    "filters.py": """\
from apps.notes.models import Note
from common.filters import FilterSet


class NoteFilter(FilterSet):
    class Meta:
        model = Note
        fields = ["kind"]
""",
    "views.py": """\
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.notes.filters import NoteFilter
from apps.notes.models import Note
from apps.notes.selectors import note_list
from apps.notes.serializers import NoteCreateSerializer, NoteSerializer
from apps.notes.services import note_create


@extend_schema_view(  # conventions: allow W022 -- DRF's own list path, N+1s and all
    list=extend_schema(summary="List my notes", tags=["notes"]),
)
class NoteViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    filterset_class = NoteFilter
    ordering_fields = ["created_at", "title"]
    serializer_classes = {"create": NoteCreateSerializer}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Note.objects.none()
        return note_list(user=self.request.user)

    def get_serializer_class(self):
        return self.serializer_classes.get(self.action, NoteSerializer)

    @extend_schema(summary="Write a note", tags=["notes"], responses={201: NoteSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = note_create(user=request.user, **serializer.validated_data)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)
""",
    "urls.py": """\
from rest_framework.routers import DefaultRouter

from apps.notes.views import NoteViewSet

router = DefaultRouter()
router.register("notes", NoteViewSet, basename="note")

urlpatterns = router.urls
""",
    "migrations/__init__.py": "",
    "tests/__init__.py": "",
    "tests/factories.py": """\
import factory
from factory.django import DjangoModelFactory

from apps.notes.models import Note, Tag
from apps.users.tests.factories import UserFactory


class NoteFactory(DjangoModelFactory):
    class Meta:
        model = Note

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Note {n}")


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag

    note = factory.SubFactory(NoteFactory)
    label = factory.Sequence(lambda n: f"tag{n}")
""",
}


def replace(project: Path, relative: str, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in a project file."""
    path = project / relative
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not once in {relative}"
    path.write_text(text.replace(old, new))


def append(project: Path, relative: str, text: str) -> None:
    """Add ``text`` at the end of a project file (creating it if needed)."""
    path = project / relative
    path.write_text((path.read_text() if path.exists() else "") + text)


def run(project: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run ``python <args>`` in the project; return the exit status and the output."""
    result = subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env=env or project_env(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def reported(project: Path, rule: str) -> tuple[set[str], str]:
    """Run what enforces ``rule``; return the rules it reported broken, and its output."""
    if rule.startswith("ruff:"):
        _, output = run(project, "-m", "ruff", "check", "--no-cache", "--output-format=concise")
        codes = re.findall(r"\.py:\d+:\d+: ([A-Z]+\d+)", output)
        return {f"ruff:{code}" for code in codes}, output
    if rule.startswith("test_"):
        modules = [BEHAVIOUR_TESTS[rule]] if rule in BEHAVIOUR_TESTS else BEHAVIOUR_TESTS.values()
        _, output = run(project, "-m", "pytest", *modules, *PYTEST_OPTIONS)
        return set(re.findall(r"^(?:FAILED|ERROR) \S+::(\w+)", output, re.MULTILINE)), output
    if DEPLOY_RULES.match(rule):
        env = production_env(
            project / "deploy.sqlite3",
            DATABASE_URL="postgres://user:password@localhost:5432/check",
            DJANGO_ALLOWED_HOSTS="api.example.com",
            DJANGO_SECURE_SSL_REDIRECT="true",
        )
        _, output = run(project, "manage.py", "check", "--deploy", env=env)
    else:
        _, output = run(project, "manage.py", "check")
    return set(re.findall(r"\(conventions\.([EW]\d{3})\)", output)), output


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Render a project, add the notes app, and check that it passes every check."""
    project = render_project(tmp_path_factory.mktemp("conventions") / "project", use_jwt=True)
    for relative, text in NOTES_APP.items():
        path = project / NOTES / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    replace(
        project, "config/settings/base.py", '"apps.users",\n', '"apps.users",\n    "apps.notes",\n'
    )
    replace(
        project,
        "config/urls.py",
        'path("", include("apps.users.urls")),\n',
        'path("", include("apps.users.urls")),\n    path("", include("apps.notes.urls")),\n',
    )
    run_in(project, "manage.py", "makemigrations", "notes", "--name", "create_notes")
    for rule in ("E001", "E050", "ruff:", "test_"):
        found, output = reported(project, rule)
        assert not found, output[-6000:]
    assert "no issues" in reported(project, "E050")[1]
    assert re.search(r"\d+ passed", reported(project, "test_")[1])
    return project


@dataclass(frozen=True)
class Violation:
    """One broken rule: how to break it, which rule must be reported, what the message says."""

    # A check's ID ("E012"), a ruff code ("ruff:S608") or the behaviour test's name.
    rule: str
    inject: Callable[[Path], None]
    # Substrings of the failure: the offender and (part of) the rule it breaks.
    expect: tuple[str, ...]
    # The file and a text on the offending line, when the message names a file:line.
    line_of: tuple[str, str] | None = None
    # Other rules the same offence breaks, reported with it.
    also: tuple[str, ...] = ()


def model(code: str) -> Callable[[Path], None]:
    return lambda project: append(project, f"{NOTES}/models.py", code)


def add_action_without_methods(project: Path) -> None:
    replace(
        project,
        f"{NOTES}/views.py",
        "from rest_framework.permissions",
        "from rest_framework.decorators import action\nfrom rest_framework.permissions",
    )
    replace(
        project,
        f"{NOTES}/views.py",
        "    def get_serializer_class(self):\n",
        '    @extend_schema(summary="Pin a note", tags=["notes"])\n'
        "    @action(detail=True)\n"
        "    def pin(self, request, pk=None):\n"
        "        return Response(status=status.HTTP_204_NO_CONTENT)\n\n"
        "    def get_serializer_class(self):\n",
    )


def scoped_without_a_rate(project: Path) -> None:
    """Throttle the notes by a scope that no rate in the settings names."""
    replace(
        project,
        f"{NOTES}/views.py",
        "from rest_framework.response import Response\n",
        "from rest_framework.response import Response\n"
        "from rest_framework.throttling import ScopedRateThrottle\n",
    )
    replace(
        project,
        f"{NOTES}/views.py",
        "    filterset_class = NoteFilter\n",
        "    filterset_class = NoteFilter\n"
        "    throttle_classes = [ScopedRateThrottle]\n"
        '    throttle_scope = "notes"\n',
    )


def paginate_by_limit(project: Path, capped: bool) -> None:
    """Give the notes list a limit/offset pagination of its own, capped or not."""
    replace(
        project,
        f"{NOTES}/views.py",
        "from rest_framework.permissions",
        "from rest_framework.pagination import LimitOffsetPagination\n"
        "from rest_framework.permissions",
    )
    cap = "    max_limit = 50\n" if capped else ""
    replace(
        project,
        f"{NOTES}/views.py",
        "\n\n@extend_schema_view(",
        f"\n\nclass NotePagination(LimitOffsetPagination):\n    default_limit = 20\n{cap}"
        "\n\n@extend_schema_view(",
    )
    replace(
        project,
        f"{NOTES}/views.py",
        "    filterset_class = NoteFilter\n",
        "    filterset_class = NoteFilter\n    pagination_class = NotePagination\n",
    )


def n_plus_one_under_limit_offset(project: Path) -> None:
    paginate_by_limit(project, capped=True)
    replace(project, f"{NOTES}/selectors.py", '.prefetch_related("tags")', "")


def n_plus_one_under_fixed_pages(project: Path) -> None:
    """An N+1 on a list whose pages have a fixed size: no parameter to ask for 1 or 5 rows."""
    replace(
        project,
        f"{NOTES}/views.py",
        "    filterset_class = NoteFilter\n",
        "    filterset_class = NoteFilter\n"
        "    pagination_class = type('FixedPages', (PageNumberPagination,), {'page_size': 20})\n",
    )
    replace(
        project,
        f"{NOTES}/views.py",
        "from rest_framework.permissions",
        "from rest_framework.pagination import PageNumberPagination\n"
        "from rest_framework.permissions",
    )
    replace(project, f"{NOTES}/selectors.py", '.prefetch_related("tags")', "")


# The rules that read code or measure behaviour, and so must also be shown to catch a shape
# their violation below does not spell out (through a variable, a helper, a related manager,
# another pagination class).
INDIRECT_RULES = {
    "test_list_query_count_is_constant",
    "E013",
    "E030",
    "E032",
    "E033",
    "E034",
    "E035",
    "E036",
    "ruff:S105",
    "ruff:S608",
}
# The indirect shapes: what each rule must also catch beyond the shape it looks for.
INDIRECT_VIOLATIONS = {
    "n-plus-one-under-limit-offset": Violation(
        "test_list_query_count_is_constant",
        n_plus_one_under_limit_offset,
        ("apps.notes.views.NoteViewSet (/api/v1/notes/)", "queries for a page of 1", "N+1"),
    ),
    "n-plus-one-under-fixed-pages": Violation(
        "test_list_query_count_is_constant",
        n_plus_one_under_fixed_pages,
        ("apps.notes.views.NoteViewSet (/api/v1/notes/)", "queries for a page of 1", "N+1"),
    ),
    "limit-offset-without-max-limit": Violation(
        "E013",
        lambda project: paginate_by_limit(project, capped=False),
        ("apps.notes.views.NotePagination lets clients ask for any page size", "?limit="),
    ),
    "sql-formatted-in-a-variable": Violation(
        "ruff:S608",
        lambda project: append(
            project,
            f"{NOTES}/selectors.py",
            "\n\ndef note_titled(*, title: str) -> list[Note]:\n"
            "    sql = f\"SELECT * FROM notes_note WHERE title = '{title}'\"\n"
            "    return list(Note.objects.raw(sql))\n",
        ),
        ("S608",),
        (f"{NOTES}/selectors.py", "    sql = f"),
    ),
    "query-through-a-related-manager-in-a-view": Violation(
        "E033",
        lambda project: replace(
            project,
            f"{NOTES}/views.py",
            "return note_list(user=self.request.user)",
            "return self.request.user.note_set.prefetch_related('tags')",
        ),
        ("self.request.user.note_set.prefetch_related", "conventions.md#e033"),
        (f"{NOTES}/views.py", "self.request.user.note_set"),
    ),
    "query-through-a-related-manager-in-a-model": Violation(
        "E034",
        lambda project: replace(
            project,
            f"{NOTES}/models.py",
            "        return self.title\n",
            "        return self.title\n\n    def labels(self) -> list[str]:\n"
            "        return [tag.label for tag in self.tags.all()]\n",
        ),
        ("apps.notes.models.Note.labels", "self.tags.all()"),
        (f"{NOTES}/models.py", "self.tags.all()"),
    ),
    "write-through-a-related-manager-in-a-validator": Violation(
        "E035",
        lambda project: append(
            project,
            f"{NOTES}/serializers.py",
            "\n    def validate_title(self, value):\n"
            "        self.context['request'].user.note_set.create(title=value)\n"
            "        return value\n",
        ),
        ("NoteCreateSerializer.validate_title", "conventions.md#e035"),
        (f"{NOTES}/serializers.py", ".note_set.create("),
    ),
    "secrets-in-defaults": Violation(
        "E036",
        lambda project: append(
            project,
            f"{NOTES}/partner.py",
            "import environ\n\nenv = environ.Env()\n"
            'STRIPE_API_KEY = env("STRIPE_API_KEY", default="sk_test_4eC39HqLyjWDarjtT1zdp7dc")\n'
            "REPLICA_DATABASE_URL = env(\n"
            '    "REPLICA_DATABASE_URL", default="postgres://app:s3cret@replica:5432/app"\n'
            ")\n",
        ),
        (
            "STRIPE_API_KEY holds a key or a password",
            "REPLICA_DATABASE_URL holds a key or a password",
        ),
        (f"{NOTES}/partner.py", "STRIPE_API_KEY ="),
    ),
    "database-password-in-settings": Violation(
        "ruff:S105",
        lambda project: append(
            project,
            "config/settings/production.py",
            'DATABASES["default"]["PASSWORD"] = "s3cret-database-password"\n',
        ),
        ("S105", "PASSWORD"),
        ("config/settings/production.py", 'DATABASES["default"]["PASSWORD"]'),
    ),
    "sql-grown-piece-by-piece": Violation(
        "E038",
        lambda project: append(
            project,
            f"{NOTES}/selectors.py",
            "\n\ndef note_titled(*, title: str) -> list[Note]:\n"
            '    sql = "SELECT * FROM notes_note"\n'
            '    sql += " WHERE title = \'" + title + "\'"\n'
            "    return list(Note.objects.raw(sql))\n",
        ),
        ("the SQL is built from values: Note.objects.raw(sql)", "conventions.md#e038"),
        (f"{NOTES}/selectors.py", "Note.objects.raw(sql)"),
    ),
    "service-writes-in-a-helper": Violation(
        "E032",
        lambda project: append(
            project,
            f"{NOTES}/services.py",
            "\n\ndef _forget(note: Note) -> None:\n    note.tags.all().delete()\n"
            "    note.delete()\n\n\ndef note_forget(*, note: Note) -> None:\n"
            "    _forget(note)\n",
        ),
        ("note_forget writes", "outside transaction.atomic"),
        (f"{NOTES}/services.py", "def note_forget("),
    ),
    "editable-inline": Violation(
        "E030",
        lambda project: replace(
            project,
            "apps/orders/admin.py",
            '    fields = ("product", "quantity", "unit_price")\n    readonly_fields = fields\n',
            '    fields = ("product", "quantity", "unit_price")\n',
        ),
        (
            "inline apps.orders.admin.OrderItemInline edits orders.OrderItem rows directly",
            "conventions.md#e030",
        ),
    ),
}

VIOLATIONS = {
    "model-without-base-model": Violation(
        "E001",
        model(
            "\n\nclass Plain(models.Model):\n    name = models.CharField(max_length=9)\n\n"
            "    class Meta:\n        ordering = ['name']\n\n"
            "    def __str__(self) -> str:\n        return self.name\n"
        ),
        ("apps.notes.models.Plain", "Derive the model from BaseModel", "conventions.md#e001"),
        (f"{NOTES}/models.py", "class Plain("),
    ),
    "model-without-str": Violation(
        "E007",
        model(
            "\n\nclass Nameless(BaseModel):\n    class Meta:\n        ordering = ['created_at']\n"
        ),
        ("apps.notes.models.Nameless", "has no __str__"),
        (f"{NOTES}/models.py", "class Nameless("),
    ),
    "model-without-ordering": Violation(
        "E002",
        model(
            "\n\nclass Unordered(BaseModel):\n    def __str__(self) -> str:\n        return ''\n"
        ),
        ("apps.notes.models.Unordered", "has no Meta.ordering"),
        (f"{NOTES}/models.py", "class Unordered("),
    ),
    "float-money": Violation(
        "E003",
        lambda project: replace(
            project,
            f"{NOTES}/models.py",
            "budget = models.DecimalField(max_digits=10, decimal_places=2, ",
            "budget = models.FloatField(",
        ),
        ("apps.notes.models.Note.budget", "budget is a FloatField"),
        (f"{NOTES}/models.py", "budget = models.FloatField("),
    ),
    "choices-without-text-choices": Violation(
        "E004",
        lambda project: replace(
            project,
            f"{NOTES}/models.py",
            "choices=Kind.choices",
            "choices=[('idea', 'Idea'), ('todo', 'To do')]",
        ),
        ("choices written out in the field", "conventions.md#e004"),
        (f"{NOTES}/models.py", "kind = models.CharField("),
    ),
    "cascade-without-reason": Violation(
        "E005",
        lambda project: replace(
            project,
            f"{NOTES}/models.py",
            "    # CASCADE: a tag means nothing without its note.\n",
            "",
        ),
        ("apps.notes.models.Tag.note", "note has on_delete=CASCADE and no reason"),
        (f"{NOTES}/models.py", "note = models.ForeignKey("),
    ),
    "ordering-by-unindexed-field": Violation(
        "E021",
        lambda project: replace(
            project, f"{NOTES}/views.py", '["created_at", "title"]', '["created_at", "budget"]'
        ),
        ("apps.notes.views.NoteViewSet (/api/v1/notes/)", "budget (Note.budget) is not indexed"),
    ),
    "auto-named-migration": Violation(
        "E006",
        lambda project: append(
            project,
            f"{NOTES}/migrations/0002_auto_20260101_1200.py",
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
            "    dependencies = [('notes', '0001_create_notes')]\n    operations = []\n",
        ),
        (f"{NOTES}/migrations/0002_auto_20260101_1200.py:1", "automatic name"),
    ),
    "view-without-permissions": Violation(
        "E010",
        lambda project: replace(
            project, f"{NOTES}/views.py", "    permission_classes = [IsAuthenticated]\n", ""
        ),
        ("apps.notes.views.NoteViewSet", "has no permission_classes of its own"),
        (f"{NOTES}/views.py", "@extend_schema_view("),
    ),
    "view-without-throttle": Violation(
        "E011",
        lambda project: replace(
            project,
            f"{NOTES}/views.py",
            "    filterset_class = NoteFilter\n",
            "    filterset_class = NoteFilter\n    throttle_classes = ()\n",
        ),
        ("apps.notes.views.NoteViewSet (/api/v1/notes/)", "NoteViewSet has no throttle"),
    ),
    "list-without-pagination": Violation(
        "E013",
        lambda project: replace(
            project,
            f"{NOTES}/views.py",
            "    filterset_class = NoteFilter\n",
            "    filterset_class = NoteFilter\n    pagination_class = None\n",
        ),
        ("apps.notes.views.NoteViewSet (/api/v1/notes/)", "has no pagination_class"),
    ),
    "ordering-all-fields": Violation(
        "E014",
        lambda project: replace(
            project, f"{NOTES}/views.py", '["created_at", "title"]', '"__all__"'
        ),
        ("ordering_fields is '__all__'", "conventions.md#e014"),
    ),
    "unversioned-url": Violation(
        "E016",
        lambda project: replace(
            project,
            "config/urls.py",
            'path("api/health/", ',
            'path("api/", include("apps.notes.urls")),\n    path("api/health/", ',
        ),
        ("/api/notes/ has no /api/v<N>/ prefix", "conventions.md#e016"),
    ),
    "inconsistent-url-name": Violation(
        "E017",
        lambda project: replace(project, f"{NOTES}/urls.py", 'basename="note"', 'basename="Note"'),
        ("the URL name 'Note-list'", "conventions.md#e017"),
    ),
    "one-serializer-for-read-and-write": Violation(
        "E018",
        lambda project: replace(
            project, f"{NOTES}/views.py", '{"create": NoteCreateSerializer}', "{}"
        ),
        ("NoteViewSet reads and creates with apps.notes.serializers.NoteSerializer",),
    ),
    "readable-password": Violation(
        "E019",
        lambda project: append(
            project,
            f"{NOTES}/serializers.py",
            "\n\nclass ShareSerializer(serializers.Serializer):\n"
            "    password = serializers.CharField()\n",
        ),
        ("apps.notes.serializers.ShareSerializer", "the field 'password' is readable"),
        (f"{NOTES}/serializers.py", "class ShareSerializer("),
    ),
    "scope-without-a-rate": Violation(
        "E012",
        scoped_without_a_rate,
        ("throttle_scope 'notes' has no rate", "conventions.md#e012"),
    ),
    "inline-filters": Violation(
        "E015",
        lambda project: replace(
            project,
            f"{NOTES}/views.py",
            "    filterset_class = NoteFilter\n",
            '    filterset_fields = ["kind"]\n',
        ),
        ("no filterset_class (filters declared inline, or none)", "conventions.md#e015"),
    ),
    "production-without-throttles": Violation(
        "E051",
        lambda project: append(
            project,
            "config/settings/production.py",
            'REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = []\n',
        ),
        ("conventions.md#e051",),
        also=("E011",),
    ),
    "production-trusts-every-proxy": Violation(
        "E052",
        lambda project: append(
            project, "config/settings/production.py", 'REST_FRAMEWORK["NUM_PROXIES"] = None\n'
        ),
        ("NUM_PROXIES", "conventions.md#e052"),
    ),
    "production-without-pagination": Violation(
        "E053",
        lambda project: append(
            project,
            "config/settings/production.py",
            'REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] = None\n',
        ),
        ("conventions.md#e053",),
        also=("E013",),
    ),
    "production-without-error-handler": Violation(
        "E054",
        lambda project: append(
            project, "config/settings/production.py", 'del REST_FRAMEWORK["EXCEPTION_HANDLER"]\n'
        ),
        ("EXCEPTION_HANDLER", "conventions.md#e054"),
    ),
    "production-browsable-api": Violation(
        "E055",
        lambda project: append(
            project,
            "config/settings/production.py",
            'REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")\n',
        ),
        ("BrowsableAPIRenderer", "conventions.md#e055"),
    ),
    "production-on-sqlite": Violation(
        "E057",
        lambda project: append(
            project,
            "config/settings/production.py",
            'DATABASES["default"]["ENGINE"] = "django.db.backends.sqlite3"\n',
        ),
        ("django.db.backends.sqlite3", "conventions.md#e057"),
    ),
    "list-through-drf": Violation(
        "W022",
        lambda project: replace(
            project,
            f"{NOTES}/views.py",
            "  # conventions: allow W022 -- DRF's own list path, N+1s and all",
            "",
        ),
        ("NoteViewSet lists through DRF's own path", "conventions.md#w022"),
        (f"{NOTES}/views.py", "@extend_schema_view("),
    ),
    "undocumented-operation": Violation(
        "test_operations_are_documented",
        lambda project: replace(project, f"{NOTES}/views.py", 'summary="Write a note", ', ""),
        ("POST /api/v1/notes/: no summary",),
    ),
    "n-plus-one-list": Violation(
        "test_list_query_count_is_constant",
        lambda project: replace(project, f"{NOTES}/selectors.py", '.prefetch_related("tags")', ""),
        ("apps.notes.views.NoteViewSet (/api/v1/notes/)", "queries for a page of 1", "N+1"),
    ),
    "admin-without-service": Violation(
        "E030",
        lambda project: append(
            project,
            f"{NOTES}/admin.py",
            "from django.contrib import admin\n\nfrom apps.notes.models import Note\n\n\n"
            "@admin.register(Note)\nclass NoteAdmin(admin.ModelAdmin):\n"
            "    list_display = ['title']\n",
        ),
        (
            "apps.notes.admin.NoteAdmin",
            "NoteAdmin adds or changes notes.Note rows without a service",
        ),
        (f"{NOTES}/admin.py", "@admin.register(Note)"),
    ),
    "production-allows-anyone": Violation(
        "E050",
        lambda project: append(
            project,
            "config/settings/production.py",
            'REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] = '
            '["rest_framework.permissions.AllowAny"]\n',
        ),
        (
            "DEFAULT_PERMISSION_CLASSES is ['rest_framework.permissions.AllowAny']",
            "conventions.md#e050",
        ),
    ),
    "cors-allows-all": Violation(
        "E056",
        lambda project: append(
            project, "config/settings/production.py", "CORS_ALLOW_ALL_ORIGINS = True\n"
        ),
        ("CORS_ALLOW_ALL_ORIGINS is on", "conventions.md#e056"),
    ),
    "production-local-memory-cache": Violation(
        "E058",
        lambda project: append(
            project,
            "config/settings/production.py",
            'CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}\n',
        ),
        ("the cache backend is django.core.cache.backends.locmem.LocMemCache",),
    ),
    "removed-setting": Violation(
        "E059",
        lambda project: append(
            project, "config/settings/production.py", "SECURE_BROWSER_XSS_FILTER = True\n"
        ),
        ("SECURE_BROWSER_XSS_FILTER is set", "conventions.md#e059"),
    ),
    "positional-service": Violation(
        "E031",
        lambda project: append(
            project,
            f"{NOTES}/services.py",
            "\n\n@transaction.atomic\ndef note_rename(note, title):\n"
            "    note.title = title\n    note.save()\n",
        ),
        ("apps.notes.services.note_rename", "note_rename takes positional arguments"),
        (f"{NOTES}/services.py", "def note_rename("),
    ),
    "service-writes-outside-transaction": Violation(
        "E032",
        lambda project: append(
            project,
            f"{NOTES}/services.py",
            "\n\ndef note_forget(*, note: Note) -> None:\n    note.delete()\n",
        ),
        ("note_forget writes", "outside transaction.atomic"),
        (f"{NOTES}/services.py", "def note_forget("),
    ),
    "model-method-with-a-query": Violation(
        "E034",
        lambda project: replace(
            project,
            f"{NOTES}/models.py",
            "        return self.title\n",
            "        return self.title\n\n    def siblings(self):\n"
            "        return Note.objects.filter(user=self.user)\n",
        ),
        ("apps.notes.models.Note.siblings", "Note.objects.filter(user=self.user)"),
        (f"{NOTES}/models.py", "return Note.objects.filter(user=self.user)"),
    ),
    "validator-that-writes": Violation(
        "E035",
        lambda project: append(
            project,
            f"{NOTES}/serializers.py",
            "\n    def validate_title(self, value):\n"
            "        Tag.objects.create(note=None, label=value)\n        return value\n",
        ),
        ("NoteCreateSerializer.validate_title", "conventions.md#e035"),
        (f"{NOTES}/serializers.py", "Tag.objects.create("),
    ),
    "query-in-view": Violation(
        "E033",
        lambda project: replace(
            project,
            f"{NOTES}/views.py",
            "return note_list(user=self.request.user)",
            "return Note.objects.filter(user=self.request.user).prefetch_related('tags')",
        ),
        ("Note.objects.filter(user=self.request.user)", "conventions.md#e033"),
        (f"{NOTES}/views.py", "return Note.objects.filter("),
    ),
    "f-string-sql": Violation(
        "ruff:S608",
        lambda project: append(
            project,
            f"{NOTES}/selectors.py",
            "\n\ndef note_titled(*, title: str) -> list[Note]:\n"
            "    return list(Note.objects.raw("
            "f\"SELECT * FROM notes_note WHERE title = '{title}'\"))\n",
        ),
        ("S608",),
        (f"{NOTES}/selectors.py", "Note.objects.raw(f"),
    ),
    "serializer-all-fields": Violation(
        "E020",
        lambda project: append(
            project,
            f"{NOTES}/serializers.py",
            "\n\nclass NoteExportSerializer(serializers.ModelSerializer):\n"
            "    class Meta:\n        model = Note\n        fields = '__all__'\n",
        ),
        ('NoteExportSerializer has "__all__"', "conventions.md#e020"),
        (f"{NOTES}/serializers.py", "fields = '__all__'"),
    ),
    "hardcoded-secret": Violation(
        "ruff:S105",
        lambda project: append(
            project, f"{NOTES}/partner.py", 'PARTNER_API_TOKEN = "c2VjcmV0LXRva2VuLXZhbHVl"\n'
        ),
        ("S105", "PARTNER_API_TOKEN"),
        (f"{NOTES}/partner.py", "PARTNER_API_TOKEN"),
    ),
    "logic-in-urls": Violation(
        "E037",
        lambda project: append(
            project, f"{NOTES}/urls.py", "\n\ndef extra_patterns() -> list:\n    return []\n"
        ),
        ("defines a function extra_patterns", "conventions.md#e037"),
        (f"{NOTES}/urls.py", "def extra_patterns("),
    ),
}


def line_number(path: Path, text: str) -> int:
    """Return the number of the first line of ``path`` that contains ``text``."""
    lines = path.read_text().splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def test_every_rule_has_a_violation(baseline: Path) -> None:
    """A rule added to the checks without a violation here is caught."""
    ids = {
        rule_id
        for path in (baseline / "common/checks").glob("*.py")
        for rule_id in re.findall(
            r'^\w+ = Rule\(\n\s+"([EW]\d{3})"', path.read_text(), re.MULTILINE
        )
    }
    covered = {
        violation.rule for violation in [*VIOLATIONS.values(), *INDIRECT_VIOLATIONS.values()]
    }
    assert ids, "no rule found in common/checks"
    assert ids <= covered, f"rules without a violation: {sorted(ids - covered)}"


def test_every_rule_has_an_indirect_violation() -> None:
    """Each rule that reads code or behaviour is also proven on a shape it does not name."""
    indirect = {violation.rule for violation in INDIRECT_VIOLATIONS.values()}
    assert indirect >= INDIRECT_RULES, sorted(INDIRECT_RULES - indirect)


@pytest.mark.parametrize("name", list(VIOLATIONS) + list(INDIRECT_VIOLATIONS))
def test_rule_is_reported_on_its_violation(baseline: Path, tmp_path: Path, name: str) -> None:
    violation = VIOLATIONS.get(name) or INDIRECT_VIOLATIONS[name]
    project = shutil.copytree(
        baseline,
        tmp_path / "project",
        ignore=shutil.ignore_patterns(".venv", "__pycache__", "*.sqlite3"),
    )
    violation.inject(project)

    found, output = reported(project, violation.rule)

    if violation.rule.startswith("ruff:"):
        assert violation.rule in found, output[-6000:]
    else:
        assert found == {violation.rule, *violation.also}, output[-6000:]
    for text in violation.expect:
        assert text in output, f"{text!r} not in the output:\n{output[-6000:]}"
    if violation.line_of is not None:
        relative, text = violation.line_of
        place = f"{relative}:{line_number(project / relative, text)}"
        assert place in output, f"{place} not in the output:\n{output[-6000:]}"

"""Tests for list endpoints read as values (``common.lists``), on models every project has."""

import json
from datetime import UTC, datetime, timedelta
from decimal import ROUND_UP, Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    DurationField,
    Field,
    FloatField,
    JSONField,
    Prefetch,
    QuerySet,
    TimeField,
    UUIDField,
    Value,
    When,
)
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import Settings
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from apps.users.models import User
from apps.users.tests.factories import UserFactory
from common.lists import ValuesListModelMixin, ValuesPlan
from common.pagination import StandardPagination

pytestmark = pytest.mark.django_db
KOLKATA = ZoneInfo("Asia/Kolkata")


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "is_staff", "date_joined", "last_login", "session_generation"]
        read_only_fields = fields


class KindSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContentType
        fields = ["id", "app_label", "model"]
        read_only_fields = fields


class PermissionSerializer(serializers.ModelSerializer):
    content_type = KindSerializer(read_only=True)
    kind = serializers.PrimaryKeyRelatedField(source="content_type", read_only=True)
    app = serializers.CharField(source="content_type.app_label", read_only=True)

    class Meta:
        model = Permission
        fields = ["id", "name", "codename", "content_type", "kind", "app"]
        read_only_fields = fields


class EntryIdSerializer(serializers.ModelSerializer):
    class Meta:
        model = LogEntry
        fields = ["id", "object_repr"]
        read_only_fields = fields


class KindWithPermissionsSerializer(KindSerializer):
    permissions = PermissionSerializer(many=True, read_only=True, source="permission_set")
    entries = EntryIdSerializer(many=True, read_only=True, source="logentry_set")
    permission_count = serializers.IntegerField(read_only=True)
    share = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)

    class Meta(KindSerializer.Meta):
        fields = [
            *KindSerializer.Meta.fields,
            "permissions",
            "entries",
            "permission_count",
            "share",
        ]


class LabelledAccountSerializer(AccountSerializer):
    label = serializers.SerializerMethodField()

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "label"]

    def get_label(self, user: User) -> str:
        return str(user)


class EntrySerializer(serializers.ModelSerializer):
    content_type = KindSerializer(read_only=True)
    app = serializers.CharField(source="content_type.app_label", read_only=True, allow_null=True)
    action = serializers.CharField(source="get_action_flag_display", read_only=True)
    # The admin keeps the object's key as text, or none.
    object_number = serializers.IntegerField(source="object_id", read_only=True)

    class Meta:
        model = LogEntry
        fields = ["id", "object_repr", "content_type", "app", "action", "object_number"]
        read_only_fields = fields


class EntryAppSerializer(serializers.ModelSerializer):
    app = serializers.CharField(source="content_type.app_label", read_only=True)

    class Meta:
        model = LogEntry
        fields = ["id", "app"]
        read_only_fields = fields


def kinds() -> QuerySet[ContentType]:
    permissions = Permission.objects.order_by("-codename")
    # Three decimal places shown with two: the plan quantizes as DRF does.
    share = Value(Decimal("2.125"), output_field=DecimalField(max_digits=6, decimal_places=3))
    return (
        ContentType.objects.filter(app_label="auth")
        .prefetch_related(Prefetch("permission_set", queryset=permissions))
        .annotate(permission_count=Count("permission"), share=share)
        .order_by("model")
    )


def test_nested_objects_and_lists_are_read_in_one_query_each() -> None:
    queryset = kinds()
    plan = ValuesPlan.for_queryset(KindWithPermissionsSerializer, queryset)

    with CaptureQueriesContext(connection) as queries:
        planned = plan.represent(queryset)

    assert len(queries) == 3
    assert planned == KindWithPermissionsSerializer(queryset, many=True).data
    assert all(kind["permissions"] and kind["share"] == "2.12" for kind in planned)


class KindPermissionsSerializer(KindSerializer):
    permissions = PermissionSerializer(many=True, read_only=True, source="permission_set")

    class Meta(KindSerializer.Meta):
        fields = [*KindSerializer.Meta.fields, "permissions"]


def test_a_plan_shows_the_columns_as_the_serializer_does(user: User) -> None:
    UserFactory(is_staff=True, last_login=timezone.now())
    accounts = User.objects.order_by("email")
    kind = ContentType.objects.get_for_model(User)
    LogEntry.objects.create(
        user=user, content_type=kind, action_flag=ADDITION, object_repr="a", object_id="7"
    )
    LogEntry.objects.create(user=user, content_type=None, action_flag=CHANGE, object_repr="b")
    entries = LogEntry.objects.order_by("object_repr")

    planned = ValuesPlan.for_queryset(EntrySerializer, entries).represent(entries)
    # A nested list with no ``Prefetch`` queryset: the relation's own rows, by its accessor.
    auth = ContentType.objects.filter(app_label="auth").prefetch_related("permission_set")
    assert ValuesPlan.for_queryset(KindPermissionsSerializer, auth).represent(auth) == (
        KindPermissionsSerializer(auth, many=True).data
    )
    planned_accounts = ValuesPlan.for_queryset(AccountSerializer, accounts).represent(accounts)

    assert planned_accounts == AccountSerializer(accounts, many=True).data
    assert {account["last_login"] is None for account in planned_accounts} == {True, False}
    # A relation that may be null, nested and across; a choice's label.
    assert planned == EntrySerializer(entries, many=True).data
    assert [(entry["content_type"] is None, entry["app"]) for entry in planned] == [
        (False, kind.app_label),
        (True, None),
    ]
    assert [entry["action"] for entry in planned] == ["Addition", "Change"]
    assert [entry["object_number"] for entry in planned] == [7, None]


class NamedAccountSerializer(AccountSerializer):
    name = serializers.CharField(source="get_full_name")

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "name"]


class PermissionKindSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="content_type")  # the object's text, not its key

    class Meta:
        model = Permission
        fields = ["id", "kind"]
        read_only_fields = fields


class GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ["id", "name"]
        read_only_fields = fields


class AccountGroupsSerializer(AccountSerializer):
    groups = GroupSerializer(many=True, read_only=True)

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "groups"]


class GroupMembersSerializer(GroupSerializer):
    members = AccountSerializer(many=True, read_only=True, source="user_set")

    class Meta(GroupSerializer.Meta):
        fields = [*GroupSerializer.Meta.fields, "members"]


def test_a_serializer_values_cannot_give_has_no_plan() -> None:
    accounts = User.objects.all()

    assert ValuesPlan.for_queryset(LabelledAccountSerializer, accounts) is None
    assert ValuesPlan.for_queryset(NamedAccountSerializer, accounts) is None
    assert ValuesPlan.for_queryset(PermissionKindSerializer, Permission.objects.all()) is None
    # Many-to-many relations, either way.
    assert ValuesPlan.for_queryset(AccountGroupsSerializer, accounts) is None
    assert ValuesPlan.for_queryset(GroupMembersSerializer, Group.objects.all()) is None
    # DRF leaves out a field whose relation on the way is null, unless it allows null.
    assert ValuesPlan.for_queryset(EntryAppSerializer, LogEntry.objects.all()) is None


def view(
    mixin: type, serializer: type[serializers.Serializer], queryset: QuerySet, *, paginated: bool
) -> object:
    class ListView(mixin, viewsets.GenericViewSet):
        permission_classes = [AllowAny]
        pagination_class = StandardPagination if paginated else None
        serializer_class = serializer

        def get_queryset(self) -> QuerySet:
            return queryset

    return ListView.as_view({"get": "list"})


@pytest.mark.parametrize("paginated", [True, False])
@pytest.mark.parametrize(
    ("serializer", "queryset"),
    [
        (KindWithPermissionsSerializer, kinds),
        (LabelledAccountSerializer, lambda: User.objects.order_by("email")),
    ],
    ids=["planned", "not-planned"],
)
def test_the_mixin_answers_as_drfs_list(
    serializer: type[serializers.Serializer], queryset: object, *, paginated: bool
) -> None:
    UserFactory.create_batch(3)
    request = APIRequestFactory().get("/things/", {"page_size": 2})
    answers = [
        view(mixin, serializer, queryset(), paginated=paginated)(request)
        for mixin in (ValuesListModelMixin, mixins.ListModelMixin)
    ]

    # As a client reads them.
    fast, drf = (json.loads(JSONRenderer().render(answer.data)) for answer in answers)
    assert fast == drf
    assert len(fast["results"] if paginated else fast) == (2 if paginated else len(drf))


def test_the_page_count_joins_nothing_the_columns_need() -> None:
    request = APIRequestFactory().get("/permissions/")
    permissions = Permission.objects.order_by("codename")
    list_view = view(ValuesListModelMixin, PermissionSerializer, permissions, paginated=True)

    with CaptureQueriesContext(connection) as queries:
        list_view(request)

    count_query, page_query = (query["sql"] for query in queries)
    assert "COUNT" in count_query.upper()
    assert "JOIN" not in count_query.upper()
    assert "JOIN" in page_query.upper()


def sometimes(value: object, output_field: Field) -> Case:
    """Return ``value`` on staff rows, null on the others."""
    return Case(When(is_staff=True, then=Value(value)), output_field=output_field)


class KindsSerializer(serializers.Serializer):
    """Every field kind the plan reads, over columns it shows as they are and others."""

    text = serializers.CharField()
    secret = serializers.CharField(write_only=True, source="text")  # never shown
    number_as_text = serializers.CharField(source="session_generation")
    number = serializers.IntegerField(source="session_generation")
    text_as_number = serializers.IntegerField(source="text")
    flag = serializers.BooleanField(source="is_staff")
    number_as_flag = serializers.BooleanField(source="session_generation")
    choice = serializers.ChoiceField(choices=[("1", "one")], source="text")
    unknown_choice = serializers.ChoiceField(choices=[("2", "two")], source="text")
    number_as_choice = serializers.ChoiceField(choices=[1, 2], source="session_generation")
    uuid = serializers.UUIDField()
    uuid_hex = serializers.UUIDField(format="hex", source="uuid")
    money = serializers.DecimalField(max_digits=7, decimal_places=3)
    money_short = serializers.DecimalField(max_digits=7, decimal_places=2, source="money")
    money_number = serializers.DecimalField(
        max_digits=7, decimal_places=3, coerce_to_string=False, source="money"
    )
    money_up = serializers.DecimalField(
        max_digits=7, decimal_places=2, rounding=ROUND_UP, source="money"
    )
    money_local = serializers.DecimalField(
        max_digits=7, decimal_places=3, localize=True, source="money"
    )
    joined = serializers.DateTimeField(source="date_joined")
    joined_utc = serializers.DateTimeField(source="date_joined", default_timezone=UTC)
    joined_kolkata = serializers.DateTimeField(source="date_joined", default_timezone=KOLKATA)
    joined_day = serializers.DateTimeField(source="date_joined", format="%Y-%m-%d")
    joined_week = serializers.DateTimeField(source="date_joined", format="week %W")
    joined_raw = serializers.DateTimeField(source="date_joined", format=None)
    seen = serializers.DateTimeField(source="last_login")
    day = serializers.DateField()
    time = serializers.TimeField()
    span = serializers.DurationField()
    ratio = serializers.FloatField()
    data = serializers.JSONField()


def test_every_field_kind_reads_as_drf_shows_it(settings: Settings) -> None:
    settings.USE_THOUSAND_SEPARATOR = True  # "1,234.505", localized
    when = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    UserFactory(is_staff=True, date_joined=when, last_login=when, session_generation=1)
    UserFactory(is_staff=False, date_joined=when.astimezone(KOLKATA))
    rows = User.objects.annotate(
        text=sometimes("1", CharField()),
        uuid=sometimes(UUID(int=7), UUIDField()),
        money=sometimes(Decimal("1234.505"), DecimalField(max_digits=7, decimal_places=3)),
        day=sometimes(when.date(), DateField()),
        time=sometimes(when.time(), TimeField()),
        span=sometimes(timedelta(days=1, seconds=5), DurationField()),
        ratio=sometimes(0.5, FloatField()),
        data=sometimes(json.dumps({"a": [1]}), JSONField()),
    ).order_by("-is_staff")

    planned = ValuesPlan.build(KindsSerializer(), rows).represent(rows)

    assert planned == KindsSerializer(rows, many=True).data
    assert [type(row["joined_raw"]) for row in planned] == [datetime, datetime]
    assert [row["money_local"] for row in planned] == ["1,234.505", None]
    assert [row["money_up"] for row in planned] == ["1234.51", None]
    assert [row["seen"][-1:] if row["seen"] else None for row in planned] == ["Z", None]

"""The query-string filters: date-times in UTC, strict booleans, decimals the database holds."""

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models

from apps.users.tests.factories import UserFactory
from common.filters import (
    SEARCH_MAX_WORDS,
    SEARCH_PATTERN,
    BooleanFilter,
    BoundedDecimalField,
    BoundedIsoDateTimeField,
    DecimalFilter,
    FilterSet,
    IsoDateTimeFilter,
    StrictBooleanField,
)

EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
FAR_EAST = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=20)))
# When the user in the database tests joined.
JOINED = datetime(2024, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-01T00:00:00+14:00", datetime(2023, 12, 31, 10, tzinfo=UTC)),
        ("2024-01-01T00:00:00-14:00", datetime(2024, 1, 1, 14, tzinfo=UTC)),
        # Offsets no place uses, but RFC 3339 allows (PostgreSQL refuses beyond ±15:59).
        ("2024-01-01T00:00:00+23:59", datetime(2023, 12, 31, 0, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00-18:00", datetime(2024, 1, 1, 18, tzinfo=UTC)),
        ("2024-01-01T00:00:00-23:59", datetime(2024, 1, 1, 23, 59, tzinfo=UTC)),
        ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", EARLIEST),
        ("0001-01-01T00:00:00", EARLIEST),
        ("9999-12-31T23:59:59.999999+00:00", LATEST),
        # Before year 1 and after year 9999 once in UTC: the first and last instants.
        ("0001-01-01T00:00:00+05:00", EARLIEST),
        ("0001-01-01T04:59:59.999999+05:00", EARLIEST),
        ("0001-01-01T05:00:00+05:00", EARLIEST),
        ("9999-12-31T23:59:59-05:00", LATEST),
        ("9999-12-31T23:59:59.9-00:01", LATEST),
        ("9999-12-31T18:59:59.999999-05:00", LATEST),
        # A datetime object is converted too.
        (FAR_EAST, FAR_EAST),
    ],
)
def test_reads_every_offset_in_utc(value: str | datetime, expected: datetime) -> None:
    result = BoundedIsoDateTimeField().clean(value)

    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    ["notadate", "2024-13-45T00:00:00Z", "2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00-99:00"],
)
def test_still_refuses_what_is_not_a_date_time(value: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        BoundedIsoDateTimeField().clean(value)

    assert excinfo.value.code == "invalid"


def test_an_empty_value_is_no_filter() -> None:
    assert BoundedIsoDateTimeField(required=False).clean("") is None


class JoinedFilter(FilterSet):
    """A half-open range of date-times, as the lists declare them, on a model every project has."""

    joined_after = IsoDateTimeFilter(field_name="date_joined", lookup_expr="gte")
    joined_before = IsoDateTimeFilter(field_name="date_joined", lookup_expr="lt")

    class Meta:
        model = get_user_model()
        fields = ["joined_after", "joined_before"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "joined_after"),
    [
        # The instant the user joined, and one second later, at offsets PostgreSQL refuses.
        ("2024-01-02T11:59:00+23:59", True),
        ("2024-01-02T11:59:01+23:59", False),
        ("2023-12-31T18:00:00-18:00", True),
        ("2023-12-31T18:00:01-18:00", False),
        ("2023-12-31T12:01:00-23:59", True),
        ("2023-12-31T12:01:01-23:59", False),
        # Before year 1 and after year 9999 in UTC: every user joined after the first, before
        # the second.
        ("0001-01-01T00:00:00+05:00", True),
        ("9999-12-31T23:59:59-05:00", False),
    ],
)
def test_the_database_compares_every_offset_in_utc(value: str, joined_after: bool) -> None:
    user = UserFactory(date_joined=JOINED)
    users = get_user_model().objects.all()

    after = JoinedFilter(data={"joined_after": value}, queryset=users).qs
    before = JoinedFilter(data={"joined_before": value}, queryset=users).qs

    assert list(after) == ([user] if joined_after else [])
    assert list(before) == ([] if joined_after else [user])


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("false", False), ("True", True), ("FALSE", False), ("", None), (None, None)],
)
def test_boolean_field_reads_true_false_and_nothing(
    value: str | None, expected: bool | None
) -> None:
    assert StrictBooleanField(required=False).clean(value) is expected


@pytest.mark.parametrize("value", ["null", "1", "yes", "on", "t"])
def test_boolean_field_refuses_anything_else(value: str) -> None:
    with pytest.raises(ValidationError) as error:
        StrictBooleanField(required=False).clean(value)

    assert error.value.code == "invalid"


def test_generated_boolean_filters_are_strict() -> None:
    class UserFilter(FilterSet):
        class Meta:
            model = get_user_model()
            fields = ["is_active"]

    filters = UserFilter(data={"is_active": "null"}, queryset=get_user_model().objects.none())

    assert isinstance(filters.filters["is_active"], BooleanFilter)
    assert not filters.is_valid()
    assert "is_active" in filters.errors


@pytest.mark.parametrize("value", ["1e-16384", "-1e-16384", "1.5e-16383", "1e-99999999"])
def test_decimal_field_refuses_more_decimals_than_the_database_holds(value: str) -> None:
    with pytest.raises(ValidationError) as error:
        BoundedDecimalField().clean(value)

    assert error.value.code == "out_of_range"


@pytest.mark.parametrize("value", ["1e-16383", "9.99", "1e50", "-3", "0"])
def test_decimal_field_takes_what_the_database_holds(value: str) -> None:
    assert BoundedDecimalField().clean(value) == Decimal(value)


class ScoreFilter(FilterSet):
    """A decimal bound on a decimal the database computes, on a model every project has."""

    min_score = DecimalFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = get_user_model()
        fields = ["min_score"]


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "valid"), [("1e-16384", False), ("1e-16383", True)])
def test_the_database_is_asked_only_what_it_can_compare(value: str, valid: bool) -> None:
    user = UserFactory()
    scored = get_user_model().objects.annotate(
        score=models.Value(
            Decimal("0.01"), output_field=models.DecimalField(max_digits=10, decimal_places=2)
        )
    )

    filters = ScoreFilter(data={"min_score": value}, queryset=scored)

    assert filters.is_valid() is valid
    if valid:
        assert list(filters.qs) == [user]


def test_generated_decimal_filters_are_bounded() -> None:
    assert FilterSet.FILTER_DEFAULTS[models.DecimalField]["filter_class"] is DecimalFilter


@pytest.mark.parametrize(
    ("search", "words"),
    [
        ("", 0),
        ("desk", 1),
        (" desk,lamp  ", 2),
        ('"oak desk" lamp', 3),
        (" ".join(["w"] * SEARCH_MAX_WORDS), SEARCH_MAX_WORDS),
        (",".join(["w"] * (SEARCH_MAX_WORDS + 1)), SEARCH_MAX_WORDS + 1),
        ("\u3000".join(["w"] * (SEARCH_MAX_WORDS + 1)), SEARCH_MAX_WORDS + 1),
        # Whitespace to Python (and DRF), not to ECMA-262's ``\s``: the pattern spells it out.
        ("\x1c".join(["w"] * (SEARCH_MAX_WORDS + 1)), SEARCH_MAX_WORDS + 1),
        ("\x85".join(["w"] * (SEARCH_MAX_WORDS + 1)), SEARCH_MAX_WORDS + 1),
    ],
)
def test_the_search_pattern_allows_what_the_filter_takes(search: str, words: int) -> None:
    # The schema's pattern and SearchFilter must agree, or the contract test's cases would
    # meet a 400 the schema does not predict.
    assert (re.search(SEARCH_PATTERN, search) is not None) is (words <= SEARCH_MAX_WORDS)

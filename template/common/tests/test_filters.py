"""The query-string filters: date-times in UTC, strict booleans, decimals the database holds."""

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import Field

from apps.users.models import User
from apps.users.tests.factories import UserFactory
from common.filters import (
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
DATE = BoundedIsoDateTimeField(required=False)
BOOLEAN = StrictBooleanField(required=False)
MAX_WORDS = 10  # the search limit written out: a changed one fails here
DECIMAL = BoundedDecimalField()


class UserFilter(FilterSet):
    """Filters as the lists declare them, and generated ones, on a model every project has."""

    joined_after = IsoDateTimeFilter(field_name="date_joined", lookup_expr="gte")
    joined_before = IsoDateTimeFilter(field_name="date_joined", lookup_expr="lt")
    min_score = DecimalFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = User
        fields = ["joined_after", "joined_before", "min_score", "is_active"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Offsets no place uses, but RFC 3339 allows (PostgreSQL refuses beyond ±15:59).
        ("2024-01-01T00:00:00+23:59", datetime(2023, 12, 31, 0, 1, tzinfo=UTC)),
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
        (FAR_EAST, FAR_EAST),
    ],
)
def test_reads_every_offset_in_utc(value: str | datetime, expected: datetime) -> None:
    result = DATE.clean(value)

    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "joined_after"),
    [
        # The instant the user joined, and one second later, at offsets PostgreSQL refuses.
        ("2024-01-02T11:59:00+23:59", True),
        ("2024-01-02T11:59:01+23:59", False),
        ("2023-12-31T12:01:00-23:59", True),
        ("2023-12-31T12:01:01-23:59", False),
        ("0001-01-01T00:00:00+05:00", True),
        ("9999-12-31T23:59:59-05:00", False),
    ],
)
def test_the_database_compares_every_offset_in_utc(value: str, joined_after: bool) -> None:
    user = UserFactory(date_joined=datetime(2024, 1, 1, 12, tzinfo=UTC))

    after = UserFilter(data={"joined_after": value}, queryset=User.objects.all()).qs
    before = UserFilter(data={"joined_before": value}, queryset=User.objects.all()).qs

    assert (list(after), list(before)) == (([user], []) if joined_after else ([], [user]))


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        (DATE, "notadate", "invalid"),
        (DATE, "2024-13-45T00:00:00Z", "invalid"),
        (DATE, "2024-01-01T00:00:00+24:00", "invalid"),
        (DATE, "2024-01-01T00:00:00-99:00", "invalid"),
        *((BOOLEAN, value, "invalid") for value in ["null", "1", "yes", "on", "t"]),
        *(
            (DECIMAL, v, "out_of_range")
            for v in ["1e-16384", "-1e-16384", "1.5e-16383", "1e-99999999"]
        ),
    ],
)
def test_refuses_what_the_database_cannot_compare(field: Field, value: str, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        field.clean(value)

    assert error.value.code == code


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        *(
            (BOOLEAN, value, value.lower() == "true")
            for value in ["true", "false", "True", "FALSE"]
        ),
        *((field, value, None) for field in [BOOLEAN, DATE] for value in ["", None]),
        *((DECIMAL, value, Decimal(value)) for value in ["1e-16383", "9.99", "1e50", "-3", "0"]),
    ],
)
def test_takes_what_the_database_can_compare(field: Field, value: str, expected: object) -> None:
    assert field.clean(value) == expected
    assert type(field.clean(value)) is type(expected)


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "valid"), [("1e-16384", False), ("1e-16383", True)])
def test_the_database_is_asked_only_what_it_can_compare(value: str, valid: bool) -> None:
    user = UserFactory()
    score = models.Value(
        Decimal("0.01"), output_field=models.DecimalField(max_digits=10, decimal_places=2)
    )

    filters = UserFilter(data={"min_score": value}, queryset=User.objects.annotate(score=score))

    assert filters.is_valid() is valid
    assert list(filters.qs) == [user]


def test_generated_filters_are_strict() -> None:
    filters = UserFilter(data={"is_active": "null"}, queryset=User.objects.none())

    assert isinstance(filters.filters["is_active"], BooleanFilter)
    assert set(filters.errors) == {"is_active"}
    assert FilterSet.FILTER_DEFAULTS[models.DecimalField]["filter_class"] is DecimalFilter


@pytest.mark.parametrize(
    ("search", "words"),
    [
        ("", 0),
        ("desk", 1),
        (" desk,lamp  ", 2),
        ('"oak desk" lamp', 3),
        (" ".join(["w"] * MAX_WORDS), MAX_WORDS),
        # Whitespace to Python (and DRF), not to ECMA-262's ``\s``: the pattern spells it out.
        *((sep.join(["w"] * (MAX_WORDS + 1)), MAX_WORDS + 1) for sep in ",\u3000\x1c\x85"),
    ],
)
def test_the_search_pattern_allows_what_the_filter_takes(search: str, words: int) -> None:
    # The schema's pattern and SearchFilter must agree, or the contract test would meet a 400.
    assert (re.search(SEARCH_PATTERN, search) is not None) is (words <= MAX_WORDS)

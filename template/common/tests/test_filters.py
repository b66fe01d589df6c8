"""The bounded ISO date-time filter field: real offsets only, instants that exist in UTC."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from common.filters import BooleanFilter, BoundedIsoDateTimeField, FilterSet, StrictBooleanField


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-01T00:00:00+14:00", datetime(2023, 12, 31, 10, tzinfo=UTC)),
        ("2024-01-01T00:00:00-14:00", datetime(2024, 1, 1, 14, tzinfo=UTC)),
        ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00", datetime(1, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59.999999+00:00", datetime.max.replace(tzinfo=UTC)),
    ],
)
def test_accepts_real_offsets_and_instants_that_exist_in_utc(
    value: str,
    expected: datetime,
) -> None:
    assert BoundedIsoDateTimeField().clean(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-01T00:00:00-18:00",
        "2024-01-01T00:00:00+14:01",
        "2024-01-01T00:00:00+23:59",
        "2024-01-01T00:00:00-15:59",
    ],
)
def test_refuses_offsets_beyond_14_hours(value: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        BoundedIsoDateTimeField().clean(value)

    assert excinfo.value.code == "offset_out_of_range"


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59.9-00:01"],
)
def test_refuses_instants_before_year_1_or_after_9999_in_utc(value: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        BoundedIsoDateTimeField().clean(value)

    assert excinfo.value.code == "out_of_range"


def test_checks_datetime_objects_too() -> None:
    field = BoundedIsoDateTimeField()
    far_east = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=20)))

    with pytest.raises(ValidationError):
        field.clean(far_east)


@pytest.mark.parametrize("value", ["notadate", "2024-13-45T00:00:00Z"])
def test_still_refuses_what_is_not_a_date_time(value: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        BoundedIsoDateTimeField().clean(value)

    assert excinfo.value.code == "invalid"


def test_an_empty_value_is_no_filter() -> None:
    assert BoundedIsoDateTimeField(required=False).clean("") is None


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

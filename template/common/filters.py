"""Query-string filters that accept only values the database can compare against.

A value that passes a filter's validation reaches the SQL query. django-filter's
``IsoDateTimeFilter`` accepts any offset Python can represent (up to ±23:59) and any year
from 1 to 9999; PostgreSQL refuses offsets beyond ±15:59 and SQLite's adapter overflows
converting ``0001-01-01T00:00+05:00`` to UTC, so those values would be a 500 instead of a
400. django-filter's ``BooleanFilter`` has the opposite fault: it reads anything it does not
know (``?is_active=null``) as "no filter", so a client's typo passes for a full list.
"""

from datetime import UTC, datetime, timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS

# The widest offsets in use: UTC-12:00 (Baker Island) to UTC+14:00 (Kiribati).
MAX_UTC_OFFSET = timedelta(hours=14)


class BoundedIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time whose offset is a real one and whose UTC time exists."""

    default_error_messages = {
        "offset_out_of_range": _("The UTC offset must be between -14:00 and +14:00."),
        "out_of_range": _("The date-time is out of range once converted to UTC."),
    }

    def to_python(self, value: object) -> datetime | None:
        """Parse the value, then refuse offsets and instants no database can store."""
        result = super().to_python(value)
        if result is None:
            return None
        offset = result.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise ValidationError(
                self.error_messages["offset_out_of_range"],
                code="offset_out_of_range",
            )
        try:
            result.astimezone(UTC)
        except OverflowError:
            raise ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
            ) from None
        return result


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """``django_filters.IsoDateTimeFilter`` that refuses values the database cannot store."""

    field_class = BoundedIsoDateTimeField


class StrictBooleanField(forms.NullBooleanField):
    """``true`` or ``false`` in any case; absent or empty is "no filter"; the rest is refused."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value: object) -> bool | None:
        """Map the query-string value to a boolean, or refuse it."""
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value.lower() == "true"
        raise ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value: object) -> None:
        """Accept ``None`` (no filter): ``to_python`` has already refused bad values."""


class BooleanFilter(django_filters.BooleanFilter):
    """``django_filters.BooleanFilter`` that refuses values other than true and false."""

    field_class = StrictBooleanField


class FilterSet(django_filters.FilterSet):
    """A FilterSet whose generated filters refuse what they cannot read.

    Filters declared from ``Meta.fields`` for boolean model fields get the strict
    ``BooleanFilter``; declare date-times with ``IsoDateTimeFilter`` from this module.
    """

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
    }

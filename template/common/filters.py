"""Query-string filters that hand the database only values it can compare against.

A value that passes a filter's validation reaches the SQL query. django-filter's
``IsoDateTimeFilter`` accepts every RFC 3339 date-time (offsets up to ±23:59, years 1 to
9999) but passes it on as written: PostgreSQL refuses offsets beyond ±15:59 and SQLite's
adapter overflows converting ``0001-01-01T00:00+05:00`` to UTC, both 500s. The filter here
converts the value to UTC first, so the database only ever sees +00:00. django-filter's
``BooleanFilter`` has the opposite fault: it reads anything it does not know
(``?is_active=null``) as "no filter", so a client's typo passes for a full list. Its
``NumberFilter`` takes any finite decimal, ``1e-16384`` too, which PostgreSQL cannot hold
("value overflows numeric format"): ``DecimalFilter`` refuses what the database cannot.
DRF's ``SearchFilter`` adds a condition per word searched for, as many as sent: 1,300
words took 1.8 s over three orders. ``SearchFilter`` here refuses more than a few.
"""

import re
from datetime import MINYEAR, UTC, datetime
from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from rest_framework import filters, serializers
from rest_framework.request import Request

EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
# The most digits after the point PostgreSQL's numeric type holds.
NUMERIC_MAX_SCALE = 16383
# Python's whitespace (``str.isspace``: what DRF trims text and splits search terms on),
# spelt out for the schema's patterns because ``\s`` differs between Python and ECMA-262
# (Python's takes U+001C-U+001F and U+0085, ECMA's takes U+FEFF instead).
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# What separates search words: whitespace and commas.
SEARCH_SEPARATORS = f"{WHITESPACE},"
# A search word, as SearchFilter counts them; the schema states the same limit as a pattern.
SEARCH_WORD = re.compile(f"[^{SEARCH_SEPARATORS}]+")
SEARCH_MAX_WORDS = 10
SEARCH_PATTERN = (
    rf"^[{SEARCH_SEPARATORS}]*(?:[^{SEARCH_SEPARATORS}\x00]+(?:[{SEARCH_SEPARATORS}]+|$))"
    "{0," + str(SEARCH_MAX_WORDS) + "}$"
)


class BoundedIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time in UTC, bounded by the first and last instants Python can hold.

    An instant outside them (``0001-01-01T00:00+05:00`` is before year 1 in UTC,
    ``9999-12-31T23:00-05:00`` after 9999) becomes the nearer of the two. A ``>=`` or
    ``<=`` filter then selects the same rows: no stored date-time is before the first or
    after the last (only a row at that very microsecond could differ under ``<`` or ``>``).
    """

    def to_python(self, value: object) -> datetime | None:
        """Parse the value and return it in UTC, or the nearest instant Python can hold."""
        result = super().to_python(value)
        if result is None:
            return None
        try:
            return result.astimezone(UTC)
        except OverflowError:
            # Offsets are under a day: only year 1 and year 9999 can leave the range.
            return EARLIEST if result.year == MINYEAR else LATEST


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """``django_filters.IsoDateTimeFilter`` that queries in UTC whatever the value's offset."""

    field_class = BoundedIsoDateTimeField


class BoundedDecimalField(forms.DecimalField):
    """A decimal number the database can compare a column with.

    Django's field already refuses NaN and infinities, and ``NumberFilter`` numbers above
    1e50; this one also refuses a number with more digits after the point than PostgreSQL's
    ``numeric`` holds, which the database would answer with an error (a 500), not rows.
    """

    default_error_messages = {"out_of_range": _("Enter a number with fewer decimal places.")}

    def validate(self, value: Decimal | None) -> None:
        """Refuse a number with more decimal places than the database's decimals hold."""
        super().validate(value)
        if value is None:
            return
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > NUMERIC_MAX_SCALE:
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range")


class DecimalFilter(django_filters.NumberFilter):
    """``django_filters.NumberFilter`` that refuses numbers the database cannot compare."""

    field_class = BoundedDecimalField


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

    Filters declared from ``Meta.fields`` for boolean and decimal model fields get the
    strict ``BooleanFilter`` and ``DecimalFilter``; declare date-times with
    ``IsoDateTimeFilter`` and numbers with ``DecimalFilter`` from this module.
    """

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
        models.DecimalField: {"filter_class": DecimalFilter},
    }


class SearchFilter(filters.SearchFilter):
    """DRF's ``SearchFilter``, refusing (400) a search for more than ``max_terms`` words.

    Each word is one more condition on every searched field, joins included; nobody types
    more than a few, and a client that sends hundreds makes the database work for nothing.
    Words are counted as the schema's pattern counts them (``SEARCH_PATTERN``): runs of
    characters between spaces and commas, quotes or not, so the two always agree.
    """

    max_terms = SEARCH_MAX_WORDS

    def get_search_terms(self, request: Request) -> list[str]:
        """Return the words searched for; refuse too many of them."""
        terms: list[str] = super().get_search_terms(request)
        words = SEARCH_WORD.findall(request.query_params.get(self.search_param, ""))
        if len(words) > self.max_terms:
            message = _("Search for at most %(count)d words.") % {"count": self.max_terms}
            raise serializers.ValidationError({self.search_param: [message]})
        return terms

"""Serializer fields that take input exactly as the OpenAPI schema describes it.

DRF's ``CharField`` turns numbers into text, its ``BooleanField`` reads ``0`` and ``"yes"``
and its ``DecimalField`` reads numbers, padded strings and exponents. The schema promises a
string (an amount: digits with a point) or a boolean, so anything else is refused with a
400, and the schema and the server agree on what is valid.
"""

import re
from typing import Any

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A ``CharField`` that refuses numbers instead of converting them to text."""

    def to_internal_value(self, data: Any) -> str:
        """Refuse anything but a string, then validate as ``CharField`` does."""
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A ``BooleanField`` that takes JSON's ``true`` and ``false`` only.

    DRF's also reads ``0``, ``1``, ``"yes"``, ``"off"`` and more: a client that sends
    ``{"is_active": 0}`` meaning something else entirely is told, not guessed for.
    """

    def to_internal_value(self, data: Any) -> bool:
        """Refuse anything but a boolean."""
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class AmountField(serializers.DecimalField):
    """A non-negative amount sent as a string of digits with at most ``decimal_places``.

    JSON numbers are refused: a float cannot carry most amounts exactly.
    """

    default_error_messages = {
        "format": 'Send the amount as a string of digits, like "12.50".',
    }

    def __init__(self, *, max_digits: int, decimal_places: int, **kwargs: Any) -> None:
        """Build the pattern from the digits allowed before and after the point."""
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
        integers = str(max_digits - decimal_places)
        self.pattern = r"^\d{1," + integers + r"}(\.\d{1," + str(decimal_places) + r"})?$"

    def to_internal_value(self, data: Any) -> Any:
        """Refuse anything the pattern does not match, then validate as ``DecimalField``."""
        if not isinstance(data, str) or not re.fullmatch(self.pattern, data, flags=re.ASCII):
            self.fail("format")
        return super().to_internal_value(data)

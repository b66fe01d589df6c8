"""The strict serializer fields: input only in the shape the schema describes."""

import re
import sys
from decimal import Decimal

import pytest
from rest_framework import serializers

from common.filters import WHITESPACE
from common.schema import NO_NUL_NOT_BLANK_PATTERN
from common.serializers import AmountField, StrictBooleanField, StrictCharField


class Input(serializers.Serializer):
    name = StrictCharField(max_length=20)
    price = AmountField(max_digits=10, decimal_places=2)


def test_whitespace_is_pythons() -> None:
    """The schema's patterns spell out the whitespace Python (and DRF) trims and splits on."""
    spelt_out = re.compile(f"[{WHITESPACE}]")
    characters = map(chr, range(sys.maxunicode + 1))

    assert [c for c in characters if c.isspace() != bool(spelt_out.fullmatch(c))] == []


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        (" Lamp ", "Lamp"),
        ("\ufeff", "\ufeff"),
        # Whitespace to Python, not to ECMA-262's ``\s``: trimmed, so blank.
        ("\x1c", None),
        ("\x85", None),
        (" \u3000\t", None),
    ],
)
def test_the_not_blank_pattern_allows_what_the_field_keeps(name: str, kept: str | None) -> None:
    """Checked with and without re.ASCII: the pattern must not depend on what ``\\s`` means."""
    serializer = Input(data={"name": name, "price": "12.50"})
    matches = {bool(re.fullmatch(NO_NUL_NOT_BLANK_PATTERN, name, f)) for f in (0, re.ASCII)}

    assert serializer.is_valid() == (kept is not None), serializer.errors
    assert matches == {kept is not None}
    if kept is not None:
        assert serializer.validated_data == {"name": kept, "price": Decimal("12.50")}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *(("name", name) for name in [5, 1.5, True, ["Lamp"]]),
        *(
            ("price", price)
            for price in [12.5, 12, "-1.00", " 1.00", "+1", "1e2", "1.", ".5", "1.005"]
        ),
        *(("price", price) for price in ["123456789", "", "NaN", "\u0661"]),
    ],
)
def test_input_in_another_shape_is_refused(field: str, value: object) -> None:
    serializer = Input(data={"name": "Lamp", "price": "1.00", field: value})

    assert not serializer.is_valid()
    assert set(serializer.errors) == {field}


def test_the_amount_pattern_follows_the_digits() -> None:
    assert AmountField(max_digits=10, decimal_places=2).pattern == r"^\d{1,8}(\.\d{1,2})?$"


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_is_read(value: bool) -> None:
    assert StrictBooleanField().run_validation(value) is value


@pytest.mark.parametrize("value", [0, 1, "true", "yes", "off", None, [True]])
def test_anything_but_a_boolean_is_refused(value: object) -> None:
    with pytest.raises(serializers.ValidationError) as error:
        StrictBooleanField(allow_null=False).run_validation(value)

    assert error.value.detail[0].code in {"invalid", "null"}

"""The upload size validator (Django's own ``FileExtensionValidator`` checks extensions)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from common.validators import MaxFileSizeValidator


def upload(size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("a.png", b"x" * size)


@pytest.mark.parametrize("size", [1, 10])
def test_accepts_a_file_up_to_the_limit(size: int) -> None:
    MaxFileSizeValidator(10)(upload(size))


def test_refuses_a_larger_file_naming_both_sizes() -> None:
    with pytest.raises(ValidationError) as excinfo:
        MaxFileSizeValidator(10)(upload(11))

    assert excinfo.value.code == "file_too_large"
    assert excinfo.value.messages == [
        "The file is too large (11 bytes); the limit is 10 bytes.",
    ]


def test_migrations_see_the_same_limit_as_no_change() -> None:
    path, args, kwargs = MaxFileSizeValidator(10).deconstruct()

    assert (path, args, kwargs) == ("common.validators.MaxFileSizeValidator", (10,), {})
    assert MaxFileSizeValidator(10) == MaxFileSizeValidator(10)
    assert MaxFileSizeValidator(10) != MaxFileSizeValidator(11)

"""The upload size validator (Django's own ``FileExtensionValidator`` checks extensions)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from common.validators import MaxFileSizeValidator


def test_refuses_a_file_over_the_limit_naming_both_sizes() -> None:
    validate = MaxFileSizeValidator(10)
    for size in (1, 10):
        validate(SimpleUploadedFile("a.png", b"x" * size))

    with pytest.raises(ValidationError) as excinfo:
        validate(SimpleUploadedFile("a.png", b"x" * 11))

    assert excinfo.value.code == "file_too_large"
    assert excinfo.value.messages == ["The file is too large (11 bytes); the limit is 10 bytes."]
    # Migrations see the same limit as no change.
    assert validate.deconstruct() == ("common.validators.MaxFileSizeValidator", (10,), {})
    assert validate == MaxFileSizeValidator(10)
    assert validate != MaxFileSizeValidator(11)

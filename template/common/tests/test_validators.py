"""The upload validators: size and extension limits."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from common.validators import FileExtensionValidator, MaxFileSizeValidator


def upload(name: str, size: int = 10) -> SimpleUploadedFile:
    """Return an uploaded file of ``size`` bytes."""
    return SimpleUploadedFile(name, b"x" * size)


class TestMaxFileSizeValidator:
    def test_accepts_a_file_at_the_limit(self) -> None:
        MaxFileSizeValidator(10)(upload("a.png", size=10))

    def test_refuses_a_larger_file(self) -> None:
        with pytest.raises(ValidationError) as excinfo:
            MaxFileSizeValidator(10)(upload("a.png", size=11))

        assert excinfo.value.code == "file_too_large"
        assert "11" in excinfo.value.messages[0]
        assert "10" in excinfo.value.messages[0]

    def test_compares_and_hashes_by_limit(self) -> None:
        assert MaxFileSizeValidator(10) == MaxFileSizeValidator(10)
        assert MaxFileSizeValidator(10) != MaxFileSizeValidator(11)
        assert MaxFileSizeValidator(10) != 10
        assert hash(MaxFileSizeValidator(10)) == hash(MaxFileSizeValidator(10))

    def test_is_serialisable_in_migrations(self) -> None:
        path, args, _kwargs = MaxFileSizeValidator(10).deconstruct()

        assert path == "common.validators.MaxFileSizeValidator"
        assert args == (10,)


class TestFileExtensionValidator:
    validator = FileExtensionValidator((".png", ".jpg"))

    @pytest.mark.parametrize("name", ["a.png", "A.PNG", "photo.final.jpg"])
    def test_accepts_allowed_extensions_in_any_case(self, name: str) -> None:
        self.validator(upload(name))

    @pytest.mark.parametrize(
        ("name", "shown"),
        [("a.gif", ".gif"), ("a.png.exe", ".exe"), ("no-extension", "none")],
    )
    def test_refuses_other_extensions(self, name: str, shown: str) -> None:
        with pytest.raises(ValidationError) as excinfo:
            self.validator(upload(name))

        assert excinfo.value.code == "invalid_extension"
        assert shown in excinfo.value.messages[0]
        assert ".jpg, .png" in excinfo.value.messages[0]

    def test_compares_and_hashes_by_extensions_in_any_order(self) -> None:
        same = FileExtensionValidator((".jpg", ".png"))

        assert same == self.validator
        assert hash(same) == hash(self.validator)
        assert FileExtensionValidator((".png",)) != self.validator
        assert self.validator != (".jpg", ".png")

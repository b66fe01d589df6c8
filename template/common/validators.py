"""Validators for uploaded files."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible
@dataclass
class MaxFileSizeValidator:
    """Reject files larger than ``max_bytes``.

    Django has no size validator. As a dataclass it compares by the limit, so migrations
    see no change while the limit stays the same.
    """

    max_bytes: int

    def __call__(self, file: File) -> None:
        """Raise ``ValidationError`` when the file is too large."""
        if file.size is not None and file.size > self.max_bytes:
            raise ValidationError(
                _("The file is too large (%(size)s bytes); the limit is %(limit)s bytes."),
                code="file_too_large",
                params={"size": file.size, "limit": self.max_bytes},
            )

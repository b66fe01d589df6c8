"""Validators for uploaded files."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible
class MaxFileSizeValidator:
    """Reject files larger than ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        """Remember the limit."""
        self.max_bytes = max_bytes

    def __call__(self, file: File) -> None:
        """Raise ``ValidationError`` when the file is too large."""
        if file.size is not None and file.size > self.max_bytes:
            raise ValidationError(
                _("The file is too large (%(size)s bytes); the limit is %(limit)s bytes."),
                code="file_too_large",
                params={"size": file.size, "limit": self.max_bytes},
            )

    def __eq__(self, other: object) -> bool:
        """Compare by limit, so migrations see no change."""
        return isinstance(other, MaxFileSizeValidator) and other.max_bytes == self.max_bytes

    def __hash__(self) -> int:
        """Hash by limit, consistent with ``__eq__``."""
        return hash(self.max_bytes)


@deconstructible
class FileExtensionValidator:
    """Reject files whose extension is not in ``allowed`` (lowercase, with the dot)."""

    def __init__(self, allowed: tuple[str, ...]) -> None:
        """Remember the allowed extensions."""
        self.allowed = tuple(sorted(allowed))

    def __call__(self, file: File) -> None:
        """Raise ``ValidationError`` when the extension is not allowed."""
        extension = Path(file.name or "").suffix.lower()
        if extension not in self.allowed:
            raise ValidationError(
                _("Unsupported file type '%(extension)s'; allowed: %(allowed)s."),
                code="invalid_extension",
                params={"extension": extension or "none", "allowed": ", ".join(self.allowed)},
            )

    def __eq__(self, other: object) -> bool:
        """Compare by allowed extensions, so migrations see no change."""
        return isinstance(other, FileExtensionValidator) and other.allowed == self.allowed

    def __hash__(self) -> int:
        """Hash by allowed extensions, consistent with ``__eq__``."""
        return hash(self.allowed)

"""Abstract base models every app builds on."""

import uuid
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone


class BaseModel(models.Model):
    """A UUID primary key and creation/update timestamps.

    UUIDs keep identifiers unguessable in URLs and let clients create ids offline.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SoftDeleteQuerySet(models.QuerySet):
    """A queryset whose bulk ``delete()`` marks rows deleted instead of removing them."""

    def delete(self) -> tuple[int, dict[str, int]]:
        """Mark every row in the queryset deleted."""
        count = self.update(deleted_at=timezone.now())
        return count, {self.model._meta.label: count}

    def hard_delete(self) -> tuple[int, dict[str, int]]:
        """Remove the rows from the database."""
        return super().delete()


class SoftDeleteManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    """The default manager: rows marked deleted are invisible."""

    def get_queryset(self) -> SoftDeleteQuerySet:
        """Return only the rows that are not deleted."""
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeleteModel(models.Model):
    """Rows are marked deleted rather than removed, so history and references survive.

    ``objects`` hides deleted rows; ``all_objects`` sees every row; ``hard_delete()``
    really removes one.
    """

    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)

    objects: ClassVar[SoftDeleteManager] = SoftDeleteManager()
    all_objects: ClassVar[models.Manager] = models.Manager.from_queryset(SoftDeleteQuerySet)()

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        """Tell whether the row is marked deleted."""
        return self.deleted_at is not None

    def delete(self, *_args: Any, **_kwargs: Any) -> tuple[int, dict[str, int]]:
        """Mark the row deleted."""
        self.deleted_at = timezone.now()
        self.save(update_fields=["deleted_at", *self._auto_now_fields()])
        return 1, {self._meta.label: 1}

    def hard_delete(self) -> tuple[int, dict[str, int]]:
        """Remove the row from the database."""
        return super().delete()

    def restore(self) -> None:
        """Undo a soft delete."""
        self.deleted_at = None
        self.save(update_fields=["deleted_at", *self._auto_now_fields()])

    def _auto_now_fields(self) -> list[str]:
        return [
            field.name for field in self._meta.concrete_fields if getattr(field, "auto_now", False)
        ]

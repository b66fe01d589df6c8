"""Write helpers the apps' services share."""

from typing import Any

from django.db import models


def model_update(
    *,
    instance: models.Model,
    data: dict[str, Any],
    validate_unique: bool = True,
) -> None:
    """Set the fields of ``data`` whose value is not ``None``, validate them, save only them.

    ``None`` means "leave as it is", which suits a partial update's keyword arguments. Only
    the changed fields are validated: the others were valid when saved, and checking a file
    field would read the file's size from storage, where a concurrent request may just have
    replaced it. ``validate_unique=False`` leaves uniqueness to the caller (a check that must
    also see soft-deleted rows).
    """
    changed = [field for field, value in data.items() if value is not None]
    if not changed:
        return
    for field in changed:
        setattr(instance, field, data[field])
    unchanged = {field.name for field in instance._meta.fields} - set(changed)
    instance.full_clean(exclude=unchanged, validate_unique=validate_unique)
    instance.save(update_fields=[*changed, "updated_at"])

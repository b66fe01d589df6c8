"""Write helpers the apps' services share."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, models, transaction


# One save of one row leaves nothing half done; the services calling it hold the
# transaction their other writes need.
def model_update(  # conventions: allow E032 -- a single save
    *,
    instance: models.Model,
    data: dict[str, Any],
    validate_unique: bool = True,
    validate_constraints: bool = True,
) -> None:
    """Set the fields of ``data`` whose value is not ``None``, validate them, save only them.

    ``None`` means "leave as it is", which suits a partial update's keyword arguments. Only
    the changed fields are validated: the others were valid when saved, and checking a file
    field would read the file's size from storage, where a concurrent request may just have
    replaced it. ``validate_unique=False`` leaves uniqueness to the caller (a check that must
    also see soft-deleted rows); ``validate_constraints=False`` leaves the model's
    constraints to it too (a unique one the service checks itself, before and after the
    write).
    """
    changed = [field for field, value in data.items() if value is not None]
    if not changed:
        return
    for field in changed:
        setattr(instance, field, data[field])
    unchanged = {field.name for field in instance._meta.fields} - set(changed)
    instance.full_clean(
        exclude=unchanged,
        validate_unique=validate_unique,
        validate_constraints=validate_constraints,
    )
    instance.save(update_fields=[*changed, "updated_at"])


@contextmanager
def recheck_on_conflict(*, check: Callable[[], None]) -> Iterator[None]:
    """Write in a savepoint; if the database refuses the write, run ``check`` once more.

    A service checks that a unique value is free before writing it, but a concurrent
    request can take the value between the check and the write; the unique constraint then
    refuses the write with an ``IntegrityError``, a 500. The savepoint undoes only the
    refused write, so the transaction stays usable and ``check``, the service's own check,
    now sees the other request's committed row and raises the service's error. An
    ``IntegrityError`` that ``check`` does not explain comes from another constraint: it
    is raised as it is, a bug to report rather than a conflict to answer.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        check()
        raise

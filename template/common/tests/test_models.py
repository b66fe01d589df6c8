"""The abstract base models, on a throwaway concrete model, and every model's migrations."""

import io
import uuid
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.test.utils import isolate_apps

from common.models import BaseModel, SoftDeleteModel


@pytest.fixture
def note_model(transactional_db: None) -> Iterator[type[SoftDeleteModel]]:
    # Transactional: SQLite cannot change its schema inside a transaction.
    with isolate_apps("common"):

        class Note(SoftDeleteModel, BaseModel):
            title = models.CharField(max_length=50)

            class Meta:
                app_label = "common"

    with connection.schema_editor() as editor:
        editor.create_model(Note)
    yield Note
    with connection.schema_editor() as editor:
        editor.delete_model(Note)


def test_uuid_keys_timestamps_and_soft_delete(note_model: type[SoftDeleteModel]) -> None:
    note, other = (note_model.objects.create(title=title) for title in "ab")
    created_at, updated_at = note.created_at, note.updated_at

    assert isinstance(note.pk, uuid.UUID)
    assert note.delete() == (1, {"common.Note": 1})
    assert (note.is_deleted, note.created_at) == (True, created_at)
    assert note.updated_at > updated_at >= created_at
    assert list(note_model.objects.all()) == [other]
    assert note_model.all_objects.get(pk=note.pk).is_deleted
    note.restore()
    assert not note.is_deleted
    assert note_model.objects.count() == 2
    assert note_model.objects.all().delete() == (2, {"common.Note": 2})
    assert (note_model.objects.count(), note_model.all_objects.count()) == (0, 2)
    note.hard_delete()
    assert list(note_model.all_objects.all()) == [other]
    note_model.all_objects.all().hard_delete()
    assert not note_model.all_objects.exists()


@pytest.mark.django_db
def test_every_model_change_has_its_migration() -> None:
    """A field, index or constraint edited without ``makemigrations`` fails here, not in deploy."""
    out = io.StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out)
    except SystemExit:
        pytest.fail(f"models changed without a migration:\n{out.getvalue()}")

"""The abstract base models, on a throwaway concrete model.

The model lives in an isolated app registry and gets its table for the duration of the
test, so the project needs no migration for it.
"""

import uuid
from collections.abc import Iterator

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from common.models import BaseModel, SoftDeleteModel


@pytest.fixture
def note_model(transactional_db: None) -> Iterator[type[SoftDeleteModel]]:
    """Create a soft-deletable model and its table; drop the table afterwards."""
    with isolate_apps("common"):

        class Note(SoftDeleteModel, BaseModel):
            title = models.CharField(max_length=50)

            class Meta:
                app_label = "common"

    # A transactional test: SQLite cannot change its schema inside a transaction.
    with connection.schema_editor() as editor:
        editor.create_model(Note)
    yield Note
    with connection.schema_editor() as editor:
        editor.delete_model(Note)


def test_base_model_gives_a_uuid_key_and_timestamps(note_model: type[SoftDeleteModel]) -> None:
    note = note_model.objects.create(title="first")
    created_at, updated_at = note.created_at, note.updated_at

    note.title = "second"
    note.save()

    assert isinstance(note.pk, uuid.UUID)
    assert updated_at >= created_at
    assert note.created_at == created_at
    assert note.updated_at > updated_at


class TestSoftDeleteModel:
    def test_delete_hides_the_row_and_restore_brings_it_back(
        self, note_model: type[SoftDeleteModel]
    ) -> None:
        note = note_model.objects.create(title="first")

        assert note.delete() == (1, {"common.Note": 1})

        assert note.is_deleted
        assert not note_model.objects.filter(pk=note.pk).exists()
        assert note_model.all_objects.get(pk=note.pk).is_deleted
        note.restore()
        assert not note.is_deleted
        assert note_model.objects.filter(pk=note.pk).exists()

    def test_hard_delete_removes_the_row(self, note_model: type[SoftDeleteModel]) -> None:
        note = note_model.objects.create(title="first")

        note.hard_delete()

        assert not note_model.all_objects.filter(pk=note.pk).exists()

    def test_queryset_delete_is_soft(self, note_model: type[SoftDeleteModel]) -> None:
        note_model.objects.create(title="first")
        note_model.objects.create(title="second")

        count, per_model = note_model.objects.all().delete()

        assert (count, per_model) == (2, {"common.Note": 2})
        assert not note_model.objects.exists()
        assert note_model.all_objects.count() == 2

    def test_queryset_hard_delete_removes_the_rows(self, note_model: type[SoftDeleteModel]) -> None:
        note_model.objects.create(title="first")
        note_model.all_objects.create(title="second").delete()

        note_model.all_objects.all().hard_delete()

        assert not note_model.all_objects.exists()

"""The users app's data migrations: accounts from before a feature keep working."""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.fixture
def migrate(transactional_db: None):
    """Return ``migrate(name)``, which returns the historical user model at that migration."""

    def migrate(name: str) -> object:
        executor = MigrationExecutor(connection)
        executor.migrate([("users", name)])
        return executor.loader.project_state([("users", name)]).apps.get_model("users", "User")

    yield migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_stored_addresses_become_canonical_unless_two_spellings_meet(migrate) -> None:
    old_user = migrate("0002_email_taken_message")
    for email in ["Bob@\uff45xample.com", "dora@bu\u0308cher.example", "BOB@example.com"]:
        old_user.objects.create(email=email, password="!")
    with pytest.raises(RuntimeError, match=re.escape("bob@example.com: BOB@example.com, Bob@")):
        migrate("0003_canonical_email")
    # Merged by hand, as the message asks: the migration then goes through.
    old_user.objects.filter(email="BOB@example.com").delete()
    emails = migrate("0003_canonical_email").objects.values_list("email", flat=True)
    assert sorted(emails) == ["bob@example.com", "dora@b\u00fccher.example"]


def test_users_from_before_verification_count_as_verified(migrate) -> None:
    existing = migrate("0003_canonical_email").objects.create(email="early@example.com")
    user = migrate("0004_email_verified_session_generation")
    new = user.objects.create(email="late@example.com")
    assert user.objects.get(pk=existing.pk).email_verified
    assert user.objects.get(pk=existing.pk).session_generation == 0
    assert not user.objects.get(pk=new.pk).email_verified

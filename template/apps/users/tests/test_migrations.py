"""The users app's data migrations: accounts from before a feature keep working.

``0003_canonical_email`` rewrites stored addresses, and stops on two spellings of one;
``0004_email_verified_session_generation`` counts existing accounts as verified.
"""

import re
from collections.abc import Callable, Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("users", "0002_email_taken_message")]
AFTER = [("users", "0003_canonical_email")]
VERIFICATION = [("users", "0004_email_verified_session_generation")]


@pytest.fixture
def migrate(transactional_db: None) -> Iterator[Callable[[list[tuple[str, str]]], object]]:
    """Return ``migrate(targets)``, which returns the historical apps at those migrations."""

    def _migrate(targets: list[tuple[str, str]]) -> object:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    yield _migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_stored_addresses_become_canonical(migrate: Callable[..., object]) -> None:
    old_user = migrate(BEFORE).get_model("users", "User")
    old_user.objects.create(email="Bob@\uff45xample.com", password="!")
    old_user.objects.create(email="dora@bu\u0308cher.example", password="!")

    new_user = migrate(AFTER).get_model("users", "User")

    emails = sorted(new_user.objects.values_list("email", flat=True))
    assert emails == ["bob@example.com", "dora@b\u00fccher.example"]


def test_two_spellings_of_one_address_stop_the_migration(migrate: Callable[..., object]) -> None:
    old_user = migrate(BEFORE).get_model("users", "User")
    old_user.objects.create(email="bob@example.com", password="!")
    old_user.objects.create(email="bob@\uff45xample.com", password="!")

    with pytest.raises(RuntimeError, match=re.escape("bob@example.com: bob@example.com, bob@")):
        migrate(AFTER)

    # Merged by hand, as the message asks: the migration then goes through.
    old_user.objects.filter(email="bob@\uff45xample.com").delete()
    assert list(
        migrate(AFTER).get_model("users", "User").objects.values_list("email", flat=True)
    ) == ["bob@example.com"]


def test_users_from_before_verification_count_as_verified(
    migrate: Callable[..., object],
) -> None:
    old_user = migrate(AFTER).get_model("users", "User")
    existing = old_user.objects.create(email="early@example.com", password="!")

    user = migrate(VERIFICATION).get_model("users", "User")
    new = user.objects.create(email="late@example.com", password="!")

    assert user.objects.get(pk=existing.pk).email_verified
    assert not user.objects.get(pk=new.pk).email_verified
    assert user.objects.get(pk=existing.pk).session_generation == 0

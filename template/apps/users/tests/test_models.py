"""The user model, its manager and its data migrations (accounts from before a feature)."""

import re
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_the_manager_creates_users_and_superusers() -> None:
    user = User.objects.create_user("Ada@Example.COM", "s3cret-pass")
    assert (user.email, str(user)) == ("ada@example.com", "ada@example.com")
    assert user.check_password("s3cret-pass")
    assert (user.is_staff, user.is_superuser, user.email_verified) == (False, False, False)
    assert User.objects.get_by_natural_key("ADA@example.com") == user
    assert not User.objects.create_user("bob@example.com").has_usable_password()
    root = User.objects.create_superuser("root@example.com", "s3cret-pass")
    assert (root.is_staff, root.is_superuser, root.email_verified) == (True, True, True)


@pytest.mark.parametrize(
    ("call", "kwargs", "match"),
    [
        ("create_user", {"email": ""}, "e-mail"),
        ("create_superuser", {"email": "root@example.com", "is_staff": False}, "superuser"),
        ("create_superuser", {"email": "root@example.com", "is_superuser": False}, "superuser"),
    ],
)
def test_the_manager_refuses(call: str, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        getattr(User.objects, call)(password="s3cret-pass", **kwargs)


def test_has_a_uuid_key_and_no_username(user: User) -> None:
    assert isinstance(user.pk, uuid.UUID)
    assert getattr(user, "username", None) is None
    assert User.USERNAME_FIELD == "email"


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

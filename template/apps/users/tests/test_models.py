"""The user model and its manager: e-mail login, unique in the canonical form."""

import uuid

import pytest

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

"""The user model and its manager: e-mail login, unique in the canonical form."""

import uuid

import pytest

from apps.users.models import User

pytestmark = pytest.mark.django_db


class TestUserManager:
    def test_create_user_normalises_the_email_and_hashes_the_password(self) -> None:
        user = User.objects.create_user("Ada@Example.COM", "s3cret-pass")

        assert user.email == "ada@example.com"
        assert user.password != "s3cret-pass"
        assert user.check_password("s3cret-pass")
        assert not user.is_staff
        assert not user.is_superuser

    def test_create_user_without_a_password_cannot_log_in(self) -> None:
        user = User.objects.create_user("ada@example.com")

        assert not user.has_usable_password()

    def test_create_user_requires_an_email(self) -> None:
        with pytest.raises(ValueError, match="e-mail"):
            User.objects.create_user("", "s3cret-pass")

    def test_create_superuser_has_every_permission(self) -> None:
        user = User.objects.create_superuser("root@example.com", "s3cret-pass")

        assert user.is_staff
        assert user.is_superuser

    @pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
    def test_create_superuser_refuses_to_drop_a_flag(self, flag: str) -> None:
        with pytest.raises(ValueError, match="superuser"):
            User.objects.create_superuser("root@example.com", "s3cret-pass", **{flag: False})

    def test_get_by_natural_key_ignores_case(self, user: User) -> None:
        assert User.objects.get_by_natural_key(user.email.upper()) == user


class TestUser:
    def test_has_a_uuid_key_and_no_username(self, user: User) -> None:
        assert isinstance(user.pk, uuid.UUID)
        assert not hasattr(user, "username") or user.username is None
        assert User.USERNAME_FIELD == "email"

    def test_str_is_the_email(self, user: User) -> None:
        assert str(user) == user.email

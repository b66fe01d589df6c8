"""Read queries for users."""

import pytest

from apps.users.models import User
from apps.users.selectors import user_email_taken, user_get_by_email, user_list
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_list_leaves_out_inactive_users(user: User) -> None:
    UserFactory(is_active=False)

    assert list(user_list()) == [user]


def test_user_get_by_email_ignores_case(user: User) -> None:
    assert user_get_by_email(email=user.email.upper()) == user


def test_user_get_by_email_returns_none_when_unknown() -> None:
    assert user_get_by_email(email="nobody@example.com") is None


def test_user_email_taken_ignores_case(user: User) -> None:
    assert user_email_taken(email=user.email.upper())
    assert not user_email_taken(email="nobody@example.com")

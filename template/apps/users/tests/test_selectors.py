"""Read queries for users."""

import pytest

from apps.users.models import User
from apps.users.selectors import user_get_by_email

pytestmark = pytest.mark.django_db


def test_user_get_by_email_ignores_case(user: User) -> None:
    assert user_get_by_email(email=user.email.upper()) == user


def test_user_get_by_email_returns_none_when_unknown() -> None:
    assert user_get_by_email(email="nobody@example.com") is None

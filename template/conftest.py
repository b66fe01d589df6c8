"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.users.models import User
from apps.users.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Start every test with an empty cache, so throttling counts never leak between tests."""
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    """Return an unauthenticated API client."""
    return APIClient()


@pytest.fixture
def user(db: None) -> User:
    """Return a saved user whose password is ``UserFactory.PASSWORD``."""
    return UserFactory()


@pytest.fixture
def other_user(db: None) -> User:
    """Return a second user, for checks that one user cannot see another's data."""
    return UserFactory()


@pytest.fixture
def auth_client(user: User) -> APIClient:
    """Return an API client authenticated as ``user``."""
    client = APIClient()
    client.force_authenticate(user=user)
    return client

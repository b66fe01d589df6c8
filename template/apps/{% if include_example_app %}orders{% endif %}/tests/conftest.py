"""Fixtures for the orders tests."""

import pytest
from rest_framework.test import APIClient

from apps.orders.models import Product
from apps.orders.tests.factories import ProductFactory
from apps.users.models import User
from apps.users.tests.factories import UserFactory


@pytest.fixture
def staff_user(db: None) -> User:
    """Return a staff user, who may change the catalogue."""
    return UserFactory(is_staff=True)


@pytest.fixture
def staff_client(staff_user: User) -> APIClient:
    """Return an API client authenticated as ``staff_user``."""
    client = APIClient()
    client.force_authenticate(user=staff_user)
    return client


@pytest.fixture
def product(db: None) -> Product:
    """Return a product on sale."""
    return ProductFactory()

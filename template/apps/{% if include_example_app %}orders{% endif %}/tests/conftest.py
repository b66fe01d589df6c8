"""Fixtures for the orders tests."""

import pytest
from rest_framework.test import APIClient

from apps.orders.models import Product
from apps.orders.tests.factories import ProductFactory
from apps.users.tests.factories import UserFactory


@pytest.fixture
def staff_client(db: None) -> APIClient:
    """Return an API client signed in as a staff user, who may change the catalogue."""
    client = APIClient()
    client.force_authenticate(user=UserFactory(is_staff=True))
    return client


@pytest.fixture
def product(db: None) -> Product:
    """Return a product on sale."""
    return ProductFactory()

"""Smoke tests for the admin pages: they render, and orders' lines cannot be edited there."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.orders.tests.factories import OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["order", "product"])
def test_changelists_render(admin_client: Client, model: str) -> None:
    OrderFactory(items=2)

    response = admin_client.get(reverse(f"admin:orders_{model}_changelist"), {"q": "a"})

    assert response.status_code == 200


def test_order_page_shows_its_lines_read_only(admin_client: Client) -> None:
    order = OrderFactory(items=2)

    response = admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))

    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0]
    assert len(inline.forms) == 2
    assert not inline.has_add_permission
    assert not inline.formset.can_delete


def test_product_page_renders(admin_client: Client) -> None:
    product = ProductFactory()

    response = admin_client.get(reverse("admin:orders_product_change", args=[product.pk]))

    assert response.status_code == 200

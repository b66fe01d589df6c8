"""Tests for the models' own behaviour: constraints, soft delete, string forms."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.db.models import ProtectedError

from apps.orders.models import Order, OrderItem
from apps.orders.tests.factories import OrderFactory, OrderItemFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_str_forms_need_no_related_rows_and_a_line_totals_itself() -> None:
    item = OrderItemFactory(
        product__name="Lamp", product__sku="LAMP-1", quantity=3, unit_price=Decimal("2.50")
    )

    assert (str(item.product), str(item)) == ("Lamp (LAMP-1)", f"3 x {item.product.id}")
    assert (str(item.order), item.line_total) == (
        f"Order {item.order.id} (Pending)",
        Decimal("7.50"),
    )


def test_orders_are_newest_first() -> None:
    older, newer = OrderFactory(), OrderFactory()
    Order.objects.filter(pk=older.pk).update(created_at=newer.created_at - timedelta(days=1))

    assert list(Order.objects.all()) == [newer, older]


def test_soft_deleted_order_is_hidden_but_kept() -> None:
    order = OrderFactory(items=2)

    order.delete()

    assert not Order.objects.filter(pk=order.pk).exists()
    assert Order.all_objects.get(pk=order.pk).is_deleted
    assert OrderItem.objects.filter(order_id=order.pk).count() == 2
    order.hard_delete()
    assert not OrderItem.objects.filter(order_id=order.pk).exists()


def test_a_sold_product_cannot_be_removed_nor_its_buyer() -> None:
    item = OrderItemFactory()

    with pytest.raises(ProtectedError):
        item.product.hard_delete()
    with pytest.raises(ProtectedError):
        item.order.user.delete()


def test_a_product_appears_once_per_order() -> None:
    item = OrderItemFactory()

    with pytest.raises(IntegrityError):
        OrderItemFactory(order=item.order, product=item.product)


def test_negative_prices_are_refused_by_the_database() -> None:
    with pytest.raises(IntegrityError):
        ProductFactory(price=Decimal("-1.00"))

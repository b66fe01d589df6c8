"""Tests for the models' own behaviour: constraints, soft delete, string forms."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.db.models import ProtectedError

from apps.orders.models import Order, OrderItem, Product
from apps.orders.tests.factories import OrderFactory, OrderItemFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_str_forms_need_no_related_rows() -> None:
    product = ProductFactory(name="Lamp", sku="LAMP-1")
    order = OrderFactory()
    item = OrderItemFactory(order=order, product=product, quantity=2)

    assert str(product) == "Lamp (LAMP-1)"
    assert str(order) == f"Order {order.id} (Pending)"
    assert str(item) == f"2 x {product.id}"


def test_line_total_is_quantity_times_unit_price() -> None:
    item = OrderItemFactory(quantity=3, unit_price=Decimal("2.50"))

    assert item.line_total == Decimal("7.50")


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


def test_hard_deleting_an_order_removes_its_items() -> None:
    order = OrderFactory(items=2)

    order.hard_delete()

    assert not OrderItem.objects.filter(order_id=order.pk).exists()


def test_a_sold_product_cannot_be_removed() -> None:
    item = OrderItemFactory()

    with pytest.raises(ProtectedError):
        item.product.hard_delete()


def test_a_user_with_orders_cannot_be_removed() -> None:
    order = OrderFactory()

    with pytest.raises(ProtectedError):
        order.user.delete()


def test_soft_deleted_product_still_shows_in_its_orders() -> None:
    item = OrderItemFactory()
    item.product.delete()

    item = OrderItem.objects.select_related("product").get(pk=item.pk)

    assert item.product.is_deleted
    assert not Product.objects.filter(pk=item.product_id).exists()


def test_a_product_appears_once_per_order() -> None:
    item = OrderItemFactory()

    with pytest.raises(IntegrityError):
        OrderItemFactory(order=item.order, product=item.product)


def test_negative_prices_are_refused_by_the_database() -> None:
    with pytest.raises(IntegrityError):
        ProductFactory(price=Decimal("-1.00"))

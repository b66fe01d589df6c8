"""Tests for the read queries: scoping, annotations and query counts."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.orders.models import Product
from apps.orders.selectors import (
    order_get,
    order_list,
    product_for_sale_by_id,
    product_list,
    product_sku_taken,
)
from apps.orders.tests.factories import OrderFactory, ProductFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_item_count_counts_the_lines_of_each_order(user: User, other_user: User) -> None:
    for items in (3, 1, 0):
        OrderFactory(user=user, items=items)
    OrderFactory(user=other_user, items=2)
    OrderFactory(user=user, items=1).delete()

    # The orders and their lines with products: two queries, whatever the page's size.
    with CaptureQueriesContext(connection) as queries:
        orders = list(order_list(user=user))
        lines = [line for order in orders for line in order.items.all()]
        assert all(order.user.email == user.email for order in orders)
        assert all(line.product.name for line in lines)

    assert len(queries) == 2
    assert sorted(order.item_count for order in orders) == [0, 1, 3]
    # The annotation takes the place of the model's cached property.
    assert all(vars(line)["line_total"] == line.unit_price * line.quantity for line in lines)
    # Counting the list (the paginator's COUNT) leaves the item subquery out.
    with CaptureQueriesContext(connection) as queries:
        assert order_list(user=user).count() == 3
    (count_query,) = queries
    assert "orders_orderitem" not in count_query["sql"]


def test_order_get_returns_the_users_order(user: User, other_user: User) -> None:
    order = OrderFactory(user=user, items=2)

    found = order_get(user=user, order_id=order.pk)

    assert (found, found.item_count) == (order, 2)
    assert order_get(user=user, order_id=OrderFactory(user=other_user).pk) is None
    assert order_get(user=user, order_id=uuid.uuid4()) is None


def test_product_list_shows_products_on_sale() -> None:
    on_sale, off_sale = ProductFactory(), ProductFactory(is_active=False)
    ProductFactory().delete()

    assert list(product_list()) == [on_sale]
    assert set(product_list(include_inactive=True)) == {on_sale, off_sale}
    assert isinstance(product_list(include_inactive=True).first(), Product)
    found = product_for_sale_by_id(product_ids=[on_sale.pk, off_sale.pk, uuid.uuid4()])
    assert found == {on_sale.pk: on_sale}


def test_product_sku_taken_sees_deleted_products_but_not_the_one_excluded() -> None:
    product = ProductFactory(sku="SKU-1")
    product.delete()

    assert product_sku_taken(sku="SKU-1")
    assert not product_sku_taken(sku="SKU-1", exclude=product)
    assert not product_sku_taken(sku="SKU-2")

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


def test_order_list_holds_only_the_users_orders(user: User, other_user: User) -> None:
    mine = OrderFactory(user=user)
    OrderFactory(user=other_user)

    assert list(order_list(user=user)) == [mine]


def test_order_list_hides_deleted_orders(user: User) -> None:
    OrderFactory(user=user).delete()

    assert not order_list(user=user).exists()


def test_item_count_counts_the_lines_of_each_order(user: User) -> None:
    OrderFactory(user=user, items=3)
    OrderFactory(user=user, items=1)
    OrderFactory(user=user)

    counts = sorted(order.item_count for order in order_list(user=user))

    assert counts == [0, 1, 3]


def test_order_list_loads_a_page_in_two_queries_whatever_its_size(user: User) -> None:
    for _ in range(10):
        OrderFactory(user=user, items=3)

    with CaptureQueriesContext(connection) as queries:
        for order in order_list(user=user)[:10]:
            assert order.user.email
            assert order.item_count == 3
            assert all(item.product.name for item in order.items.all())

    assert len(queries) == 2


def test_counting_the_list_leaves_the_item_subquery_out(user: User) -> None:
    OrderFactory(user=user, items=2)

    with CaptureQueriesContext(connection) as queries:
        assert order_list(user=user).count() == 1

    (count_query,) = queries
    assert "orders_orderitem" not in count_query["sql"]


def test_the_lines_total_is_computed_in_sql_as_the_model_computes_it(user: User) -> None:
    OrderFactory(user=user, items=3)

    (order,) = order_list(user=user)

    for line in order.items.all():
        # The annotation takes the place of the model's cached property.
        assert vars(line)["line_total"] == line.unit_price * line.quantity


def test_order_get_returns_the_users_order(user: User) -> None:
    order = OrderFactory(user=user, items=2)

    found = order_get(user=user, order_id=order.pk)

    assert found == order
    assert found.item_count == 2


@pytest.mark.parametrize("owner", ["other", "nobody"])
def test_order_get_returns_none_for_orders_not_theirs(
    user: User,
    other_user: User,
    owner: str,
) -> None:
    order_id = OrderFactory(user=other_user).pk if owner == "other" else uuid.uuid4()

    assert order_get(user=user, order_id=order_id) is None


def test_product_list_shows_products_on_sale() -> None:
    on_sale = ProductFactory()
    ProductFactory(is_active=False)
    ProductFactory().delete()

    assert list(product_list()) == [on_sale]


def test_product_list_can_include_products_off_sale() -> None:
    on_sale, off_sale = ProductFactory(), ProductFactory(is_active=False)
    ProductFactory().delete()

    assert set(product_list(include_inactive=True)) == {on_sale, off_sale}
    assert isinstance(product_list(include_inactive=True).first(), Product)


def test_product_for_sale_by_id_leaves_out_unknown_and_withdrawn_products() -> None:
    on_sale = ProductFactory()
    off_sale = ProductFactory(is_active=False)

    found = product_for_sale_by_id(product_ids=[on_sale.pk, off_sale.pk, uuid.uuid4()])

    assert found == {on_sale.pk: on_sale}


def test_product_sku_taken_sees_deleted_products_but_not_the_one_excluded() -> None:
    product = ProductFactory(sku="SKU-1")
    product.delete()

    assert product_sku_taken(sku="SKU-1")
    assert not product_sku_taken(sku="SKU-1", exclude=product)
    assert not product_sku_taken(sku="SKU-2")

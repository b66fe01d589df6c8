"""Tests for the order and product filters, through the API as clients use them."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.orders.models import Order
from apps.orders.tests.factories import OrderFactory, ProductFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db

ORDERS_URL = reverse("v1:order-list")
PRODUCTS_URL = reverse("v1:product-list")


def result_ids(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {result["id"] for result in response.json()["results"]}


def test_status_accepts_several_values(auth_client: APIClient, user: User) -> None:
    pending = OrderFactory(user=user, status=Order.Status.PENDING)
    shipped = OrderFactory(user=user, status=Order.Status.SHIPPED)
    OrderFactory(user=user, status=Order.Status.CANCELLED)

    response = auth_client.get(ORDERS_URL, {"status": ["pending", "shipped"]})

    assert result_ids(response) == {str(pending.id), str(shipped.id)}


def test_created_after_and_before_bound_the_creation_time(
    auth_client: APIClient,
    user: User,
) -> None:
    now = datetime.now(tz=UTC)
    orders = {days: OrderFactory(user=user) for days in (1, 5, 10)}
    for days, order in orders.items():
        Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=days))

    response = auth_client.get(
        ORDERS_URL,
        {
            "created_after": (now - timedelta(days=7)).isoformat(),
            "created_before": (now - timedelta(days=2)).isoformat(),
        },
    )

    assert result_ids(response) == {str(orders[5].id)}


def test_min_and_max_amount_bound_the_total(auth_client: APIClient, user: User) -> None:
    totals = {amount: OrderFactory(user=user, total_amount=amount) for amount in (5, 50, 500)}

    response = auth_client.get(ORDERS_URL, {"min_amount": "10", "max_amount": "50.00"})

    assert result_ids(response) == {str(totals[50].id)}


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (ORDERS_URL, {"status": "bogus"}, "status"),
        (ORDERS_URL, {"min_amount": "abc"}, "min_amount"),
        (ORDERS_URL, {"max_amount": "NaN"}, "max_amount"),
        (ORDERS_URL, {"created_after": "notadate"}, "created_after"),
        (ORDERS_URL, {"created_before": "2024-13-45"}, "created_before"),
        # An offset of a day or more is not a date-time.
        (ORDERS_URL, {"created_after": "2024-01-01T00:00:00+24:00"}, "created_after"),
        # More decimal places than PostgreSQL's numeric holds (its error was a 500).
        (ORDERS_URL, {"min_amount": "1e-16384"}, "min_amount"),
        (ORDERS_URL, {"max_amount": "1e-16384"}, "max_amount"),
        (PRODUCTS_URL, {"min_price": "0." + "0" * 16383 + "1"}, "min_price"),
        (PRODUCTS_URL, {"max_price": "1e-99999999"}, "max_price"),
    ],
)
def test_invalid_values_are_a_400_in_the_error_envelope(
    auth_client: APIClient,
    url: str,
    params: dict[str, str],
    field: str,
) -> None:
    response = auth_client.get(url, params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["details"]) == [field]


@pytest.mark.parametrize(
    ("value", "created_since"),
    [
        ("2024-01-01T12:00:00Z", True),
        ("2024-01-01T12:00:01Z", False),
        # The same instants at an offset RFC 3339 allows and PostgreSQL refuses (beyond ±15:59);
        # common/tests/test_filters.py checks the other offsets and bounds.
        ("2024-01-02T11:59:00+23:59", True),
        ("2024-01-02T11:59:01+23:59", False),
        # Before year 1 and after year 9999 once in UTC: Python cannot hold them.
        ("0001-01-01T00:00:00+05:00", True),
        ("9999-12-31T23:59:59-05:00", False),
    ],
)
def test_every_date_time_is_compared_in_utc(
    auth_client: APIClient,
    user: User,
    value: str,
    created_since: bool,
) -> None:
    """The order, created at noon UTC, is in the list after ``value`` or the one before it."""
    order = OrderFactory(user=user)
    Order.objects.filter(pk=order.pk).update(created_at=datetime(2024, 1, 1, 12, tzinfo=UTC))
    after, before = ({str(order.id)}, set()) if created_since else (set(), {str(order.id)})

    assert result_ids(auth_client.get(ORDERS_URL, {"created_after": value})) == after
    assert result_ids(auth_client.get(ORDERS_URL, {"created_before": value})) == before


def test_products_filter_by_price(auth_client: APIClient) -> None:
    cheap = ProductFactory(price=Decimal("5.00"))
    ProductFactory(price=Decimal("50.00"))

    response = auth_client.get(PRODUCTS_URL, {"max_price": "10"})

    assert result_ids(response) == {str(cheap.id)}


def test_staff_filter_products_by_is_active(staff_client: APIClient) -> None:
    off_sale = ProductFactory(is_active=False)
    ProductFactory()

    response = staff_client.get(PRODUCTS_URL, {"is_active": "false"})

    assert result_ids(response) == {str(off_sale.id)}


def test_the_most_decimals_the_database_holds_still_filter(staff_client: APIClient) -> None:
    product = ProductFactory(price=Decimal("0.01"))

    response = staff_client.get(PRODUCTS_URL, {"min_price": "1e-16383"})

    assert result_ids(response) == {str(product.id)}

"""Tests for the order and product services: the business rules and their errors."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection
from django.db.models import QuerySet
from django.utils import timezone

from apps.orders import services
from apps.orders.models import Order, OrderItem, Product
from apps.orders.services import (
    DUPLICATE_PRODUCT,
    ORDER_TOO_LARGE,
    order_cancel,
    order_change_status,
    order_create,
    order_delete,
)
from apps.orders.tests.factories import OrderFactory, ProductFactory
from apps.users.models import User
from apps.users.tests.factories import UserFactory
from common.exceptions import ConflictError, NotFoundError, ServiceError
from common.services import model_update
from common.tests.helpers import recorded_queries

pytestmark = pytest.mark.django_db

PENDING, CONFIRMED, SHIPPED, DELIVERED, CANCELLED = Order.Status


def line(product: Product, quantity: int = 1) -> dict[str, object]:
    return {"product_id": product.pk, "quantity": quantity}


def test_refuses_products_not_for_sale(user: User, product: Product) -> None:
    deleted = ProductFactory()
    deleted.delete()
    unavailable = [ProductFactory(is_active=False), deleted, ProductFactory.build()]

    with pytest.raises(ServiceError) as excinfo:
        order_create(user=user, items=[line(product), *map(line, unavailable)])

    error = excinfo.value
    assert (error.code, error.message) == ("product_unavailable", services.PRODUCT_UNAVAILABLE)
    assert error.details == {"product_ids": sorted(str(other.pk) for other in unavailable)}
    assert not Order.all_objects.exists()


def test_refuses_invalid_lines(user: User, product: Product) -> None:
    # The serializer refuses these too; the service does so for callers that skip it.
    with pytest.raises(ServiceError) as empty:
        order_create(user=user, items=[])
    with pytest.raises(ServiceError) as twice:
        order_create(user=user, items=[line(product), line(ProductFactory()), line(product)])
    # The lines are validated before anything is written; a quantity of 0 passes the
    # field's validation and is left to the item's check constraint.
    with pytest.raises(ValidationError) as negative:
        order_create(user=user, items=[line(product, -1)])
    with pytest.raises(IntegrityError):
        order_create(user=user, items=[line(product, 0)])

    assert (empty.value.code, empty.value.message) == ("empty_order", services.EMPTY_ORDER)
    assert (twice.value.code, twice.value.message) == ("duplicate_product", DUPLICATE_PRODUCT)
    assert twice.value.details == {"product_ids": [str(product.pk)]}
    assert "quantity" in negative.value.message_dict
    assert not Order.all_objects.exists()


def test_refuses_a_total_too_large_to_store(user: User) -> None:
    half = ProductFactory(price=Decimal("49999999.99"))
    cent = ProductFactory(price=Decimal("0.01"))
    largest = order_create(user=user, items=[line(half, 2), line(cent)])

    with pytest.raises(ServiceError) as excinfo:
        order_create(user=user, items=[line(half, 2), line(cent, 2)])

    assert (excinfo.value.code, excinfo.value.message) == ("order_too_large", ORDER_TOO_LARGE)
    assert largest.total_amount == Decimal("99999999.99")
    assert Order.all_objects.get() == largest


def test_a_failing_line_leaves_no_order_behind(user: User, product: Product) -> None:
    with (
        mock.patch.object(OrderItem.objects, "bulk_create", side_effect=DatabaseError),
        pytest.raises(DatabaseError),
    ):
        order_create(user=user, items=[line(product)])

    assert not Order.all_objects.exists()


# The order lifecycle, written out here rather than read from ``STATUS_TRANSITIONS``: a
# transition added to or dropped from the services' table must fail these tests.
LIFECYCLE = {
    PENDING: {CONFIRMED, CANCELLED},
    CONFIRMED: {SHIPPED, CANCELLED},
    SHIPPED: {DELIVERED},
    DELIVERED: set(),
    CANCELLED: set(),
}


def test_the_table_is_the_lifecycle() -> None:
    assert services.STATUS_TRANSITIONS == LIFECYCLE


@pytest.mark.parametrize("target", list(Order.Status))
@pytest.mark.parametrize("current", list(Order.Status))
def test_changes_the_status_only_along_the_lifecycle(
    current: Order.Status, target: Order.Status
) -> None:
    order = OrderFactory()
    # Only the stored status counts, not the one in memory.
    Order.objects.filter(pk=order.pk).update(status=current)
    moved = target in LIFECYCLE[current]

    if moved:
        order_change_status(order=order, status=target, reason="Out of stock")
    else:
        with pytest.raises(ConflictError) as excinfo:
            order_change_status(order=order, status=target, reason="Out of stock")
        assert excinfo.value.code == "invalid_status"
        assert excinfo.value.details == {"status": current.value, "requested": target.value}

    order.refresh_from_db()
    assert order.status == (target if moved else current)
    assert order.cancellation_reason == ("Out of stock" if moved and target == CANCELLED else "")


def test_refuses_an_order_that_left_the_expected_status() -> None:
    order = OrderFactory()

    # Refused although a pending order may be cancelled: staff meant to cancel the order they
    # saw confirmed, and it never was. (The expiry below meets an order confirmed meanwhile.)
    with pytest.raises(ConflictError) as excinfo:
        order_change_status(order=order, status=CANCELLED, expected=CONFIRMED)

    assert excinfo.value.code == "status_changed"
    assert excinfo.value.details == {"status": PENDING, "expected": CONFIRMED}
    order.refresh_from_db()
    assert order.status == PENDING


def test_expire_pending_cancels_stale_orders_that_are_still_pending() -> None:
    limit = timezone.now() - timedelta(hours=1)
    stale, racing, recent = OrderFactory(), OrderFactory(), OrderFactory()
    confirmed = OrderFactory(status=CONFIRMED)
    Order.objects.exclude(pk=recent.pk).update(created_at=limit - timedelta(minutes=1))

    def confirm_racing_first(**kwargs: object) -> Order:
        # Between the query and the lock, staff confirmed this order.
        Order.objects.filter(pk=racing.pk).update(status=CONFIRMED)
        return order_change_status(**kwargs)

    with mock.patch.object(services, "order_change_status", side_effect=confirm_racing_first):
        assert services.order_expire_pending(placed_before=limit, reason="Too late") == 1

    assert dict(Order.objects.values_list("pk", "status")) == {
        stale.pk: CANCELLED,
        racing.pk: CONFIRMED,
        recent.pk: PENDING,
        confirmed.pk: CONFIRMED,
    }
    stale.refresh_from_db()
    assert stale.cancellation_reason == "Too late"


# The services that lock the order's row, each called as a view calls it.
LOCKING_SERVICES: dict[str, Callable[[Order], object]] = {
    "update": lambda order: services.order_update(order=order, notes="new"),
    "cancel": lambda order: order_cancel(order=order, reason="Found it cheaper"),
    "delete": lambda order: order_delete(order=order),
    "change-status": lambda order: order_change_status(order=order, status=CONFIRMED),
}
# The statuses in which the customer's services take an order, written out like the
# lifecycle, and their message for the others.
ACCEPTED = {
    "update": ({PENDING, CONFIRMED}, services.NOT_CHANGEABLE),
    "cancel": ({PENDING, CONFIRMED}, services.NOT_CHANGEABLE),
    "delete": ({PENDING, CANCELLED}, services.NOT_DELETABLE),
}
ORDER_AS_MADE = ("old", "", None)


def stored(order: Order) -> tuple[object, ...]:
    order = Order.all_objects.get(pk=order.pk)
    return (order.notes, order.cancellation_reason, order.deleted_at)


@pytest.mark.parametrize("status", list(Order.Status))
@pytest.mark.parametrize("service", list(ACCEPTED))
def test_takes_an_order_only_in_the_statuses_it_accepts(service: str, status: Order.Status) -> None:
    order = OrderFactory(notes="old")
    # Only the stored status counts, not the one in memory.
    Order.objects.filter(pk=order.pk).update(status=status)
    statuses, message = ACCEPTED[service]

    if status not in statuses:
        with pytest.raises(ConflictError) as excinfo:
            LOCKING_SERVICES[service](order)
        assert (excinfo.value.code, excinfo.value.message) == ("invalid_status", message)
        assert stored(order) == ORDER_AS_MADE
    else:
        LOCKING_SERVICES[service](order)
        assert stored(order) != ORDER_AS_MADE


@pytest.mark.parametrize("service", list(LOCKING_SERVICES))
def test_refuses_an_order_deleted_meanwhile(service: str) -> None:
    order = OrderFactory()
    Order.objects.filter(pk=order.pk).delete()

    with pytest.raises(NotFoundError) as excinfo:
        LOCKING_SERVICES[service](order)

    assert (excinfo.value.code, excinfo.value.message) == (
        "order_not_found",
        services.ORDER_NOT_FOUND,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("service", list(LOCKING_SERVICES))
def test_locks_the_row_and_writes_inside_a_transaction(service: str) -> None:
    # Views call services in autocommit mode, with no transaction but the service's own;
    # without it, Django refuses the row lock on PostgreSQL and SQLite takes none.
    order = OrderFactory()
    lock = mock.patch.object(
        QuerySet, "select_for_update", autospec=True, side_effect=QuerySet.select_for_update
    )
    with lock as select_for_update, recorded_queries() as queries:
        LOCKING_SERVICES[service](order)

    select_for_update.assert_called_once()
    on_the_order = [atomic for sql, atomic in queries if Order._meta.db_table in sql]
    assert len(on_the_order) >= 2, queries  # the locking read and the write
    assert all(on_the_order), queries
    # SQLite has no row locks and Django leaves the clause out there.
    locking_sql = [sql for sql, _ in queries if "FOR UPDATE" in sql]
    assert len(locking_sql) == int(connection.features.has_select_for_update)


def test_product_create_refuses_the_sku_of_a_deleted_product_and_validates() -> None:
    ProductFactory(sku="LAMP-1").delete()

    with pytest.raises(ConflictError) as excinfo:
        services.product_create(name="Lamp", sku="LAMP-1", price=Decimal("19.99"))
    with pytest.raises(ValidationError):
        services.product_create(name="Lamp", sku="LAMP-2", price=Decimal("-1.00"))

    assert (excinfo.value.code, excinfo.value.message) == ("sku_taken", services.SKU_TAKEN)
    assert Product.all_objects.count() == 1


def test_product_update_changes_only_the_given_fields(product: Product) -> None:
    name = product.name

    # Its own SKU is no conflict.
    services.product_update(product=product, sku=product.sku, price=Decimal(5), is_active=False)

    product.refresh_from_db()
    assert (product.name, product.price, product.is_active) == (name, Decimal(5), False)


def test_model_update_validates_what_it_changes_unless_told(user: User) -> None:
    # The shared write helper: a unique field and a constraint, checked by default.
    with pytest.raises(ValidationError, match="e-mail address already exists"):
        model_update(instance=UserFactory(), data={"email": user.email})
    with pytest.raises(ValidationError, match="orders_product_price_gte_0"):
        model_update(instance=ProductFactory(), data={"price": Decimal("-0.01")})

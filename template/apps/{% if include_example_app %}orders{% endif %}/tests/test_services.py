"""Tests for the order and product services: the business rules and their errors."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.orders.models import Order, OrderItem, Product
from apps.orders.services import (
    DUPLICATE_PRODUCT,
    EMPTY_ORDER,
    NOT_CHANGEABLE,
    NOT_DELETABLE,
    ORDER_NOT_FOUND,
    ORDER_TOO_LARGE,
    PRODUCT_UNAVAILABLE,
    SKU_TAKEN,
    STATUS_TRANSITIONS,
    order_cancel,
    order_change_status,
    order_create,
    order_delete,
    order_expire_pending,
    order_update,
    product_create,
    product_delete,
    product_update,
)
from apps.orders.tests.factories import OrderFactory, ProductFactory
from apps.users.models import User
from common.exceptions import ConflictError, NotFoundError, ServiceError
from common.tests.races import check_misses_the_rival

pytestmark = pytest.mark.django_db

CHANGEABLE = [Order.Status.PENDING, Order.Status.CONFIRMED]
NOT_CHANGEABLE_STATUSES = [Order.Status.SHIPPED, Order.Status.DELIVERED, Order.Status.CANCELLED]
DELETABLE = [Order.Status.PENDING, Order.Status.CANCELLED]
NOT_DELETABLE_STATUSES = [Order.Status.CONFIRMED, Order.Status.SHIPPED, Order.Status.DELIVERED]


def deleted_product() -> Product:
    product = ProductFactory()
    product.delete()
    return product


def line(product: Product, quantity: int = 1) -> dict[str, object]:
    """Build one requested order line, as the create serializer hands it over."""
    return {"product_id": product.pk, "quantity": quantity}


class TestOrderCreate:
    def test_creates_the_order_with_its_lines_and_total(self, user: User) -> None:
        lamp = ProductFactory(price=Decimal("19.99"))
        desk = ProductFactory(price=Decimal("250.00"))

        order = order_create(user=user, items=[line(lamp, 3), line(desk)], notes="Ring twice")

        assert order.user == user
        assert order.status == Order.Status.PENDING
        assert order.notes == "Ring twice"
        assert order.total_amount == Decimal("309.97")
        lines = {item.product_id: item for item in order.items.all()}
        assert lines.keys() == {lamp.pk, desk.pk}
        assert lines[lamp.pk].quantity == 3
        assert lines[lamp.pk].unit_price == Decimal("19.99")

    def test_notes_are_optional(self, user: User, product: Product) -> None:
        order = order_create(user=user, items=[line(product)])

        assert order.notes == ""

    def test_lines_keep_the_price_paid_when_the_product_price_changes(
        self,
        user: User,
        product: Product,
    ) -> None:
        paid = product.price
        order = order_create(user=user, items=[line(product, 2)])

        product_update(product=product, price=paid + 10)

        order.refresh_from_db()
        assert order.items.get().unit_price == paid
        assert order.total_amount == paid * 2

    @pytest.mark.parametrize(
        "make_unavailable",
        [
            pytest.param(lambda: ProductFactory(is_active=False), id="inactive"),
            pytest.param(deleted_product, id="deleted"),
            pytest.param(ProductFactory.build, id="missing"),
        ],
    )
    def test_refuses_products_not_for_sale(
        self,
        user: User,
        product: Product,
        make_unavailable: Callable[[], Product],
    ) -> None:
        other = make_unavailable()

        with pytest.raises(ServiceError) as excinfo:
            order_create(user=user, items=[line(product), line(other)])

        assert excinfo.value.code == "product_unavailable"
        assert excinfo.value.message == PRODUCT_UNAVAILABLE
        assert excinfo.value.details == {"product_ids": [str(other.pk)]}
        assert not Order.all_objects.exists()

    def test_refuses_an_empty_order(self, user: User) -> None:
        with pytest.raises(ServiceError) as excinfo:
            order_create(user=user, items=[])

        assert (excinfo.value.code, excinfo.value.message) == ("empty_order", EMPTY_ORDER)
        assert not Order.all_objects.exists()

    def test_the_item_constraint_refuses_a_quantity_below_1(
        self,
        user: User,
        product: Product,
    ) -> None:
        with pytest.raises(IntegrityError):
            order_create(user=user, items=[line(product, 0)])

        assert not Order.all_objects.exists()

    def test_validates_the_lines_before_writing(self, user: User, product: Product) -> None:
        with pytest.raises(ValidationError) as excinfo:
            order_create(user=user, items=[line(product, -1)])

        assert "quantity" in excinfo.value.message_dict
        assert not Order.all_objects.exists()

    def test_refuses_a_total_too_large_to_store(self, user: User) -> None:
        half = ProductFactory(price=Decimal("49999999.99"))
        cent = ProductFactory(price=Decimal("0.01"))
        largest = order_create(user=user, items=[line(half, 2), line(cent)])

        with pytest.raises(ServiceError) as excinfo:
            order_create(user=user, items=[line(half, 2), line(cent, 2)])

        assert (excinfo.value.code, excinfo.value.message) == ("order_too_large", ORDER_TOO_LARGE)
        largest.refresh_from_db()
        assert largest.total_amount == Decimal("99999999.99")
        assert Order.all_objects.get() == largest

    def test_refuses_a_product_listed_twice(self, user: User, product: Product) -> None:
        # The serializer refuses it too; the service does so for callers that skip it.
        with pytest.raises(ServiceError) as excinfo:
            order_create(user=user, items=[line(product), line(ProductFactory()), line(product)])

        assert (excinfo.value.code, excinfo.value.message) == (
            "duplicate_product",
            DUPLICATE_PRODUCT,
        )
        assert excinfo.value.details == {"product_ids": [str(product.pk)]}
        assert not Order.all_objects.exists()

    def test_a_failing_line_leaves_no_order_behind(self, user: User, product: Product) -> None:
        with (
            mock.patch.object(OrderItem.objects, "bulk_create", side_effect=DatabaseError),
            pytest.raises(DatabaseError),
        ):
            order_create(user=user, items=[line(product)])

        assert not Order.all_objects.exists()


class TestOrderCancel:
    @pytest.mark.parametrize("status", CHANGEABLE)
    def test_cancels_an_order_that_has_not_shipped(self, status: Order.Status) -> None:
        order = OrderFactory(status=status)

        order_cancel(order=order, reason="Found it cheaper")

        order.refresh_from_db()
        assert order.status == Order.Status.CANCELLED
        assert order.cancellation_reason == "Found it cheaper"

    def test_the_reason_is_optional(self) -> None:
        order = order_cancel(order=OrderFactory())

        assert order.cancellation_reason == ""

    @pytest.mark.parametrize("status", NOT_CHANGEABLE_STATUSES)
    def test_refuses_orders_past_confirmation(self, status: Order.Status) -> None:
        order = OrderFactory(status=status)

        with pytest.raises(ConflictError) as excinfo:
            order_cancel(order=order)

        assert (excinfo.value.code, excinfo.value.message) == ("invalid_status", NOT_CHANGEABLE)
        order.refresh_from_db()
        assert order.status == status


# The order lifecycle, written out here rather than read from ``STATUS_TRANSITIONS``: a
# transition added to or dropped from the services' table must fail these tests.
LIFECYCLE = {
    Order.Status.PENDING: {Order.Status.CONFIRMED, Order.Status.CANCELLED},
    Order.Status.CONFIRMED: {Order.Status.SHIPPED, Order.Status.CANCELLED},
    Order.Status.SHIPPED: {Order.Status.DELIVERED},
    Order.Status.DELIVERED: set(),
    Order.Status.CANCELLED: set(),
}
# Sorted: a set's order changes with each process's string hashing, and test ids must not
# (two pytest-xdist workers that collect them in different orders refuse to run).
ALLOWED_TRANSITIONS = [
    (current, target) for current, targets in LIFECYCLE.items() for target in sorted(targets)
]
REFUSED_TRANSITIONS = [
    (current, target)
    for current in Order.Status
    for target in Order.Status
    if target not in LIFECYCLE[current]
]


class TestOrderChangeStatus:
    def test_the_table_is_the_lifecycle(self) -> None:
        assert STATUS_TRANSITIONS == LIFECYCLE

    @pytest.mark.parametrize(("current", "target"), ALLOWED_TRANSITIONS)
    def test_moves_along_the_allowed_transitions(
        self,
        current: Order.Status,
        target: Order.Status,
    ) -> None:
        order = OrderFactory(status=current)

        order_change_status(order=order, status=target, reason="Out of stock")

        order.refresh_from_db()
        assert order.status == target
        cancelled = target == Order.Status.CANCELLED
        assert order.cancellation_reason == ("Out of stock" if cancelled else "")

    @pytest.mark.parametrize(("current", "target"), REFUSED_TRANSITIONS)
    def test_refuses_every_other_change(self, current: Order.Status, target: Order.Status) -> None:
        order = OrderFactory(status=current)

        with pytest.raises(ConflictError) as excinfo:
            order_change_status(order=order, status=target)

        assert excinfo.value.code == "invalid_status"
        assert excinfo.value.details == {"status": current.value, "requested": target.value}
        order.refresh_from_db()
        assert order.status == current

    @pytest.mark.parametrize(
        ("actual", "expected"),
        [
            (Order.Status.CONFIRMED, Order.Status.PENDING),
            # Refused even though the move is allowed from where the order is now: staff
            # meant to cancel the order they saw confirmed, and it never was.
            (Order.Status.PENDING, Order.Status.CONFIRMED),
        ],
    )
    def test_refuses_an_order_that_left_the_expected_status(
        self,
        actual: Order.Status,
        expected: Order.Status,
    ) -> None:
        order = OrderFactory()
        Order.objects.filter(pk=order.pk).update(status=actual)

        with pytest.raises(ConflictError) as excinfo:
            order_change_status(order=order, status=Order.Status.CANCELLED, expected=expected)

        assert excinfo.value.code == "status_changed"
        assert excinfo.value.details == {"status": actual, "expected": expected}
        order.refresh_from_db()
        assert order.status == actual


class TestOrderExpirePending:
    def test_cancels_pending_orders_placed_before_the_limit(self) -> None:
        limit = timezone.now() - timedelta(hours=1)
        stale, recent = OrderFactory(), OrderFactory()
        confirmed = OrderFactory(status=Order.Status.CONFIRMED)
        Order.objects.filter(pk__in=[stale.pk, confirmed.pk]).update(
            created_at=limit - timedelta(minutes=1),
        )

        assert order_expire_pending(placed_before=limit, reason="Too late") == 1

        stale.refresh_from_db()
        assert (stale.status, stale.cancellation_reason) == (Order.Status.CANCELLED, "Too late")
        recent.refresh_from_db()
        assert recent.status == Order.Status.PENDING
        confirmed.refresh_from_db()
        assert confirmed.status == Order.Status.CONFIRMED

    def test_goes_through_the_status_rules_for_each_order(self) -> None:
        orders = [OrderFactory(), OrderFactory()]
        spy = mock.patch(
            "apps.orders.services.order_change_status",
            autospec=True,
            side_effect=order_change_status,
        )

        with spy as change_status:
            assert order_expire_pending(placed_before=timezone.now(), reason="Late") == 2

        assert {call.kwargs["order"].pk for call in change_status.call_args_list} == {
            order.pk for order in orders
        }

    def test_leaves_an_order_that_changed_meanwhile(self) -> None:
        order = OrderFactory()

        def confirm_first(**kwargs: object) -> Order:
            # Between the query and the lock, staff confirmed the order.
            Order.objects.filter(pk=order.pk).update(status=Order.Status.CONFIRMED)
            return order_change_status(**kwargs)

        with mock.patch("apps.orders.services.order_change_status", side_effect=confirm_first):
            assert order_expire_pending(placed_before=timezone.now(), reason="Late") == 0

        order.refresh_from_db()
        assert order.status == Order.Status.CONFIRMED


class TestOrderUpdate:
    @pytest.mark.parametrize("status", CHANGEABLE)
    def test_replaces_the_notes(self, status: Order.Status) -> None:
        order = OrderFactory(status=status, notes="old")

        order_update(order=order, notes="new")

        order.refresh_from_db()
        assert order.notes == "new"

    @pytest.mark.parametrize("status", NOT_CHANGEABLE_STATUSES)
    def test_refuses_orders_past_confirmation(self, status: Order.Status) -> None:
        order = OrderFactory(status=status, notes="old")

        with pytest.raises(ConflictError) as excinfo:
            order_update(order=order, notes="new")

        assert excinfo.value.code == "invalid_status"
        order.refresh_from_db()
        assert order.notes == "old"


class TestOrderDelete:
    @pytest.mark.parametrize("status", DELETABLE)
    def test_soft_deletes_orders_that_never_shipped(self, status: Order.Status) -> None:
        order = OrderFactory(status=status, items=2)

        order_delete(order=order)

        assert not Order.objects.filter(pk=order.pk).exists()
        assert Order.all_objects.get(pk=order.pk).is_deleted

    @pytest.mark.parametrize("status", NOT_DELETABLE_STATUSES)
    def test_refuses_orders_under_way(self, status: Order.Status) -> None:
        order = OrderFactory(status=status)

        with pytest.raises(ConflictError) as excinfo:
            order_delete(order=order)

        assert (excinfo.value.code, excinfo.value.message) == ("invalid_status", NOT_DELETABLE)
        assert Order.objects.filter(pk=order.pk).exists()


class TestProductServices:
    def test_create_adds_a_product_on_sale(self) -> None:
        product = product_create(name="Lamp", sku="LAMP-1", price=Decimal("19.99"))

        assert product.is_active
        assert product.description == ""
        assert Product.objects.get(sku="LAMP-1") == product

    def test_create_refuses_a_taken_sku_even_of_a_deleted_product(self) -> None:
        ProductFactory(sku="LAMP-1").delete()

        with pytest.raises(ConflictError) as excinfo:
            product_create(name="Lamp", sku="LAMP-1", price=Decimal("19.99"))

        assert (excinfo.value.code, excinfo.value.message) == ("sku_taken", SKU_TAKEN)

    def test_create_validates_the_model(self) -> None:
        with pytest.raises(ValidationError):
            product_create(name="Lamp", sku="LAMP-1", price=Decimal("-1.00"))

    def test_update_changes_only_the_given_fields(self, product: Product) -> None:
        name = product.name

        product_update(product=product, price=Decimal("5.00"), is_active=False)

        product.refresh_from_db()
        assert (product.name, product.price, product.is_active) == (name, Decimal("5.00"), False)

    def test_update_without_changes_writes_nothing(self, product: Product) -> None:
        with CaptureQueriesContext(connection) as queries:
            product_update(product=product)

        assert not [query for query in queries if query["sql"].startswith("UPDATE")]

    def test_update_keeps_its_own_sku(self, product: Product) -> None:
        product_update(product=product, sku=product.sku, name="Renamed")

        product.refresh_from_db()
        assert product.name == "Renamed"

    def test_update_refuses_another_products_sku(self, product: Product) -> None:
        other = ProductFactory()

        with pytest.raises(ConflictError) as excinfo:
            product_update(product=product, sku=other.sku)

        assert excinfo.value.code == "sku_taken"

    def test_delete_soft_deletes(self, product: Product) -> None:
        product_delete(product=product)

        assert not Product.objects.filter(pk=product.pk).exists()
        assert Product.all_objects.get(pk=product.pk).is_deleted


class TestSkuTakenMeanwhile:
    """Another request saves the same SKU between the service's check and its write."""

    SKU_CHECK = "apps.orders.services.product_sku_taken"

    def test_create_refuses_it_as_a_taken_sku(self) -> None:
        ProductFactory(sku="LAMP-1")

        with (
            check_misses_the_rival(self.SKU_CHECK, free=False),
            pytest.raises(ConflictError) as excinfo,
        ):
            product_create(name="Lamp", sku="LAMP-1", price=Decimal("19.99"))

        assert (excinfo.value.code, excinfo.value.message) == ("sku_taken", SKU_TAKEN)

    def test_update_refuses_it_as_a_taken_sku(self, product: Product) -> None:
        ProductFactory(sku="LAMP-2")

        with (
            check_misses_the_rival(self.SKU_CHECK, free=False),
            pytest.raises(ConflictError) as excinfo,
        ):
            product_update(product=product, sku="LAMP-2")

        assert (excinfo.value.code, excinfo.value.message) == ("sku_taken", SKU_TAKEN)


# The services that lock the order's row, each called as a view calls it.
LOCKING_SERVICES: dict[str, Callable[[Order], object]] = {
    "update": lambda order: order_update(order=order, notes="Leave at the door"),
    "cancel": lambda order: order_cancel(order=order),
    "change-status": lambda order: order_change_status(order=order, status=Order.Status.CONFIRMED),
    "delete": lambda order: order_delete(order=order),
}


class TestLockingServices:
    @pytest.mark.parametrize("service", list(LOCKING_SERVICES))
    def test_check_the_status_in_the_database_not_in_memory(self, service: str) -> None:
        order = OrderFactory()
        Order.objects.filter(pk=order.pk).update(status=Order.Status.SHIPPED)

        with pytest.raises(ConflictError):
            LOCKING_SERVICES[service](order)

    @pytest.mark.parametrize("service", list(LOCKING_SERVICES))
    def test_refuse_an_order_deleted_meanwhile(self, service: str) -> None:
        order = OrderFactory()
        Order.objects.filter(pk=order.pk).delete()

        with pytest.raises(NotFoundError) as excinfo:
            LOCKING_SERVICES[service](order)

        assert (excinfo.value.code, excinfo.value.message) == ("order_not_found", ORDER_NOT_FOUND)

    @pytest.mark.parametrize("service", list(LOCKING_SERVICES))
    def test_lock_the_row_while_checking_the_status(self, service: str) -> None:
        order = OrderFactory()
        lock = mock.patch.object(
            QuerySet, "select_for_update", autospec=True, side_effect=QuerySet.select_for_update
        )
        with lock as select_for_update, CaptureQueriesContext(connection) as queries:
            LOCKING_SERVICES[service](order)

        select_for_update.assert_called_once()
        # SQLite has no row locks and Django leaves the clause out there.
        locking_sql = [query["sql"] for query in queries if "FOR UPDATE" in query["sql"]]
        assert len(locking_sql) == int(connection.features.has_select_for_update)

    @pytest.mark.django_db(transaction=True)
    @pytest.mark.parametrize("service", list(LOCKING_SERVICES))
    def test_the_check_and_the_write_happen_inside_a_transaction(self, service: str) -> None:
        # Views call services in autocommit mode, with no transaction but the service's own;
        # without it, Django refuses the row lock on PostgreSQL and SQLite takes none.
        order = OrderFactory()
        before = (order.notes, order.status, order.deleted_at)
        queries: list[tuple[str, bool]] = []

        def record(execute: Callable[..., object], sql: str, *args: object) -> object:
            queries.append((sql, connection.in_atomic_block))
            return execute(sql, *args)

        with connection.execute_wrapper(record):
            LOCKING_SERVICES[service](order)

        on_the_order = [atomic for sql, atomic in queries if Order._meta.db_table in sql]
        assert on_the_order
        assert all(on_the_order), queries
        stored = Order.all_objects.get(pk=order.pk)
        assert (stored.notes, stored.status, stored.deleted_at) != before

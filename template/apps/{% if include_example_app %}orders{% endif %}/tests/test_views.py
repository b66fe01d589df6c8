"""Tests for the order and product endpoints: status codes, envelopes, scoping, queries."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.orders.models import Order, Product
from apps.orders.tests.factories import OrderFactory, OrderItemFactory, ProductFactory
from apps.users.models import User
from common.tests.helpers import assert_documented, assert_error
from common.tests.races import check_misses_the_rival

pytestmark = pytest.mark.django_db

ORDERS_URL = reverse("v1:order-list")
PRODUCTS_URL = reverse("v1:product-list")
SOME_ID = uuid.uuid4()
SOME_ORDER_URL = reverse("v1:order-detail", kwargs={"pk": SOME_ID})
SOME_PRODUCT_URL = reverse("v1:product-detail", kwargs={"pk": SOME_ID})


def url(obj: Order | Product, action: str = "detail") -> str:
    return reverse(f"v1:{obj._meta.model_name}-{action}", kwargs={"pk": obj.pk})


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [result["id"] for result in response.json()["results"]]


@pytest.mark.parametrize(
    "path", [ORDERS_URL, SOME_ORDER_URL, f"{SOME_ORDER_URL}cancel/", PRODUCTS_URL]
)
@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_anonymous_requests_are_refused(api_client: APIClient, method: str, path: str) -> None:
    assert_error(getattr(api_client, method)(path), 401, "not_authenticated")


def test_lists_only_my_orders_newest_first(
    auth_client: APIClient, user: User, other_user: User, django_assert_max_num_queries
) -> None:
    assert auth_client.get(ORDERS_URL).json()["results"] == []
    withdrawn = OrderFactory(user=user, items=2, notes="")
    withdrawn.items.first().product.delete()
    OrderFactory(user=user, status=Order.Status.CANCELLED, cancellation_reason="Too late")
    newest = OrderFactory(user=user, items=3, status=Order.Status.CONFIRMED)
    OrderFactory(user=other_user, items=1)

    # COUNT for the paginator, the orders, their items with products: no query per order.
    with django_assert_max_num_queries(3):
        listed = auth_client.get(ORDERS_URL).json()["results"]

    assert [order["item_count"] for order in listed] == [3, 0, 2]
    # The list reads plain values rather than serializing orders: it must not drift from
    # the serializer the detail (and every write) answers with.
    for order in listed:
        assert order == auth_client.get(f"{ORDERS_URL}{order['id']}/").json()
    shown = listed[0]
    line = shown["items"][0]
    item = newest.items.get(pk=line["id"])
    assert (shown["status_display"], shown["user_email"]) == ("Confirmed", user.email)
    assert Decimal(shown["total_amount"]) == newest.total_amount
    assert line["product"] == {
        "id": str(item.product_id),
        "name": item.product.name,
        "sku": item.product.sku,
    }
    assert Decimal(line["line_total"]) == item.quantity * item.unit_price


def test_another_users_order_is_not_found(auth_client: APIClient, other_user: User) -> None:
    order = OrderFactory(user=other_user, notes="theirs")

    responses = [
        auth_client.get(url(order)),
        auth_client.patch(url(order), {"notes": "mine now"}),
        auth_client.post(url(order, "cancel")),
        auth_client.delete(url(order)),
        auth_client.get(f"{ORDERS_URL}not-a-uuid/"),
    ]

    for response in responses:
        assert_error(response, 404, "not_found")
    order.refresh_from_db()
    assert (order.notes, order.status, order.deleted_at) == ("theirs", Order.Status.PENDING, None)


def test_places_changes_cancels_and_deletes_an_order(auth_client: APIClient, user: User) -> None:
    lamp = ProductFactory(price=Decimal("19.99"))
    desk = ProductFactory(price=Decimal("250.00"))
    items = [
        # Prices and the status are never taken from the client.
        {"product_id": str(lamp.id), "quantity": 2, "unit_price": "0.01"},
        {"product_id": str(desk.id), "quantity": 1},
    ]
    payload = {"items": items, "notes": "Ring twice", "status": "delivered", "total_amount": "1"}

    placed = auth_client.post(ORDERS_URL, payload)
    without_notes = auth_client.post(ORDERS_URL, {"items": items[1:]})
    order_url = f"{ORDERS_URL}{placed.json()['id']}/"
    # A later price applies to later orders only: the lines keep the price paid.
    Product.objects.filter(pk=lamp.pk).update(price=Decimal("1.00"))
    shown = auth_client.get(order_url)
    patched, patched_again, empty = (
        auth_client.patch(order_url, data) for data in ({"notes": "Back door"},) * 2 + ({},)
    )
    cancelled = auth_client.post(f"{order_url}cancel/", {"reason": "Changed my mind"})
    deleted, deleted_again = auth_client.delete(order_url), auth_client.delete(order_url)

    body = placed.json()
    assert (placed.status_code, body["status"], body["notes"]) == (201, "pending", "Ring twice")
    assert (body["total_amount"], body["item_count"]) == ("289.98", 2)
    lines = {
        (line["product"]["id"], line["quantity"], line["unit_price"]) for line in body["items"]
    }
    assert lines == {(str(lamp.id), 2, "19.99"), (str(desk.id), 1, "250.00")}
    assert shown.json() == body
    assert Order.all_objects.get(pk=body["id"]).user == user
    assert without_notes.json()["notes"] == ""
    assert (patched.json()["notes"], patched.json()["item_count"]) == ("Back door", 2)
    # PATCH is partial, and repeating it changes nothing more.
    assert patched_again.json() | {"updated_at": None} == patched.json() | {"updated_at": None}
    assert (empty.status_code, empty.json()["notes"]) == (200, "Back door")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert cancelled.json()["cancellation_reason"] == "Changed my mind"
    # Deleting twice deletes once.
    assert deleted.status_code == 204
    assert_error(deleted_again, 404, "not_found")
    assert Order.all_objects.get(pk=body["id"]).is_deleted
    assert ids(auth_client.get(ORDERS_URL)) == [without_notes.json()["id"]]
    assert_documented(placed, shown, patched, cancelled, deleted, deleted_again)


def line(quantity: object = 1, product_id: object = SOME_ID) -> dict[str, object]:
    return {"product_id": str(product_id), "quantity": quantity}


@pytest.mark.parametrize(
    ("method", "path", "data", "error_at"),
    [
        ("post", ORDERS_URL, {}, "items"),
        ("post", ORDERS_URL, {"items": []}, "items"),
        ("post", ORDERS_URL, {"items": [line(product_id="x")]}, "items.0.product_id"),
        ("post", ORDERS_URL, {"items": [{"quantity": 1}]}, "items.0.product_id"),
        ("post", ORDERS_URL, {"items": [line(), line()]}, "items"),
        *[
            ("post", ORDERS_URL, {"items": [line(quantity)]}, "items.0.quantity")
            for quantity in (0, -1, 1001, "two")
        ],
        ("post", ORDERS_URL, {"items": [line()], "notes": "x" * 2001}, "notes"),
        ("post", PRODUCTS_URL, {"sku": "L-1", "price": "1.00"}, "name"),
        ("post", PRODUCTS_URL, {"name": "Lamp", "sku": "L-1", "price": "-1.00"}, "price"),
        ("post", PRODUCTS_URL, {"name": "Lamp", "sku": "L-1", "price": "1.001"}, "price"),
        ("patch", SOME_PRODUCT_URL, {"is_active": 0}, "is_active"),
        ("get", PRODUCTS_URL, {"search": " ".join(["desk"] * 1300)}, "search"),
        ("get", ORDERS_URL, {"status": "bogus"}, "status"),
        ("get", ORDERS_URL, {"created_before": "2024-13-45"}, "created_before"),
        # An offset of a day or more is not a date-time.
        ("get", ORDERS_URL, {"created_after": "2024-01-01T00:00:00+24:00"}, "created_after"),
        # More decimal places than PostgreSQL's numeric holds (its error was a 500).
        ("get", ORDERS_URL, {"min_amount": "1e-16384"}, "min_amount"),
        ("get", ORDERS_URL, {"max_amount": "1e-16384"}, "max_amount"),
        ("get", PRODUCTS_URL, {"min_price": "0." + "0" * 16383 + "1"}, "min_price"),
        ("get", PRODUCTS_URL, {"max_price": "1e-99999999"}, "max_price"),
    ],
)
def test_invalid_input_is_a_400_in_the_error_envelope(
    staff_client: APIClient, method: str, path: str, data: dict[str, object], error_at: str
) -> None:
    ProductFactory(id=SOME_ID)

    response = getattr(staff_client, method)(path, data)

    assert_error(response, 400, "validation_error")
    details = response.json()["error"]["details"]
    for key in error_at.split("."):
        assert list(details) == [key]
        details = details[key]
    assert not Order.objects.exists()


def test_a_shipped_order_cannot_change(auth_client: APIClient, user: User) -> None:
    order = OrderFactory(user=user, status=Order.Status.SHIPPED, notes="Ring twice")

    responses = [
        auth_client.patch(url(order), {"notes": "Too late"}),
        auth_client.post(url(order, "cancel")),
        auth_client.delete(url(order)),
    ]

    for response in responses:
        assert_error(response, 409, "invalid_status")
    order.refresh_from_db()
    assert (order.notes, order.status, order.deleted_at) == ("Ring twice", "shipped", None)


def test_products_are_listed_searched_and_filtered(
    auth_client: APIClient, staff_client: APIClient
) -> None:
    chair = ProductFactory(name="Chair", sku="CHAIR-1", price=Decimal("0.01"))
    lamp = ProductFactory(name="Desk lamp", sku="LAMP-1", price=Decimal("50.00"))
    off_sale = ProductFactory(name="Wardrobe", is_active=False)
    # The most decimal places the database holds still filter.
    params = [
        {"search": "desk"},
        {"search": "lamp-1"},
        {"max_price": "10"},
        {"min_price": "1e-16383"},
    ]

    listed = auth_client.get(PRODUCTS_URL).json()["results"]
    found = [ids(auth_client.get(PRODUCTS_URL, param)) for param in params]

    # Users see the products on sale, staff all of them.
    assert [product["id"] for product in listed] == [str(chair.id), str(lamp.id)]
    assert auth_client.get(url(lamp)).json() == listed[1]
    assert ids(staff_client.get(PRODUCTS_URL)) == [str(chair.id), str(lamp.id), str(off_sale.id)]
    assert ids(staff_client.get(PRODUCTS_URL, {"is_active": "false"})) == [str(off_sale.id)]
    assert found == [[str(lamp.id)], [str(lamp.id)], [str(chair.id)], [str(chair.id), str(lamp.id)]]


def test_users_cannot_change_the_catalogue(auth_client: APIClient, product: Product) -> None:
    responses = [
        auth_client.post(PRODUCTS_URL, {"name": "Lamp", "sku": "L-1", "price": "1.00"}),
        auth_client.patch(url(product), {"price": "0.01"}),
        auth_client.delete(url(product)),
    ]

    for response in responses:
        assert_error(response, 403, "permission_denied")


def test_staff_manage_products_that_orders_keep_showing(
    staff_client: APIClient, user: User
) -> None:
    created = staff_client.post(PRODUCTS_URL, {"name": "Lamp", "sku": "LAMP-1", "price": "19.99"})
    product = Product.objects.get(sku="LAMP-1")
    changed = staff_client.patch(url(product), {"is_active": False})
    order = OrderFactory(user=user, items=1, items__product=product)
    deleted = staff_client.delete(url(product))

    assert created.status_code == 201
    assert (created.json()["description"], created.json()["is_active"]) == ("", True)
    assert product.price == Decimal("19.99")
    assert (changed.status_code, changed.json()["is_active"]) == (200, False)
    assert (deleted.status_code, Product.objects.exists()) == (204, False)
    assert_documented(created, changed, deleted)
    staff_client.force_authenticate(user=user)
    assert staff_client.get(url(order)).json()["items"][0]["product"]["id"] == str(product.id)


def test_each_text_takes_its_longest_input_and_blank_where_optional(
    staff_client: APIClient, user: User
) -> None:
    # The limits written out: a changed one must fail here, not follow along.
    longest = {"name": "n" * 200, "sku": "s" * 64, "price": "1.00", "description": "d" * 5000}
    assert staff_client.post(PRODUCTS_URL, longest).status_code == 201
    product = Product.objects.get()
    blank = staff_client.post(PRODUCTS_URL, {**longest, "sku": "blank", "description": ""})
    assert (blank.status_code, blank.json()["description"]) == (201, "")
    changed = staff_client.patch(url(product), {**longest, "description": ""})
    assert (changed.status_code, changed.json()["description"]) == (200, "")
    too_long = staff_client.patch(url(product), {"description": "d" * 5001})
    assert list(too_long.json()["error"]["details"]) == ["description"]
    staff_client.force_authenticate(user=user)
    products = [product, *ProductFactory.create_batch(49, price=Decimal("0.01"))]
    items = [line(1000, each.id) for each in products]

    placed = staff_client.post(ORDERS_URL, {"items": items, "notes": "x" * 2000})
    too_many = staff_client.post(ORDERS_URL, {"items": [*items, line(1, ProductFactory().id)]})
    assert list(too_many.json()["error"]["details"]) == ["items"]
    blank = staff_client.post(ORDERS_URL, {"items": items[:1], "notes": ""})
    order, other = (Order.objects.get(pk=response.json()["id"]) for response in (placed, blank))

    assert staff_client.patch(url(order), {"notes": ""}).json()["notes"] == ""
    too_long = staff_client.patch(url(order), {"notes": "x" * 2001})
    assert list(too_long.json()["error"]["details"]) == ["notes"]
    too_long = staff_client.post(url(order, "cancel"), {"reason": "r" * 501})
    assert list(too_long.json()["error"]["details"]) == ["reason"]
    assert staff_client.post(url(order, "cancel"), {"reason": "r" * 500}).status_code == 200
    assert staff_client.post(url(other, "cancel"), {"reason": ""}).status_code == 200


def test_a_sku_taken_meanwhile_is_a_409(staff_client: APIClient, product: Product) -> None:
    """Another staff member saves the SKU between this request's check and its write."""
    rival = ProductFactory(sku="LAMP-1")

    with check_misses_the_rival("apps.orders.services.product_sku_taken", free=False):
        added = staff_client.post(PRODUCTS_URL, {"name": "Lamp", "sku": "LAMP-1", "price": "1"})
    with check_misses_the_rival("apps.orders.services.product_sku_taken", free=False):
        changed = staff_client.patch(url(product), {"sku": "LAMP-1"})

    assert_error(added, 409, "sku_taken")
    assert_error(changed, 409, "sku_taken")
    assert list(Product.all_objects.filter(sku="LAMP-1")) == [rival]


def test_put_is_not_allowed_nor_documented(auth_client: APIClient, user: User) -> None:
    paths = auth_client.get(reverse("schema"), {"format": "json"}).json()["paths"]

    assert_error(auth_client.put(url(OrderFactory(user=user)), {}), 405, "method_not_allowed")
    assert "put" not in paths["/api/v1/orders/{id}/"]
    conflict = paths["/api/v1/orders/{id}/cancel/"]["post"]["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_orders_are_searched_filtered_and_ordered(auth_client: APIClient, user: User) -> None:
    now = datetime.now(tz=UTC)
    recent, older, oldest = (
        OrderFactory(user=user, status=status, total_amount=total, notes=notes)
        for status, total, notes in [
            ("pending", 5, "Leave it with the neighbour"),
            ("shipped", 50, ""),
            ("cancelled", 500, "Nothing to see"),
        ]
    )
    # Two matching lines: a plain join would list this order twice.
    OrderItemFactory(order=older, product__name="Walnut desk")
    OrderItemFactory(order=older, product__name="Walnut shelf")
    for days, order in [(1, recent), (5, older), (10, oldest)]:
        Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=days))
    window = {"created_after": now - timedelta(days=7), "created_before": now - timedelta(days=2)}

    by_notes = auth_client.get(ORDERS_URL, {"search": "neighbour"})
    by_product = auth_client.get(ORDERS_URL, {"search": "walnut"})
    by_status = auth_client.get(ORDERS_URL, {"status": ["pending", "shipped"]})
    by_time = auth_client.get(ORDERS_URL, {key: value.isoformat() for key, value in window.items()})
    by_total = auth_client.get(ORDERS_URL, {"min_amount": "10", "max_amount": "50.00"})
    ordered = auth_client.get(ORDERS_URL, {"ordering": "-total_amount"})

    assert ids(by_notes) == [str(recent.id)]
    assert ids(by_status) == [str(recent.id), str(older.id)]
    assert ids(by_product) == ids(by_time) == ids(by_total) == [str(older.id)]
    assert ids(ordered) == [str(oldest.id), str(older.id), str(recent.id)]


@pytest.mark.parametrize(
    ("value", "created_since"),
    [
        ("2024-01-01T12:00:00Z", True),
        ("2024-01-01T12:00:01Z", False),
        # The same instants at an offset RFC 3339 allows and PostgreSQL refuses (beyond ±15:59);
        # common/tests/test_filters.py checks the other offsets and the bounds of years.
        ("2024-01-02T11:59:00+23:59", True),
        ("2024-01-02T11:59:01+23:59", False),
    ],
)
def test_every_date_time_is_compared_in_utc(
    auth_client: APIClient, user: User, value: str, created_since: bool
) -> None:
    """The order, created at noon UTC, is in the list after ``value`` or the one before it."""
    order = OrderFactory(user=user)
    Order.objects.filter(pk=order.pk).update(created_at=datetime(2024, 1, 1, 12, tzinfo=UTC))
    after, before = ([str(order.id)], []) if created_since else ([], [str(order.id)])

    assert ids(auth_client.get(ORDERS_URL, {"created_after": value})) == after
    assert ids(auth_client.get(ORDERS_URL, {"created_before": value})) == before

"""Tests for the order and product endpoints: status codes, envelopes, scoping, queries."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from apps.orders.models import Order, Product
from apps.orders.serializers import MAX_ITEMS_PER_ORDER, MAX_QUANTITY_PER_ITEM
from apps.orders.services import DUPLICATE_PRODUCT
from apps.orders.tests.factories import OrderFactory, OrderItemFactory, ProductFactory
from apps.users.models import User
from common.tests.helpers import assert_error
from common.tests.races import check_misses_the_rival

pytestmark = pytest.mark.django_db

ORDERS_URL = reverse("v1:order-list")
PRODUCTS_URL = reverse("v1:product-list")


def order_url(order: Order) -> str:
    """Return the detail URL of an order."""
    return reverse("v1:order-detail", kwargs={"pk": order.pk})


def cancel_url(order: Order) -> str:
    """Return the cancel URL of an order."""
    return reverse("v1:order-cancel", kwargs={"pk": order.pk})


def product_url(product: Product) -> str:
    """Return the detail URL of a product."""
    return reverse("v1:product-detail", kwargs={"pk": product.pk})


def error_code(response) -> str:
    """Return the machine-readable code of an error response."""
    return response.json()["error"]["code"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", ORDERS_URL),
        ("post", ORDERS_URL),
        ("get", PRODUCTS_URL),
        ("post", PRODUCTS_URL),
    ],
)
def test_anonymous_requests_are_refused(api_client: APIClient, method: str, url: str) -> None:
    response = getattr(api_client, method)(url)

    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


@pytest.mark.parametrize("action", ["get", "patch", "delete", "cancel"])
def test_anonymous_requests_to_an_order_are_refused(api_client: APIClient, action: str) -> None:
    order = OrderFactory()
    if action == "cancel":
        response = api_client.post(cancel_url(order))
    else:
        response = getattr(api_client, action)(order_url(order))

    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


class TestOrderList:
    def test_lists_only_my_orders_newest_first(
        self,
        auth_client: APIClient,
        user: User,
        other_user: User,
    ) -> None:
        older = OrderFactory(user=user, items=2)
        newer = OrderFactory(user=user, items=1)
        OrderFactory(user=other_user, items=1)

        response = auth_client.get(ORDERS_URL)

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 2
        assert [result["id"] for result in body["results"]] == [str(newer.id), str(older.id)]
        assert [result["item_count"] for result in body["results"]] == [1, 2]

    def test_shows_each_order_with_its_lines(self, auth_client: APIClient, user: User) -> None:
        order = OrderFactory(user=user, items=2, status=Order.Status.CONFIRMED)
        item = order.items.select_related("product").first()

        result = auth_client.get(ORDERS_URL).json()["results"][0]

        assert result["status"] == "confirmed"
        assert result["status_display"] == "Confirmed"
        assert result["user_email"] == user.email
        assert Decimal(result["total_amount"]) == order.total_amount
        line = next(line for line in result["items"] if line["id"] == str(item.id))
        assert line["product"] == {
            "id": str(item.product.id),
            "name": item.product.name,
            "sku": item.product.sku,
        }
        assert Decimal(line["line_total"]) == item.quantity * item.unit_price

    def test_an_empty_list_is_an_empty_page(self, auth_client: APIClient) -> None:
        response = auth_client.get(ORDERS_URL)

        assert response.status_code == 200
        assert response.json()["count"] == 0
        assert response.json()["results"] == []

    @pytest.mark.parametrize("orders", [5, 20])
    def test_query_count_does_not_grow_with_the_page(
        self,
        auth_client: APIClient,
        user: User,
        orders: int,
        django_assert_max_num_queries,
    ) -> None:
        for _ in range(orders):
            OrderFactory(user=user, items=4)

        # COUNT for the paginator, the orders, their items with products.
        with django_assert_max_num_queries(3):
            response = auth_client.get(ORDERS_URL, {"page_size": orders})

        assert len(response.json()["results"]) == orders
        assert all(result["item_count"] == 4 for result in response.json()["results"])

    def test_each_listed_order_is_shown_as_its_detail_shows_it(
        self,
        auth_client: APIClient,
        user: User,
    ) -> None:
        # The list reads plain values rather than serializing orders: it must not drift
        # from the serializer the detail (and every write) answers with.
        OrderFactory(user=user, items=3, status=Order.Status.CONFIRMED, notes="Ring twice")
        OrderFactory(user=user, status=Order.Status.CANCELLED, cancellation_reason="Too late")
        withdrawn = OrderFactory(user=user, items=2, notes="")
        withdrawn.items.first().product.delete()
        ProductFactory()

        listed = auth_client.get(ORDERS_URL).json()["results"]

        assert len(listed) == 3
        for result in listed:
            detail = auth_client.get(reverse("v1:order-detail", kwargs={"pk": result["id"]}))
            assert result == detail.json()

    def test_the_listed_orders_have_the_shape_the_schema_documents(
        self,
        auth_client: APIClient,
        user: User,
    ) -> None:
        OrderFactory(user=user, items=2)
        schema = auth_client.get(reverse("schema"), {"format": "json"}).json()
        components = schema["components"]["schemas"]
        page_schema = schema["paths"]["/api/v1/orders/"]["get"]["responses"]["200"]
        page_ref = page_schema["content"]["application/json"]["schema"]["$ref"]
        order_ref = components[page_ref.rsplit("/", 1)[1]]["properties"]["results"]["items"]
        validator = Draft202012Validator(
            {**order_ref, "components": schema["components"]},
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )

        (order,) = auth_client.get(ORDERS_URL).json()["results"]

        validator.validate(order)
        # The schema allows extra properties: check that the fields are exactly its own.
        assert set(order) == set(components["Order"]["properties"])
        assert set(order["items"][0]) == set(components["OrderItem"]["properties"])
        assert set(order["items"][0]["product"]) == set(components["ProductSummary"]["properties"])

    def test_orders_by_total(self, auth_client: APIClient, user: User) -> None:
        totals = [Decimal("30.00"), Decimal("10.00"), Decimal("20.00")]
        for total in totals:
            OrderFactory(user=user, total_amount=total)

        response = auth_client.get(ORDERS_URL, {"ordering": "total_amount"})

        listed = [Decimal(result["total_amount"]) for result in response.json()["results"]]
        assert listed == sorted(totals)

    def test_searches_notes_and_product_names_listing_each_order_once(
        self,
        auth_client: APIClient,
        user: User,
    ) -> None:
        by_notes = OrderFactory(user=user, notes="Leave it with the neighbour")
        # Two matching lines: a plain join would list this order twice.
        by_product = OrderFactory(user=user, notes="")
        OrderItemFactory(order=by_product, product__name="Walnut desk")
        OrderItemFactory(order=by_product, product__name="Walnut shelf")
        OrderFactory(user=user, notes="Nothing to see", items=1)

        neighbour = auth_client.get(ORDERS_URL, {"search": "neighbour"}).json()
        walnut = auth_client.get(ORDERS_URL, {"search": "walnut"}).json()

        assert [result["id"] for result in neighbour["results"]] == [str(by_notes.id)]
        assert walnut["count"] == 1
        assert [result["id"] for result in walnut["results"]] == [str(by_product.id)]


class TestOrderRetrieve:
    def test_shows_my_order(self, auth_client: APIClient, user: User) -> None:
        order = OrderFactory(user=user, items=3)

        response = auth_client.get(order_url(order))

        assert response.status_code == 200
        assert response.json()["id"] == str(order.id)
        assert response.json()["item_count"] == 3

    def test_another_users_order_is_not_found(
        self,
        auth_client: APIClient,
        other_user: User,
    ) -> None:
        response = auth_client.get(order_url(OrderFactory(user=other_user)))

        assert response.status_code == 404
        assert error_code(response) == "not_found"

    def test_a_deleted_order_is_not_found(self, auth_client: APIClient, user: User) -> None:
        order = OrderFactory(user=user)
        order.delete()

        assert auth_client.get(order_url(order)).status_code == 404

    def test_a_malformed_id_is_not_found(self, auth_client: APIClient) -> None:
        response = auth_client.get(reverse("v1:order-detail", kwargs={"pk": "not-a-uuid"}))

        assert response.status_code == 404
        assert error_code(response) == "not_found"


class TestOrderCreate:
    def test_places_the_order_and_returns_it_as_listed(
        self,
        auth_client: APIClient,
        user: User,
    ) -> None:
        lamp = ProductFactory(price=Decimal("19.99"))
        desk = ProductFactory(price=Decimal("250.00"))
        payload = {
            "items": [
                {"product_id": str(lamp.id), "quantity": 2},
                {"product_id": str(desk.id), "quantity": 1},
            ],
            "notes": "Ring twice",
        }

        response = auth_client.post(ORDERS_URL, payload)

        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "pending"
        assert body["notes"] == "Ring twice"
        assert body["total_amount"] == "289.98"
        assert body["item_count"] == 2
        assert {line["product"]["id"] for line in body["items"]} == {str(lamp.id), str(desk.id)}
        assert Order.objects.get(pk=body["id"]).user == user

    def test_notes_are_optional(self, auth_client: APIClient, product: Product) -> None:
        response = auth_client.post(
            ORDERS_URL,
            {"items": [{"product_id": str(product.id), "quantity": 1}]},
        )

        assert response.status_code == 201
        assert response.json()["notes"] == ""

    def test_a_client_cannot_set_the_price_or_the_status(
        self,
        auth_client: APIClient,
        product: Product,
    ) -> None:
        payload = {
            "items": [{"product_id": str(product.id), "quantity": 1, "unit_price": "0.01"}],
            "status": "delivered",
            "total_amount": "0.01",
        }

        body = auth_client.post(ORDERS_URL, payload).json()

        assert body["status"] == "pending"
        assert Decimal(body["total_amount"]) == product.price

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            pytest.param({}, "items", id="no-items"),
            pytest.param({"items": []}, "items", id="empty-items"),
            pytest.param({"items": [{"product_id": "x", "quantity": 1}]}, "items", id="bad-id"),
            pytest.param({"items": [{"quantity": 1}]}, "items", id="missing-product"),
            pytest.param({"items": "lamp"}, "items", id="not-a-list"),
            pytest.param({"notes": "x" * 2001}, "notes", id="notes-too-long"),
        ],
    )
    def test_invalid_input_is_a_400_in_the_error_envelope(
        self,
        auth_client: APIClient,
        payload: dict[str, object],
        field: str,
    ) -> None:
        response = auth_client.post(ORDERS_URL, payload)

        assert response.status_code == 400
        assert error_code(response) == "validation_error"
        assert field in response.json()["error"]["details"]
        assert not Order.objects.exists()

    @pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY_PER_ITEM + 1, "two"])
    def test_quantity_must_be_within_limits(
        self,
        auth_client: APIClient,
        product: Product,
        quantity: object,
    ) -> None:
        payload = {"items": [{"product_id": str(product.id), "quantity": quantity}]}

        response = auth_client.post(ORDERS_URL, payload)

        assert response.status_code == 400
        # Line errors are keyed by the position of the line in the request.
        assert list(response.json()["error"]["details"]["items"]["0"]) == ["quantity"]

    def test_too_many_lines_are_refused(self, auth_client: APIClient) -> None:
        items = [
            {"product_id": str(uuid.uuid4()), "quantity": 1} for _ in range(MAX_ITEMS_PER_ORDER + 1)
        ]

        response = auth_client.post(ORDERS_URL, {"items": items})

        assert response.status_code == 400
        assert error_code(response) == "validation_error"
        assert "items" in response.json()["error"]["details"]

    def test_a_product_listed_twice_is_refused(
        self,
        auth_client: APIClient,
        product: Product,
    ) -> None:
        line = {"product_id": str(product.id), "quantity": 1}

        response = auth_client.post(ORDERS_URL, {"items": [line, line]})

        assert response.status_code == 400
        assert response.json()["error"]["details"] == {"items": [DUPLICATE_PRODUCT]}

    def test_an_unknown_product_is_refused_with_its_id(
        self,
        auth_client: APIClient,
        product: Product,
    ) -> None:
        missing = str(uuid.uuid4())
        payload = {
            "items": [
                {"product_id": str(product.id), "quantity": 1},
                {"product_id": missing, "quantity": 1},
            ],
        }

        response = auth_client.post(ORDERS_URL, payload)

        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "product_unavailable"
        assert error["details"] == {"product_ids": [missing]}
        assert not Order.objects.exists()


class TestOrderUpdate:
    def test_changes_the_notes(self, auth_client: APIClient, user: User) -> None:
        order = OrderFactory(user=user, items=2)

        response = auth_client.patch(order_url(order), {"notes": "Back door"})

        assert response.status_code == 200
        assert response.json()["notes"] == "Back door"
        assert response.json()["item_count"] == 2

    def test_an_empty_patch_changes_nothing(self, auth_client: APIClient, user: User) -> None:
        # PATCH is partial, as the schema says: no field is required.
        order = OrderFactory(user=user, notes="Ring twice")

        response = auth_client.patch(order_url(order), {})

        assert response.status_code == 200
        assert response.json()["notes"] == "Ring twice"

    def test_a_shipped_order_cannot_change(self, auth_client: APIClient, user: User) -> None:
        order = OrderFactory(user=user, status=Order.Status.SHIPPED)

        response = auth_client.patch(order_url(order), {"notes": "Too late"})

        assert response.status_code == 409
        assert error_code(response) == "invalid_status"

    def test_another_users_order_is_not_found(
        self,
        auth_client: APIClient,
        other_user: User,
    ) -> None:
        order = OrderFactory(user=other_user, notes="theirs")

        response = auth_client.patch(order_url(order), {"notes": "mine now"})

        assert response.status_code == 404
        order.refresh_from_db()
        assert order.notes == "theirs"

    def test_put_is_not_allowed(self, auth_client: APIClient, user: User) -> None:
        response = auth_client.put(order_url(OrderFactory(user=user)), {"notes": "x"})

        assert response.status_code == 405
        assert error_code(response) == "method_not_allowed"


class TestOrderCancel:
    def test_cancels_with_a_reason(self, auth_client: APIClient, user: User) -> None:
        order = OrderFactory(user=user, items=2)

        response = auth_client.post(cancel_url(order), {"reason": "Changed my mind"})

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "cancelled"
        assert body["cancellation_reason"] == "Changed my mind"
        assert body["item_count"] == 2

    def test_the_reason_is_optional(self, auth_client: APIClient, user: User) -> None:
        response = auth_client.post(cancel_url(OrderFactory(user=user)))

        assert response.status_code == 200
        assert response.json()["cancellation_reason"] == ""

    def test_a_delivered_order_cannot_be_cancelled(
        self,
        auth_client: APIClient,
        user: User,
    ) -> None:
        order = OrderFactory(user=user, status=Order.Status.DELIVERED)

        response = auth_client.post(cancel_url(order))

        assert response.status_code == 409
        assert error_code(response) == "invalid_status"

    def test_another_users_order_is_not_found(
        self,
        auth_client: APIClient,
        other_user: User,
    ) -> None:
        order = OrderFactory(user=other_user)

        assert auth_client.post(cancel_url(order)).status_code == 404
        order.refresh_from_db()
        assert order.status == Order.Status.PENDING


class TestOrderDelete:
    def test_soft_deletes_my_pending_order(self, auth_client: APIClient, user: User) -> None:
        order = OrderFactory(user=user, items=1)

        response = auth_client.delete(order_url(order))

        assert response.status_code == 204
        assert not Order.objects.filter(pk=order.pk).exists()
        assert Order.all_objects.filter(pk=order.pk).exists()
        assert auth_client.get(ORDERS_URL).json()["count"] == 0

    def test_a_shipped_order_cannot_be_deleted(self, auth_client: APIClient, user: User) -> None:
        order = OrderFactory(user=user, status=Order.Status.SHIPPED)

        response = auth_client.delete(order_url(order))

        assert response.status_code == 409
        assert error_code(response) == "invalid_status"

    def test_another_users_order_is_not_found(
        self,
        auth_client: APIClient,
        other_user: User,
    ) -> None:
        order = OrderFactory(user=other_user)

        assert auth_client.delete(order_url(order)).status_code == 404
        assert Order.objects.filter(pk=order.pk).exists()


class TestProducts:
    def test_users_see_products_on_sale(self, auth_client: APIClient) -> None:
        on_sale = ProductFactory(name="A lamp")
        ProductFactory(is_active=False)

        response = auth_client.get(PRODUCTS_URL)

        assert response.status_code == 200
        assert [result["id"] for result in response.json()["results"]] == [str(on_sale.id)]

    def test_staff_also_see_products_off_sale(self, staff_client: APIClient) -> None:
        ProductFactory()
        ProductFactory(is_active=False)

        assert staff_client.get(PRODUCTS_URL).json()["count"] == 2

    def test_a_search_for_too_many_words_is_a_400(self, auth_client: APIClient) -> None:
        response = auth_client.get(PRODUCTS_URL, {"search": " ".join(["desk"] * 1300)})

        assert response.status_code == 400
        assert list(response.json()["error"]["details"]) == ["search"]

    def test_is_active_takes_a_boolean_only(
        self, staff_client: APIClient, product: Product
    ) -> None:
        response = staff_client.patch(product_url(product), {"is_active": 0}, format="json")

        assert response.status_code == 400
        assert list(response.json()["error"]["details"]) == ["is_active"]

    def test_search_by_name_or_sku(self, auth_client: APIClient) -> None:
        lamp = ProductFactory(name="Desk lamp", sku="LAMP-1")
        ProductFactory(name="Chair", sku="CHAIR-1")

        by_name = auth_client.get(PRODUCTS_URL, {"search": "desk"}).json()["results"]
        by_sku = auth_client.get(PRODUCTS_URL, {"search": "lamp-1"}).json()["results"]

        assert [result["id"] for result in by_name] == [str(lamp.id)]
        assert [result["id"] for result in by_sku] == [str(lamp.id)]

    def test_retrieve(self, auth_client: APIClient, product: Product) -> None:
        response = auth_client.get(product_url(product))

        assert response.status_code == 200
        assert response.json()["sku"] == product.sku

    def test_users_cannot_change_the_catalogue(
        self,
        auth_client: APIClient,
        product: Product,
    ) -> None:
        responses = [
            auth_client.post(PRODUCTS_URL, {"name": "Lamp", "sku": "L-1", "price": "1.00"}),
            auth_client.patch(product_url(product), {"price": "0.01"}),
            auth_client.delete(product_url(product)),
        ]

        assert [response.status_code for response in responses] == [403, 403, 403]
        assert {error_code(response) for response in responses} == {"permission_denied"}

    def test_staff_create_a_product(self, staff_client: APIClient) -> None:
        payload = {"name": "Lamp", "sku": "LAMP-1", "price": "19.99"}

        response = staff_client.post(PRODUCTS_URL, payload)

        assert response.status_code == 201
        assert response.json()["description"] == ""
        assert Product.objects.get(sku="LAMP-1").price == Decimal("19.99")

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"sku": "L-1", "price": "1.00"}, "name"),
            ({"name": "Lamp", "sku": "L-1", "price": "-1.00"}, "price"),
            ({"name": "Lamp", "sku": "L-1", "price": "1.001"}, "price"),
        ],
    )
    def test_create_validates_the_input(
        self,
        staff_client: APIClient,
        payload: dict[str, str],
        field: str,
    ) -> None:
        response = staff_client.post(PRODUCTS_URL, payload)

        assert response.status_code == 400
        assert field in response.json()["error"]["details"]

    def test_a_taken_sku_is_refused(self, staff_client: APIClient, product: Product) -> None:
        payload = {"name": "Lamp", "sku": product.sku, "price": "1.00"}

        response = staff_client.post(PRODUCTS_URL, payload)

        assert response.status_code == 409
        assert error_code(response) == "sku_taken"

    def test_staff_take_a_product_off_sale(
        self,
        staff_client: APIClient,
        product: Product,
    ) -> None:
        response = staff_client.patch(product_url(product), {"is_active": False})

        assert response.status_code == 200
        assert response.json()["is_active"] is False
        product.refresh_from_db()
        assert not product.is_active

    def test_staff_delete_a_product_that_orders_keep_showing(
        self,
        staff_client: APIClient,
        user: User,
    ) -> None:
        order = OrderFactory(user=user, items=1)
        product = order.items.get().product

        response = staff_client.delete(product_url(product))

        assert response.status_code == 204
        assert not Product.objects.filter(pk=product.pk).exists()
        staff_client.force_authenticate(user=user)
        listed = staff_client.get(order_url(order)).json()["items"][0]["product"]
        assert listed["id"] == str(product.id)


def test_the_schema_documents_the_endpoints(auth_client: APIClient) -> None:
    response = auth_client.get(reverse("schema"), {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/orders/"])
    assert "put" not in paths["/api/v1/orders/{id}/"]
    assert "post" in paths["/api/v1/orders/{id}/cancel/"]
    conflict = paths["/api/v1/orders/{id}/cancel/"]["post"]["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


class TestRepeatedRequests:
    """A client that resends a PATCH or DELETE (a retry after a timeout) changes nothing more."""

    def test_the_same_patch_twice_leaves_the_order_as_once(
        self,
        auth_client: APIClient,
        user: User,
    ) -> None:
        order = OrderFactory(user=user, items=2)

        first = auth_client.patch(order_url(order), {"notes": "Back door"})
        second = auth_client.patch(order_url(order), {"notes": "Back door"})

        assert first.status_code == second.status_code == 200
        changed = {key for key in first.json() if first.json()[key] != second.json()[key]}
        assert changed <= {"updated_at"}

    def test_deleting_twice_deletes_once(self, auth_client: APIClient, user: User) -> None:
        order, kept = OrderFactory(user=user, items=1), OrderFactory(user=user, items=1)
        assert auth_client.delete(order_url(order)).status_code == 204
        deleted_at = Order.all_objects.get(pk=order.pk).deleted_at

        second = auth_client.delete(order_url(order))

        assert second.status_code == 404
        assert error_code(second) == "not_found"
        assert Order.all_objects.get(pk=order.pk).deleted_at == deleted_at
        assert list(Order.objects.filter(user=user)) == [kept]


class TestSkuTakenMeanwhile:
    """Another staff member saves the same SKU between this request's check and its write."""

    SKU_CHECK = "apps.orders.services.product_sku_taken"

    def test_adding_answers_sku_taken(self, staff_client: APIClient) -> None:
        rival = ProductFactory(sku="LAMP-1")

        with check_misses_the_rival(self.SKU_CHECK, free=False):
            response = staff_client.post(
                PRODUCTS_URL, {"name": "Lamp", "sku": "LAMP-1", "price": "1.00"}
            )

        assert_error(response, 409, "sku_taken")
        assert list(Product.all_objects.filter(sku="LAMP-1")) == [rival]

    def test_changing_answers_sku_taken(self, staff_client: APIClient, product: Product) -> None:
        sku = product.sku
        ProductFactory(sku="LAMP-2")

        with check_misses_the_rival(self.SKU_CHECK, free=False):
            response = staff_client.patch(product_url(product), {"sku": "LAMP-2"})

        assert_error(response, 409, "sku_taken")
        product.refresh_from_db()
        assert product.sku == sku

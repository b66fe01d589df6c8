"""Tests for the admin pages: they render, and orders change only through the services."""

from unittest import mock

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from apps.orders.admin import CANCELLED_BY_STAFF
from apps.orders.models import Order, Product
from apps.orders.services import SKU_TAKEN, order_change_status, product_create, product_update
from apps.orders.tests.factories import OrderFactory, ProductFactory
from common.tests.helpers import assert_form_refused
from common.tests.races import check_misses_the_rival

pytestmark = pytest.mark.django_db

# The admin actions on orders and the labels staff pick them by.
ACTIONS = {
    "confirm": "Confirm the selected orders",
    "ship": "Mark the selected orders shipped",
    "deliver": "Mark the selected orders delivered",
    "cancel": "Cancel the selected orders",
}


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


def test_order_lines_cannot_be_changed_from_the_order_page(admin_client: Client) -> None:
    order = OrderFactory(items=1)
    line = order.items.get()
    before = (line.quantity, line.unit_price, order.total_amount)
    change_url = reverse("admin:orders_order_change", args=[order.pk])
    formset = admin_client.get(change_url).context["inline_admin_formsets"][0].formset
    form = formset.forms[0]
    management = formset.management_form
    data = {management.add_prefix(name): value for name, value in management.initial.items()}
    data |= {form.add_prefix("id"): line.pk, form.add_prefix("order"): order.pk}
    # Every field of the line, as an editable inline would need them to save.
    data |= {form.add_prefix("product"): line.product_id, form.add_prefix("quantity"): 999}
    data |= {form.add_prefix("unit_price"): "0.01"}

    admin_client.post(change_url, data)

    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.quantity, line.unit_price, order.total_amount) == before
    assert set(form.fields) == {"id", "order"}


def test_an_order_cannot_be_added_edited_or_deleted_by_hand(admin_client: Client) -> None:
    order = OrderFactory(items=1)
    change_url = reverse("admin:orders_order_change", args=[order.pk])

    page = admin_client.get(change_url)
    admin_client.post(change_url, {"status": Order.Status.DELIVERED, "notes": "edited"})

    assert page.context["adminform"].form.fields == {}
    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403
    delete_url = reverse("admin:orders_order_delete", args=[order.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    order.refresh_from_db()
    assert (order.status, order.deleted_at) == (Order.Status.PENDING, None)
    assert order.notes != "edited"


def test_actions_are_described_and_need_the_change_permission(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:orders_order_changelist"))

    choices = dict(response.context["action_form"].fields["action"].choices)
    model_admin = response.context["cl"].model_admin
    actions = {name: model_admin.get_action(name)[0] for name in ACTIONS}
    assert {name: choices[name] for name in ACTIONS} == ACTIONS
    assert {name: action.allowed_permissions for name, action in actions.items()} == {
        name: ["change"] for name in ACTIONS
    }


def run_action(admin_client: Client, action: str, *orders: Order) -> list[str]:
    """Run an admin action on ``orders`` from the changelist; return the messages shown."""
    response = admin_client.post(
        reverse("admin:orders_order_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [str(order.pk) for order in orders]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("confirm", Order.Status.PENDING, Order.Status.CONFIRMED),
        ("ship", Order.Status.CONFIRMED, Order.Status.SHIPPED),
        ("deliver", Order.Status.SHIPPED, Order.Status.DELIVERED),
        ("cancel", Order.Status.CONFIRMED, Order.Status.CANCELLED),
    ],
)
def test_actions_move_orders_through_the_service(
    admin_client: Client,
    action: str,
    start: Order.Status,
    end: Order.Status,
) -> None:
    order = OrderFactory(status=start)

    with mock.patch(
        "apps.orders.admin.order_change_status",
        autospec=True,
        side_effect=order_change_status,
    ) as change_status:
        shown = run_action(admin_client, action, order)

    change_status.assert_called_once()
    assert shown == [f"1 order(s) now {end.label.lower()}."]
    order.refresh_from_db()
    assert order.status == end
    if end == Order.Status.CANCELLED:
        assert order.cancellation_reason == CANCELLED_BY_STAFF


def test_actions_report_the_orders_the_rules_refuse(admin_client: Client) -> None:
    pending = OrderFactory()
    delivered = OrderFactory(status=Order.Status.DELIVERED)

    shown = run_action(admin_client, "cancel", pending, delivered)

    assert f"{delivered}: A delivered order cannot become cancelled." in shown
    assert "1 order(s) now cancelled." in shown
    delivered.refresh_from_db()
    assert delivered.status == Order.Status.DELIVERED
    pending.refresh_from_db()
    assert pending.status == Order.Status.CANCELLED


def post_lamp(admin_client: Client, page: str, product: Product, sku: str) -> HttpResponse:
    """Post the product add page, or ``product``'s change page, as a lamp with ``sku``."""
    url = (
        reverse("admin:orders_product_add")
        if page == "add"
        else reverse("admin:orders_product_change", args=[product.pk])
    )
    return admin_client.post(url, {"name": "Lamp", "sku": sku, "price": "1.00", "is_active": "on"})


@pytest.mark.parametrize("page", ["add", "change"])
def test_the_product_form_refuses_a_deleted_products_sku(admin_client: Client, page: str) -> None:
    # Django's unique check skips deleted products; the column's constraint does not.
    ProductFactory(sku="GONE-1").delete()
    product = ProductFactory()

    response = post_lamp(admin_client, page, product, "GONE-1")

    assert_form_refused(response, {"sku": [SKU_TAKEN]})
    assert Product.all_objects.filter(sku="GONE-1").count() == 1


@pytest.mark.parametrize("page", ["add", "change"])
def test_a_sku_taken_meanwhile_is_a_form_error(admin_client: Client, page: str) -> None:
    product = ProductFactory(sku="LAMP-0")
    ProductFactory(sku="LAMP-1")

    # The form's checks and the service's first one see the SKU free, as when a concurrent
    # request saves it right after them: only the write meets the rival row.
    with (
        check_misses_the_rival("apps.orders.admin.product_sku_taken", free=False),
        check_misses_the_rival("apps.orders.models.Product.validate_unique", free=None),
        check_misses_the_rival("apps.orders.services.product_sku_taken", free=False),
    ):
        response = post_lamp(admin_client, page, product, "LAMP-1")

    assert_form_refused(response, {"sku": [SKU_TAKEN]})
    assert Product.all_objects.count() == 2
    product.refresh_from_db()
    assert (product.name, product.sku) != ("Lamp", "LAMP-1")


def test_the_product_pages_write_through_the_services(admin_client: Client) -> None:
    payload = {"name": "Lamp", "sku": "LAMP-1", "price": "1.00", "description": ""}

    with mock.patch(
        "apps.orders.admin.product_create", autospec=True, side_effect=product_create
    ) as create:
        added = admin_client.post(reverse("admin:orders_product_add"), payload)
    product = Product.objects.get(sku="LAMP-1")
    # The change page renders, and keeps the product's own SKU: no conflict with itself.
    page = admin_client.get(reverse("admin:orders_product_change", args=[product.pk]))
    with mock.patch(
        "apps.orders.admin.product_update", autospec=True, side_effect=product_update
    ) as update:
        changed = admin_client.post(
            reverse("admin:orders_product_change", args=[product.pk]),
            {**payload, "name": "Desk lamp", "is_active": "on"},
        )

    assert (added.status_code, page.status_code, changed.status_code) == (302, 200, 302)
    create.assert_called_once()
    update.assert_called_once()
    product.refresh_from_db()
    assert (product.name, product.is_active) == ("Desk lamp", True)
    assert added.url == reverse("admin:orders_product_changelist")

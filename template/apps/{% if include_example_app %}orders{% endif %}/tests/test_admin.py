"""Tests for the admin pages: they render, and orders change only through the services."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from apps.orders.admin import CANCELLED_BY_STAFF
from apps.orders.models import Order, Product
from apps.orders.services import SKU_TAKEN
from apps.orders.tests.factories import OrderFactory, ProductFactory
from common.tests.helpers import assert_form_refused
from common.tests.races import check_misses_the_rival

pytestmark = pytest.mark.django_db

LAMP = {"name": "Lamp", "sku": "LAMP-1", "price": "1.00", "description": "", "is_active": "on"}


def test_changelists_render(admin_client: Client) -> None:
    OrderFactory(items=2)

    for model in ("order", "product"):
        assert (
            admin_client.get(reverse(f"admin:orders_{model}_changelist"), {"q": "a"}).status_code
            == 200
        )


def test_order_page_shows_its_lines_read_only(admin_client: Client) -> None:
    order = OrderFactory(items=2)

    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))

    # Lines and totals come from the services: editing them here would let them drift.
    inline = page.context["inline_admin_formsets"][0]
    assert (len(inline.forms), inline.has_add_permission, inline.formset.can_delete) == (
        2,
        False,
        False,
    )
    assert {name for form in inline.formset.forms for name in form.fields} == {"id", "order"}
    assert page.context["adminform"].form.fields == {}
    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403
    delete_url = reverse("admin:orders_order_delete", args=[order.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()


def run_action(admin_client: Client, action: str, *orders: Order) -> HttpResponse:
    """Run an admin action on ``orders`` from the changelist; return the page it leads to."""
    return admin_client.post(
        reverse("admin:orders_order_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [str(order.pk) for order in orders]},
        follow=True,
    )


@pytest.mark.parametrize(
    ("action", "label", "start", "end"),
    [
        ("confirm", "Confirm the selected orders", "pending", Order.Status.CONFIRMED),
        ("ship", "Mark the selected orders shipped", "confirmed", Order.Status.SHIPPED),
        ("deliver", "Mark the selected orders delivered", "shipped", Order.Status.DELIVERED),
        ("cancel", "Cancel the selected orders", "confirmed", Order.Status.CANCELLED),
    ],
)
def test_actions_move_orders_through_the_service(
    admin_client: Client, action: str, label: str, start: str, end: Order.Status
) -> None:
    order = OrderFactory(status=start)

    page = run_action(admin_client, action, order)

    messages = [str(message) for message in page.context["messages"]]
    assert messages == [f"1 order(s) now {end.label.lower()}."]
    order.refresh_from_db()
    assert order.status == end
    assert order.cancellation_reason == (CANCELLED_BY_STAFF if action == "cancel" else "")
    # Described to staff, and offered only to those who may change orders.
    assert dict(page.context["action_form"].fields["action"].choices)[action] == label
    assert page.context["cl"].model_admin.get_action(action)[0].allowed_permissions == ["change"]


def test_actions_report_the_orders_the_rules_refuse(admin_client: Client) -> None:
    pending = OrderFactory()
    delivered = OrderFactory(status=Order.Status.DELIVERED)

    page = run_action(admin_client, "cancel", pending, delivered)

    # The service's rules, and its message.
    assert {str(message) for message in page.context["messages"]} == {
        f"{delivered}: A delivered order cannot become cancelled.",
        "1 order(s) now cancelled.",
    }
    assert set(Order.objects.values_list("status", flat=True)) == {"delivered", "cancelled"}


def product_page(page: str, product: Product) -> str:
    if page == "add":
        return reverse("admin:orders_product_add")
    return reverse("admin:orders_product_change", args=[product.pk])


@pytest.mark.parametrize("page", ["add", "change"])
def test_the_product_form_refuses_a_taken_sku(admin_client: Client, page: str) -> None:
    product = ProductFactory(sku="LAMP-0")
    name = product.name
    # Django's unique check skips deleted products; the column's constraint does not.
    ProductFactory(sku="GONE-1").delete()
    ProductFactory(sku="LAMP-1")

    deleted_ones = admin_client.post(product_page(page, product), {**LAMP, "sku": "GONE-1"})
    # The form's checks and the service's first one see the SKU free, as when a concurrent
    # request saves it right after them: only the write meets the rival row.
    with (
        check_misses_the_rival("apps.orders.admin.product_sku_taken", free=False),
        check_misses_the_rival("apps.orders.models.Product.validate_unique", free=None),
        check_misses_the_rival("apps.orders.services.product_sku_taken", free=False),
    ):
        taken_meanwhile = admin_client.post(product_page(page, product), LAMP)

    assert_form_refused(deleted_ones, {"sku": [SKU_TAKEN]})
    assert_form_refused(taken_meanwhile, {"sku": [SKU_TAKEN]})
    assert Product.all_objects.count() == 3
    product.refresh_from_db()
    assert (product.name, product.sku) == (name, "LAMP-0")


def test_the_product_pages_add_and_change_products(admin_client: Client) -> None:
    # Through the services: the form errors above come from them.
    added = admin_client.post(reverse("admin:orders_product_add"), LAMP)
    product = Product.objects.get(sku="LAMP-1")
    # The change page renders, and keeps the product's own SKU: no conflict with itself.
    page = admin_client.get(product_page("change", product))
    changed = admin_client.post(product_page("change", product), {**LAMP, "name": "Desk lamp"})

    assert (added.status_code, page.status_code, changed.status_code) == (302, 200, 302)
    assert added.url == reverse("admin:orders_product_changelist")
    product.refresh_from_db()
    assert (product.name, product.is_active) == ("Desk lamp", True)

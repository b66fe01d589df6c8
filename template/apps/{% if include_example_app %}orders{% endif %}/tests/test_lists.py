"""Tests for the order and product lists read as values (``common.lists``)."""

from datetime import UTC, datetime

import pytest
from django.db.models import Count, F, Prefetch, QuerySet
from rest_framework import serializers

from apps.orders.models import Order, OrderItem, Product
from apps.orders.selectors import order_list, product_list
from apps.orders.serializers import OrderSerializer, ProductSerializer
from apps.orders.tests.factories import OrderFactory, ProductFactory
from apps.users.models import User
from common.lists import ValuesPlan

pytestmark = pytest.mark.django_db


def every_order(**line_filters: object) -> QuerySet[Order]:
    """Return every user's orders, annotated as a staff list would be, not as the selector is."""
    lines = OrderItem.objects.filter(**line_filters).annotate(
        line_total=F("unit_price") * F("quantity")
    )
    return (
        Order.objects.prefetch_related(Prefetch("items", queryset=lines))
        .annotate(item_count=Count("items", distinct=True))
        .order_by("created_at")
    )


def test_the_order_and_product_lists_have_a_plan(user: User) -> None:
    assert ValuesPlan.for_queryset(OrderSerializer, order_list(user=user)) is not None
    assert ValuesPlan.for_queryset(ProductSerializer, product_list()) is not None


def test_the_plan_gives_the_serializers_representation(user: User) -> None:
    OrderFactory(user=user, items=3, status=Order.Status.SHIPPED)
    OrderFactory(user=user, status=Order.Status.CANCELLED, cancellation_reason="Late")
    OrderFactory(user=user, items=1, notes="")
    orders = order_list(user=user)

    planned = ValuesPlan.for_queryset(OrderSerializer, orders).represent(orders)

    assert planned == OrderSerializer(orders, many=True).data


def test_each_row_shows_its_own_owner(user: User, other_user: User) -> None:
    OrderFactory(user=user, items=2)
    OrderFactory(user=other_user, items=1)
    orders = every_order()

    planned = ValuesPlan.for_queryset(OrderSerializer, orders).represent(orders)

    assert [order["user_email"] for order in planned] == [user.email, other_user.email]
    assert planned == OrderSerializer(orders, many=True).data


def test_nested_lists_are_read_with_each_querysets_own_prefetch(user: User) -> None:
    order = OrderFactory(user=user, items=2)
    kept = order.items.order_by("created_at").first()
    every_line, one_line = every_order(), every_order(product=kept.product)

    planned = [
        ValuesPlan.for_queryset(OrderSerializer, orders).represent(orders)
        for orders in (every_line, one_line, every_line)
    ]

    assert [len(page[0]["items"]) for page in planned] == [2, 1, 2]
    assert planned[1][0]["items"][0]["id"] == str(kept.pk)
    assert planned[1] == OrderSerializer(one_line, many=True).data


def test_a_field_added_to_the_serializer_is_listed() -> None:
    class OrderWithOwnerSerializer(OrderSerializer):
        owner_id = serializers.UUIDField(source="user.id", read_only=True)
        confirmation_sent_at = serializers.DateTimeField(read_only=True)

        class Meta(OrderSerializer.Meta):
            fields = [*OrderSerializer.Meta.fields, "owner_id", "confirmation_sent_at"]

    OrderFactory(items=1)
    OrderFactory(items=2, confirmation_sent_at=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))
    orders = every_order()

    planned = ValuesPlan.for_queryset(OrderWithOwnerSerializer, orders).represent(orders)

    assert planned == OrderWithOwnerSerializer(orders, many=True).data
    assert {order["confirmation_sent_at"] for order in planned} == {None, "2030-01-02T03:04:05Z"}


def test_a_field_values_cannot_give_leaves_the_list_to_the_serializer() -> None:
    class ProductWithLabelSerializer(ProductSerializer):
        label = serializers.SerializerMethodField()

        class Meta(ProductSerializer.Meta):
            fields = [*ProductSerializer.Meta.fields, "label"]

        def get_label(self, product: Product) -> str:
            return str(product)

    assert ValuesPlan.for_queryset(ProductWithLabelSerializer, product_list()) is None


def test_a_product_page_is_the_serializers(staff_client) -> None:
    ProductFactory(is_active=False)
    ProductFactory(description="Heavy")

    listed = staff_client.get("/api/v1/products/").json()["results"]

    assert listed == ProductSerializer(product_list(include_inactive=True), many=True).data

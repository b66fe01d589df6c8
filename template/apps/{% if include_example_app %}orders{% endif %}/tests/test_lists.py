"""Tests for the order and product lists read as values (``common.lists``)."""

from decimal import Decimal

import pytest
from django.db.models import Count, F, Prefetch, QuerySet
from rest_framework import serializers

from apps.orders.models import Order, OrderItem
from apps.orders.selectors import order_list, product_list
from apps.orders.serializers import OrderSerializer, ProductSerializer
from apps.orders.tests.factories import OrderFactory
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


def planned(serializer: type[serializers.Serializer], queryset: QuerySet) -> list[dict]:
    return ValuesPlan.for_queryset(serializer, queryset).represent(queryset)


def test_the_order_and_product_lists_have_a_plan(user: User) -> None:
    assert ValuesPlan.for_queryset(OrderSerializer, order_list(user=user)) is not None
    assert ValuesPlan.for_queryset(ProductSerializer, product_list()) is not None


def test_nested_lists_are_read_with_each_querysets_own_prefetch(user: User) -> None:
    order = OrderFactory(user=user, items=2)
    kept = order.items.order_by("created_at").first()
    every_line, one_line = every_order(), every_order(product=kept.product)

    pages = [planned(OrderSerializer, orders) for orders in (every_line, one_line, every_line)]

    assert [len(page[0]["items"]) for page in pages] == [2, 1, 2]
    assert pages[1] == OrderSerializer(one_line, many=True).data


class RoundedOrderSerializer(serializers.ModelSerializer):
    total = serializers.DecimalField(source="total_amount", max_digits=12, decimal_places=1)

    class Meta:
        model = Order
        fields = ["id", "total"]
        read_only_fields = fields


def test_a_column_shown_with_fewer_places_is_rounded_as_drf_does(user: User) -> None:
    OrderFactory(user=user, total_amount=Decimal("10.25"))
    orders = Order.objects.all()

    assert planned(RoundedOrderSerializer, orders) == RoundedOrderSerializer(orders, many=True).data
    assert planned(RoundedOrderSerializer, orders)[0]["total"] == "10.2"


def test_a_plan_is_kept_per_shape_of_the_nested_querysets(user: User) -> None:
    OrderFactory(user=user, items=1)
    # The lines' total is an annotation of one prefetch, a property of the other's rows.
    plain = [Order.objects.prefetch_related(Prefetch("items", queryset=OrderItem.objects.all()))]
    plain.append(Order.objects.prefetch_related(Prefetch("items")))

    assert ValuesPlan.for_queryset(OrderSerializer, every_order()) is not None
    assert [ValuesPlan.for_queryset(OrderSerializer, orders) for orders in plain] == [None, None]

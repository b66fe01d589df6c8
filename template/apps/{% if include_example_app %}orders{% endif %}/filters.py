"""Query-string filters for the order and product lists.

An invalid value (``?status=bogus``, ``?min_amount=abc``) is refused with a 400 in the
usual error envelope rather than silently ignored, so a client bug cannot pass for an
empty result.
"""

import django_filters

from apps.orders.models import Order, Product
from common.filters import DecimalFilter, FilterSet, IsoDateTimeFilter


class OrderFilter(FilterSet):
    """Filter orders by status (several allowed), creation time and total."""

    status = django_filters.MultipleChoiceFilter(choices=Order.Status.choices)
    # Half-open range [created_after, created_before): consecutive windows never overlap.
    # Compared in UTC, whatever the value's offset (see common.filters).
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    min_amount = DecimalFilter(field_name="total_amount", lookup_expr="gte")
    max_amount = DecimalFilter(field_name="total_amount", lookup_expr="lte")

    class Meta:
        model = Order
        fields = ["status", "created_after", "created_before", "min_amount", "max_amount"]


class ProductFilter(FilterSet):
    """Filter products by price range and, for staff who see them all, by ``is_active``."""

    min_price = DecimalFilter(field_name="price", lookup_expr="gte")
    max_price = DecimalFilter(field_name="price", lookup_expr="lte")

    class Meta:
        model = Product
        fields = ["is_active", "min_price", "max_price"]

"""Serializers for products and orders.

Reading and writing use different serializers: the output shows computed and nested
data, the input accepts only what a client may choose. Input serializers only check
shape and limits; rules that need the database belong to the services.
"""

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from apps.orders.models import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, Order, OrderItem, Product
from apps.orders.services import DUPLICATE_PRODUCT
from common.serializers import AmountField, StrictBooleanField, StrictCharField

MAX_ITEMS_PER_ORDER = 50
MAX_QUANTITY_PER_ITEM = 1000
NOTES_MAX_LENGTH = 2000
DESCRIPTION_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 500


class ProductSerializer(serializers.ModelSerializer):
    """A product as the catalogue shows it."""

    class Meta:
        model = Product
        fields = ["id", "name", "sku", "description", "price", "is_active", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A lamp",
            value={"name": "Desk lamp", "sku": "LAMP-01", "price": "24.90"},
            request_only=True,
        )
    ],
)
class ProductCreateSerializer(serializers.Serializer):
    """Input for adding a product (staff only)."""

    name = StrictCharField(max_length=200)
    sku = StrictCharField(max_length=64)
    price = AmountField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
    )
    description = StrictCharField(
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
    )


@extend_schema_serializer(
    examples=[OpenApiExample("A new price", value={"price": "19.90"}, request_only=True)],
)
class ProductUpdateSerializer(serializers.Serializer):
    """Input for changing a product (staff only); every field is optional."""

    name = StrictCharField(max_length=200, required=False)
    sku = StrictCharField(max_length=64, required=False)
    price = AmountField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        required=False,
    )
    description = StrictCharField(
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        allow_blank=True,
    )
    is_active = StrictBooleanField(required=False)


class ProductSummarySerializer(serializers.ModelSerializer):
    """The few product fields an order line needs."""

    class Meta:
        model = Product
        fields = ["id", "name", "sku"]
        read_only_fields = fields


class OrderItemSerializer(serializers.ModelSerializer):
    """An order line with its product; the price is the one charged, not today's."""

    product = ProductSummarySerializer(read_only=True)
    line_total = serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        read_only=True,
    )

    class Meta:
        model = OrderItem
        fields = ["id", "product", "quantity", "unit_price", "line_total"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    """An order as its owner sees it, lines included.

    ``item_count`` comes from the selector's annotation: reading it costs no query,
    unlike a ``SerializerMethodField`` that would count per order. The list endpoint
    reads these fields as values (``common.lists``): a field added here is listed too.
    """

    user_email = serializers.EmailField(source="user.email", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    item_count = serializers.IntegerField(read_only=True)
    items = OrderItemSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "user_email",
            "status",
            "status_display",
            "total_amount",
            "notes",
            "cancellation_reason",
            "item_count",
            "items",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OrderItemInputSerializer(serializers.Serializer):
    """One requested line: which product, how many."""

    product_id = serializers.UUIDField()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY_PER_ITEM)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Two of one product",
            value={
                "items": [{"product_id": "0b5c1e4e-9d7a-4a57-9a3c-1f7f2e8d6c10", "quantity": 2}],
                "notes": "Please gift-wrap.",
            },
            request_only=True,
        )
    ],
)
class OrderCreateSerializer(serializers.Serializer):
    """Input for placing an order; prices are never taken from the client."""

    # The upper bound keeps one request from locking up a worker with a huge order.
    items = OrderItemInputSerializer(many=True, min_length=1, max_length=MAX_ITEMS_PER_ORDER)
    notes = StrictCharField(
        max_length=NOTES_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
    )

    def validate_items(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Refuse a product listed twice: it is almost always a client bug."""
        product_ids = [item["product_id"] for item in value]
        if len(set(product_ids)) != len(product_ids):
            raise serializers.ValidationError(DUPLICATE_PRODUCT)
        return value


@extend_schema_serializer(
    examples=[
        OpenApiExample("New notes", value={"notes": "Leave at the door."}, request_only=True)
    ],
)
class OrderUpdateSerializer(serializers.Serializer):
    """Input for changing an order: only the notes are the customer's to change."""

    notes = StrictCharField(max_length=NOTES_MAX_LENGTH, allow_blank=True)


@extend_schema_serializer(
    examples=[
        OpenApiExample("A reason", value={"reason": "Ordered by mistake."}, request_only=True)
    ],
)
class OrderCancelSerializer(serializers.Serializer):
    """Input for cancelling an order; the reason is optional."""

    reason = StrictCharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
    )

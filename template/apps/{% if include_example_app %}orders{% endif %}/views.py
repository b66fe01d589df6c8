"""Order and product endpoints.

The views stay thin: validate the input, make one service or selector call, serialize
the result. Business rules live in ``services``, queries in ``selectors``.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.orders.filters import OrderFilter, ProductFilter
from apps.orders.models import Order, Product
from apps.orders.selectors import (
    order_get,
    order_list,
    product_list,
)
from apps.orders.serializers import (
    OrderCancelSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    OrderUpdateSerializer,
    ProductCreateSerializer,
    ProductSerializer,
    ProductUpdateSerializer,
)
from apps.orders.services import (
    order_cancel,
    order_create,
    order_delete,
    order_update,
    product_create,
    product_delete,
    product_update,
)
from common.lists import ValuesListModelMixin
from common.permissions import IsAdminOrReadOnly, IsOwner
from common.schema import CONFLICT

# PUT is left out: every change goes through PATCH or an action that names the intent.
HTTP_METHODS = ["get", "post", "patch", "delete", "head", "options"]


@extend_schema_view(
    list=extend_schema(summary="List my orders", tags=["orders"]),
    retrieve=extend_schema(summary="Show one of my orders", tags=["orders"]),
)
class OrderViewSet(ValuesListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The authenticated user's orders.

    The queryset holds only the user's own orders, so another user's order is a 404,
    never a 403 that would confirm it exists. ``IsOwner`` checks again on every object,
    in case the queryset ever changes.
    """

    permission_classes = [IsOwner]
    http_method_names = HTTP_METHODS
    filterset_class = OrderFilter
    # Searching product names crosses a to-many join; DRF's SearchFilter turns that
    # into an EXISTS subquery, so an order matching twice is still listed once.
    search_fields = ["notes", "items__product__name"]
    ordering_fields = ["created_at", "total_amount"]
    ordering = ["-created_at"]
    serializer_classes = {
        "create": OrderCreateSerializer,
        "partial_update": OrderUpdateSerializer,
        "cancel": OrderCancelSerializer,
    }

    def get_queryset(self) -> QuerySet[Order]:
        """Return the requesting user's orders, ready to serialize."""
        if getattr(self, "swagger_fake_view", False):
            # Schema generation runs without a user; it only needs the model.
            return Order.objects.none()
        return order_list(user=self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        """Use the input serializer of write actions, the read serializer otherwise."""
        return self.serializer_classes.get(self.action, OrderSerializer)

    def _respond(self, order: Order, *, status_code: int = status.HTTP_200_OK) -> Response:
        """Answer with the order in its read shape, whatever the input serializer was."""
        context = self.get_serializer_context()
        return Response(OrderSerializer(order, context=context).data, status=status_code)

    @extend_schema(
        summary="Place an order",
        tags=["orders"],
        request=OrderCreateSerializer,
        responses={201: OrderSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Validate the lines, place the order, return it as the list shows it."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = order_create(user=request.user, **serializer.validated_data)
        # Read it back through the selector, so the answer has item_count and the
        # products exactly as GET returns them.
        created = order_get(user=request.user, order_id=order.pk)
        return self._respond(created, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change the notes of one of my orders",
        tags=["orders"],
        request=OrderUpdateSerializer,
        responses={200: OrderSerializer, 409: CONFLICT},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the given fields (the notes) of a pending or confirmed order."""
        order = self.get_object()
        # Partial, as PATCH is (and as the schema says): a field left out stays as it is.
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self._respond(order_update(order=order, **serializer.validated_data))

    @extend_schema(
        summary="Delete one of my orders",
        tags=["orders"],
        responses={204: None, 409: CONFLICT},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Soft-delete a pending or cancelled order."""
        order_delete(order=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Cancel one of my orders",
        tags=["orders"],
        request=OrderCancelSerializer,
        responses={200: OrderSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel an order that has not shipped yet."""
        order = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._respond(order_cancel(order=order, **serializer.validated_data))


@extend_schema_view(
    list=extend_schema(summary="List products", tags=["products"]),
    retrieve=extend_schema(summary="Show a product", tags=["products"]),
)
class ProductViewSet(ValuesListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The catalogue: every signed-in user reads it, only staff change it.

    Staff also see the products taken off sale, so they can put them back.
    """

    permission_classes = [IsAuthenticated, IsAdminOrReadOnly]
    http_method_names = HTTP_METHODS
    # Input serializers of the write actions; everything else reads with ProductSerializer.
    serializer_classes = {
        "create": ProductCreateSerializer,
        "partial_update": ProductUpdateSerializer,
    }
    filterset_class = ProductFilter
    search_fields = ["name", "sku"]
    ordering_fields = ["name", "price", "created_at"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Product]:
        """Return the products on sale; every product for staff."""
        return product_list(include_inactive=self.request.user.is_staff)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        """Use the input serializer of write actions, the read serializer otherwise."""
        return self.serializer_classes.get(self.action, ProductSerializer)

    @extend_schema(
        summary="Add a product",
        tags=["products"],
        request=ProductCreateSerializer,
        responses={201: ProductSerializer, 409: CONFLICT},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Validate the input and add the product to the catalogue."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = product_create(**serializer.validated_data)
        context = self.get_serializer_context()
        return Response(
            ProductSerializer(product, context=context).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Change a product",
        tags=["products"],
        request=ProductUpdateSerializer,
        responses={200: ProductSerializer, 409: CONFLICT},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the given fields of a product."""
        product = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = product_update(product=product, **serializer.validated_data)
        return Response(ProductSerializer(product, context=self.get_serializer_context()).data)

    @extend_schema(summary="Delete a product", tags=["products"], responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Withdraw a product; orders that contain it still show it."""
        product_delete(product=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

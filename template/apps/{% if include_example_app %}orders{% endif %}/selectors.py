"""Read queries for products and orders.

Selectors return lazy querysets, so views can still filter, order and paginate them; the
joins and prefetches every caller needs are decided here, once. Lookups that services need
as plain values (products by id, whether a SKU is taken) live here too.
"""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from apps.orders.models import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, Order, OrderItem, Product
from apps.users.models import User


def _item_count() -> Coalesce:
    """Count an order's lines with a correlated subquery.

    ``Count("items")`` would join the items and GROUP BY every order before the page is
    cut, and Django keeps that join in the pagination COUNT: on PostgreSQL that is an
    order of magnitude slower on a large table. The subquery runs only for the rows of
    the page, and the COUNT query leaves it out.
    """
    per_order = (
        OrderItem.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(per_order, output_field=IntegerField()), Value(0))


def _line_total() -> ExpressionWrapper:
    """Compute a line's total in SQL, so a list read from values has it as a column.

    It takes the place of ``OrderItem.line_total`` on the instances the selectors give.
    """
    money = DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    return ExpressionWrapper(F("unit_price") * F("quantity"), output_field=money)


def order_list(*, user: User) -> QuerySet[Order]:
    """Return the user's orders with everything the API shows, in three queries per page.

    One query for the orders (with their owner joined in and ``item_count`` annotated),
    one for the items of those orders with their products; plus the pagination COUNT.
    The list endpoint reads the same queryset as values (``common.lists``): the columns
    ``OrderSerializer`` shows, the annotations, and the lines from the ``Prefetch``
    queryset, in as many queries.
    """
    lines = OrderItem.objects.select_related("product").annotate(line_total=_line_total())
    return (
        Order.objects.filter(user=user)
        .select_related("user")
        .prefetch_related(Prefetch("items", queryset=lines))
        .annotate(item_count=_item_count())
    )


def order_get(*, user: User, order_id: UUID) -> Order | None:
    """Return one of the user's orders, or ``None`` if it is not theirs or does not exist."""
    return order_list(user=user).filter(pk=order_id).first()


def order_pending_placed_before(*, placed_before: datetime) -> QuerySet[Order]:
    """Return the orders of every user still pending that were placed before ``placed_before``."""
    return Order.objects.filter(status=Order.Status.PENDING, created_at__lt=placed_before)


def product_list(*, include_inactive: bool = False) -> QuerySet[Product]:
    """Return the catalogue; products taken off sale only when asked (staff views)."""
    products = Product.objects.all()
    if not include_inactive:
        products = products.filter(is_active=True)
    return products


def product_for_sale_by_id(*, product_ids: Iterable[UUID]) -> dict[UUID, Product]:
    """Return the products on sale among ``product_ids``, keyed by id (missing ones absent)."""
    return Product.objects.filter(pk__in=list(product_ids), is_active=True).in_bulk()


def product_sku_taken(*, sku: str, exclude: Product | None = None) -> bool:
    """Tell whether another product uses ``sku``, deleted products included.

    The column is unique over every row, so a withdrawn product's SKU is never reused: old
    orders keep pointing at the product they were placed for.
    """
    others = Product.all_objects.filter(sku=sku)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    return others.exists()

"""Products, orders and their items.

Money is always ``DecimalField``: floats cannot represent most prices exactly. Products
and orders are soft-deleted, because orders are business records and every order line
keeps pointing at the product it sold.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property

from common.models import BaseModel, SoftDeleteModel

MONEY_MAX_DIGITS = 10
MONEY_DECIMAL_PLACES = 2
# The largest amount a money column holds: 99999999.99.
MONEY_MAX = Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES) - Decimal("0.01")


class Product(SoftDeleteModel, BaseModel):
    """Something customers can order.

    ``is_active`` takes a product off sale without deleting it; an inactive product stays
    visible in the orders that already contain it.
    """

    # Indexed: the catalogue is listed in name order and filtered by price.
    name = models.CharField(max_length=200, db_index=True)
    # Unique across deleted rows too: a SKU that appears on old orders is never reused.
    sku = models.CharField("SKU", max_length=64, unique=True)
    description = models.TextField(blank=True, default="")
    price = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        db_index=True,
    )
    is_active = models.BooleanField(default=True, db_index=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=Decimal("0.00")),
                name="orders_product_price_gte_0",
            ),
        ]

    def __str__(self) -> str:
        """Show the name with the SKU, which tells similar names apart."""
        return f"{self.name} ({self.sku})"


class Order(SoftDeleteModel, BaseModel):
    """A customer's order; its lines are ``OrderItem`` rows.

    ``total_amount`` is stored rather than summed on every read; the services compute it
    when the order is created, from the prices at that moment.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CONFIRMED = "confirmed", "Confirmed"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"

    # PROTECT: an account with orders cannot be deleted by accident and take its
    # order history (an accounting record) with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    total_amount = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
    )
    notes = models.TextField(blank=True, default="")
    cancellation_reason = models.TextField(blank=True, default="")
    # When the confirmation e-mail went out: the background task that sends it records it,
    # so a repeated task does not e-mail the customer again. The column exists whichever
    # template options were chosen: were the schema to depend on them, switching an option
    # in `copier update` would add a migration or orphan a column. Without background tasks
    # nothing sets it; a nullable column that stays empty costs nothing, and the API never
    # shows it.
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # "This user's pending orders" and "this user's latest orders": the two
            # queries the API runs for every list request.
            models.Index(fields=["user", "status"], name="orders_user_status_idx"),
            models.Index(fields=["user", "-created_at"], name="orders_user_created_idx"),
            # The list's amount filters and ordering, always within one user's orders.
            models.Index(fields=["user", "total_amount"], name="orders_user_amount_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_amount__gte=Decimal("0.00")),
                name="orders_order_total_gte_0",
            ),
        ]

    def __str__(self) -> str:
        """Show the id and status; no related rows, so listing orders costs no queries."""
        return f"Order {self.id} ({self.get_status_display()})"


class OrderItem(BaseModel):
    """One line of an order: a product, how many, and the price paid for each."""

    # CASCADE: a line has no meaning without its order. Orders are soft-deleted, so
    # this only fires when an order is really removed, and then its lines must go too.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    # PROTECT: a product that was sold cannot vanish from the orders that contain it.
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_items")
    quantity = models.PositiveIntegerField()
    # Copied from the product when the order is placed: later price changes must not
    # rewrite what the customer was charged.
    unit_price = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1),
                name="orders_item_quantity_gte_1",
            ),
            # One line per product: a second unit is a higher quantity, not a new line.
            models.UniqueConstraint(fields=["order", "product"], name="orders_item_unique_product"),
        ]

    def __str__(self) -> str:
        """Show the quantity and the product id; no related rows are fetched."""
        return f"{self.quantity} x {self.product_id}"

    @cached_property
    def line_total(self) -> Decimal:
        """Return what this line costs: quantity times the unit price.

        Cached, so the selectors' annotation of the same name takes its place on the lines
        they read; a line's quantity and price never change once it is saved.
        """
        return self.unit_price * self.quantity

"""Admin pages for the catalogue and for looking into orders."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.orders.models import Order, OrderItem, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """The catalogue; deleting here soft-deletes, as the API does."""

    list_display = ("name", "sku", "price", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "sku")
    readonly_fields = ("created_at", "updated_at")


class OrderItemInline(admin.TabularInline):
    """An order's lines, read-only.

    Lines and totals are computed by the order services; editing them here would let the
    total drift from its lines.
    """

    model = OrderItem
    extra = 0
    can_delete = False
    fields = ("product", "quantity", "unit_price")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderItem]:
        """Join the products in: each line shows its product's name."""
        return super().get_queryset(request).select_related("product")

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        """Refuse new lines: orders are placed through the API."""
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders with their lines; staff may move an order along its statuses."""

    list_display = ("id", "user", "status", "total_amount", "created_at")
    list_filter = ("status", "created_at")
    # One query for the page instead of one per row for the user column.
    list_select_related = ("user",)
    search_fields = ("user__email", "notes")
    date_hierarchy = "created_at"
    raw_id_fields = ("user",)
    readonly_fields = ("total_amount", "created_at", "updated_at")
    inlines = (OrderItemInline,)

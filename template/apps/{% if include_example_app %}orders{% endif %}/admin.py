"""Admin pages for the catalogue and for looking into orders.

Every write goes through the services, as in the API: products are added and changed by
``product_create`` and ``product_update`` (see ``common.admin.ServiceAdmin``); orders'
fields are read-only here and staff move an order along its statuses with the list's
actions, which call ``order_change_status`` for each selected order.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.orders.models import Order, OrderItem, Product
from apps.orders.selectors import product_sku_taken
from apps.orders.services import SKU_TAKEN, order_change_status, product_create, product_update
from common.admin import ServiceAdmin
from common.exceptions import ServiceError

CANCELLED_BY_STAFF = "Cancelled by staff."
# What staff edit on a product's page, passed on to the services.
PRODUCT_FIELDS = ("name", "sku", "description", "price", "is_active")


class ProductAdminForm(forms.ModelForm):
    """The product form, refusing a SKU any product uses, as the services do.

    Django's own unique check looks only at products that are not deleted; a deleted
    product's SKU would pass it and reach the column's unique constraint as a 500.
    """

    def clean_sku(self) -> str:
        """Refuse a SKU another product uses, deleted ones included."""
        sku = self.cleaned_data["sku"]
        if product_sku_taken(sku=sku, exclude=self.instance):
            raise forms.ValidationError(SKU_TAKEN, code="sku_taken")
        return sku


@admin.register(Product)
class ProductAdmin(ServiceAdmin):
    """The catalogue; deleting here soft-deletes, as the API does."""

    form = ProductAdminForm
    fields = (*PRODUCT_FIELDS, "created_at", "updated_at")

    list_display = ("name", "sku", "price", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "sku")
    readonly_fields = ("created_at", "updated_at")

    def save_model(
        self,
        request: HttpRequest,
        obj: Product,
        form: ProductAdminForm,
        change: bool,  # noqa: FBT001 (Django's signature)
    ) -> None:
        """Add or change the product through the services.

        ``obj`` holds the form's values, not yet saved; once added, it takes the new row's
        key, which the admin's log entry and redirect use.
        """
        values = {field: form.cleaned_data[field] for field in PRODUCT_FIELDS}
        if change:
            product_update(product=obj, **values)
        else:
            obj.pk = product_create(**values).pk


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


def _change_status(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    orders: QuerySet[Order],
    status: Order.Status,
) -> None:
    """Move each order to ``status`` through the service; report what was refused."""
    changed = 0
    for order in orders:
        try:
            order_change_status(order=order, status=status, reason=CANCELLED_BY_STAFF)
        except ServiceError as error:
            modeladmin.message_user(request, f"{order}: {error.message}", messages.ERROR)
        else:
            changed += 1
    if changed:
        modeladmin.message_user(request, f"{changed} order(s) now {status.label.lower()}.")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders with their lines; staff move an order along its statuses with the actions."""

    list_display = ("id", "user", "status", "total_amount", "created_at")
    list_filter = ("status", "created_at")
    # One query for the page instead of one per row for the user column.
    list_select_related = ("user",)
    search_fields = ("user__email", "notes")
    date_hierarchy = "created_at"
    fields = (
        "user",
        "status",
        "total_amount",
        "notes",
        "cancellation_reason",
        "confirmation_sent_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (OrderItemInline,)
    actions = ("confirm", "ship", "deliver", "cancel")

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Refuse new orders: they are placed through the API, which prices them."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        """Refuse deletion: orders are business records; cancel them instead."""
        return False

    @admin.action(description="Confirm the selected orders", permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        """Confirm pending orders."""
        _change_status(self, request, queryset, Order.Status.CONFIRMED)

    @admin.action(description="Mark the selected orders shipped", permissions=["change"])
    def ship(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        """Mark confirmed orders shipped."""
        _change_status(self, request, queryset, Order.Status.SHIPPED)

    @admin.action(description="Mark the selected orders delivered", permissions=["change"])
    def deliver(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        """Mark shipped orders delivered."""
        _change_status(self, request, queryset, Order.Status.DELIVERED)

    @admin.action(description="Cancel the selected orders", permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        """Cancel orders that have not shipped yet."""
        _change_status(self, request, queryset, Order.Status.CANCELLED)

"""How the orders' services meet their unique constraints (see ``common/tests/races.py``)."""

from decimal import Decimal

from apps.orders.services import order_create, product_create, product_update
from apps.orders.tests.factories import ProductFactory
from apps.users.tests.factories import UserFactory
from common.tests.races import Conflict, check_misses_the_rival

SKU_CHECK = "apps.orders.services.product_sku_taken"


def product_created_after_a_rival() -> object:
    ProductFactory(sku="LAMP-1")
    with check_misses_the_rival(SKU_CHECK, free=False):
        return product_create(name="Lamp", sku="LAMP-1", price=Decimal("19.99"))


def product_changed_after_a_rival() -> object:
    product = ProductFactory()
    ProductFactory(sku="LAMP-2")
    with check_misses_the_rival(SKU_CHECK, free=False):
        return product_update(product=product, sku="LAMP-2")


def order_listing_a_product_twice() -> object:
    # Not a race (no one else sees the new order's lines): a caller without the serializer.
    line = {"product_id": ProductFactory().pk, "quantity": 1}
    return order_create(user=UserFactory(), items=[line, dict(line)])


CONFLICTS = [
    Conflict("orders.Product.sku", "sku_taken", product_created_after_a_rival),
    Conflict("orders.Product.sku", "sku_taken", product_changed_after_a_rival),
    Conflict(
        "orders.OrderItem.orders_item_unique_product",
        "duplicate_product",
        order_listing_a_product_twice,
    ),
]

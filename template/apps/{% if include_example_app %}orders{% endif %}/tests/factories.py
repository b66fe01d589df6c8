"""Factories for the orders app."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from apps.orders.models import Order, OrderItem, Product
from apps.users.tests.factories import UserFactory


class ProductFactory(DjangoModelFactory):
    """A saved product on sale, priced between 1 and 500."""

    class Meta:
        model = Product

    name = factory.Faker("catch_phrase")
    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    description = factory.Faker("sentence")
    price = factory.Faker("pydecimal", left_digits=3, right_digits=2, min_value=1, max_value=500)
    is_active = True


class OrderFactory(DjangoModelFactory):
    """A saved pending order without lines; ``OrderFactory(items=3)`` adds three.

    With lines, ``total_amount`` is their sum, as the services would have computed it.
    """

    class Meta:
        model = Order
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    status = Order.Status.PENDING
    total_amount = Decimal("0.00")
    notes = factory.Faker("sentence")

    @factory.post_generation
    def items(self, create: bool, extracted: int | None, **kwargs: object) -> None:
        """Add ``extracted`` lines, each with its own product, and total them."""
        if not create or not extracted:
            return
        lines = OrderItemFactory.create_batch(extracted, order=self, **kwargs)
        self.total_amount = sum((line.line_total for line in lines), start=Decimal("0.00"))
        self.save(update_fields=["total_amount"])


class OrderItemFactory(DjangoModelFactory):
    """A saved order line charged at its product's current price."""

    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = factory.Faker("random_int", min=1, max=5)
    unit_price = factory.SelfAttribute("product.price")

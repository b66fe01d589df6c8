"""Factories for the orders app."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from apps.orders.models import Order, OrderItem, Product
from apps.users.tests.factories import UserFactory


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Faker("catch_phrase")
    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    description = factory.Faker("sentence")
    price = factory.Faker("pydecimal", left_digits=3, right_digits=2, min_value=1, max_value=500)


class OrderFactory(DjangoModelFactory):
    """A pending order; ``OrderFactory(items=3)`` adds three lines and totals them."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    total_amount = Decimal("0.00")
    notes = factory.Faker("sentence")

    @factory.post_generation
    def items(self, create: bool, extracted: int | None, **kwargs: object) -> None:
        if not create or not extracted:
            return
        lines = OrderItemFactory.create_batch(extracted, order=self, **kwargs)
        self.total_amount = sum((line.line_total for line in lines), start=Decimal("0.00"))
        self.save(update_fields=["total_amount"])


class OrderItemFactory(DjangoModelFactory):
    """A line charged at its product's current price."""

    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = factory.Faker("random_int", min=1, max=5)
    unit_price = factory.SelfAttribute("product.price")

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """The example app: a product catalogue and customers' orders.

    It shows the project's patterns end to end (services, selectors, separate read and
    write serializers, filters, owner scoping); delete it once your own apps exist.
    """

    name = "apps.orders"
    label = "orders"

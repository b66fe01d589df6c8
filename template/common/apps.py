from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Shared building blocks: base models, errors, pagination, permissions."""

    name = "common"

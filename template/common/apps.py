from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Shared building blocks: base models, errors, pagination, permissions."""

    name = "common"

    def ready(self) -> None:
        """Register the schema extensions before any schema is generated."""
        import common.schema  # noqa: F401, PLC0415

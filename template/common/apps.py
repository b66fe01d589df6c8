from django.apps import AppConfig
from django.conf import settings
from django.contrib import admin


class CommonConfig(AppConfig):
    """Shared building blocks: base models, errors, pagination, permissions."""

    name = "common"

    def ready(self) -> None:
        """Register the schema extensions and the convention checks; title the admin site."""
        import common.checks.admin  # noqa: PLC0415
        import common.checks.api  # noqa: PLC0415
        import common.checks.code  # noqa: PLC0415
        import common.checks.models  # noqa: PLC0415
        import common.checks.settings  # noqa: PLC0415
        import common.schema  # noqa: F401, PLC0415

        admin.site.site_header = admin.site.site_title = settings.PROJECT_NAME

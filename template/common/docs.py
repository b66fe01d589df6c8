"""The OpenAPI schema and Swagger UI, with their own access and throttling policy.

Reading the docs must not spend the API's anonymous rate: a Swagger UI page load is two
requests (page and schema), so under the shared rate it would lock itself out after a few
dozen loads. The docs views count against the ``docs`` throttle scope instead
(``DJANGO_THROTTLE_DOCS``), and ``settings.API_DOCS_PUBLIC`` decides whether anyone may
read them or only staff (production reads it from ``DJANGO_API_DOCS_PUBLIC``).
"""

from django.conf import settings
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.throttling import ScopedRateThrottle


class CanReadDocs(BasePermission):
    """Let anyone read the docs when they are public, otherwise only staff users."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        """Allow when ``API_DOCS_PUBLIC`` is on or the user is staff."""
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_staff)


class DocsViewMixin:
    """Access and throttling shared by the schema and the Swagger UI page."""

    permission_classes = (CanReadDocs,)
    # Counted per user, or per client address when anonymous, in the "docs" scope only.
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "docs"

    def handle_exception(self, exc: Exception) -> Response:
        """Answer a refusal (401, 403, 429) in JSON, not in the page's or schema's format."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


# One schema and one docs page describe every API version, from one fixed URL.
class SchemaView(DocsViewMixin, SpectacularAPIView):  # conventions: allow E016 -- all versions
    """Serve the OpenAPI schema."""


# One schema and one docs page describe every API version, from one fixed URL.
class SwaggerView(DocsViewMixin, SpectacularSwaggerView):  # conventions: allow E016 -- all versions
    """Serve Swagger UI, its assets from the project's own static files."""

"""What an ``OPTIONS`` request is told about an endpoint."""

from typing import TYPE_CHECKING, Any

from rest_framework import metadata
from rest_framework.request import Request

if TYPE_CHECKING:
    # Only for annotations: DRF imports the metadata class while rest_framework.views is
    # itself being imported.
    from rest_framework.views import APIView


class Metadata(metadata.SimpleMetadata):
    """DRF's answer to ``OPTIONS`` (name, formats, fields), without the view's description.

    DRF sends the view's docstring, written for the project's developers: it names
    internals (services, settings, trade-offs) that clients have no use for. The API's
    documentation is the OpenAPI schema.
    """

    def determine_metadata(self, request: Request, view: "APIView") -> dict[str, Any]:
        """Return DRF's metadata for ``view``, less its ``description``."""
        data: dict[str, Any] = super().determine_metadata(request, view)
        data.pop("description", None)
        return data

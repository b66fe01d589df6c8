"""Pagination: page numbers, with a page size the client may choose within limits."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

INVALID_PAGE_SIZE = "A page size is a whole number of at least 1."


class StrictPageSizeMixin:
    """Refuse a ``page_size`` that is not a positive integer, instead of ignoring it.

    DRF falls back to the default size, so a client bug would pass for a short page. A
    size above ``max_page_size`` is still capped, as documented.
    """

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Request) -> int | None:
        """Return the requested page size (capped), the default one, or refuse it."""
        value = request.query_params.get(self.page_size_query_param)
        if value is not None and not (value.isascii() and value.isdigit() and int(value) >= 1):
            raise ValidationError({self.page_size_query_param: [INVALID_PAGE_SIZE]})
        return super().get_page_size(request)


class StandardPagination(StrictPageSizeMixin, PageNumberPagination):
    """Page-number pagination; clients may ask for up to 100 items per page."""

    page_size = 20

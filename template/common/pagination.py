"""Pagination classes: page numbers by default, cursors for large or fast-changing lists."""

from rest_framework.pagination import CursorPagination, PageNumberPagination


class StandardPagination(PageNumberPagination):
    """Page-number pagination; clients may ask for up to 100 items per page."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class CursorBasedPagination(CursorPagination):
    """Cursor pagination for feeds and large tables.

    Stable under concurrent inserts (no skipped or repeated items) and it does not
    count the whole table.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"

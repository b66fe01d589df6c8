"""Request parsers that answer malformed bodies with a 400, never a 500."""

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing nesting too deep for Python's decoder with a 400.

    A body of a few thousand ``[`` makes ``json`` raise ``RecursionError``, which DRF's
    parser lets through (it only turns ``ValueError`` into a ``ParseError``): an
    unauthenticated client could answer every public endpoint with a 500.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        """Parse the body; refuse it when it nests deeper than the decoder can follow."""
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            message = "JSON parse error - the document is nested too deeply."
            raise ParseError(message) from exc

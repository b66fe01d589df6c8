"""OpenAPI schema additions: input rules, error responses and links between operations.

drf-spectacular documents each view's fields and success response. This module adds what
the server does and spectacular leaves out, each part read from where the server decides it:

- the length limits of nested lists (an order's items), as ``minItems``/``maxItems``;
- the pattern of amounts (``common.serializers.AmountField``), and that text input
  never holds a NUL character (DRF's ``CharField`` refuses it);
- the bounds of the query parameters (pages, numeric filters, search terms); date-time
  filters take any RFC 3339 date-time (``format: date-time``), as ``common.filters`` reads it;
- the error statuses each operation can answer, read from its view (``AutoSchema``: its
  authentication, permissions, throttles, input), and the envelope every error response
  has; a status only some operations answer (a 409) is declared by the view
  (``CONFLICT``);
- links from each create operation to the operations on the object it created, so a
  client can follow create -> read/change/delete.

Each addition is its own spectacular hook, named for what it adds
(``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``).
"""

from typing import Any

from django_filters.filters import NumberFilter
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import Direction, OpenApiResponse
from rest_framework.settings import api_settings

from common.filters import SEARCH_PATTERN, WHITESPACE

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "The envelope of every error response.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Stable, for programs."},
                "message": {"type": "string", "description": "For people."},
                "details": {"description": "Field errors or extra context."},
            },
            "required": ["code", "message", "details"],
        },
    },
    "required": ["error"],
}
ERROR_DESCRIPTIONS = {
    "400": "Invalid input (the details name the fields), or a business rule refused it.",
    "401": "Missing, invalid or expired credentials.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "No such object (or it belongs to someone else), or no such page of a list.",
    "409": "The object's current state refuses it: its status, or a value another one has.",
    "415": "The body is not in a format the operation reads (JSON; multipart for uploads).",
    "429": "Too many requests; the details say how many seconds to wait.",
}
# What a view declares for an operation a service may refuse with ``ConflictError``.
CONFLICT = OpenApiResponse(description=ERROR_DESCRIPTIONS["409"])
# Query parameters of the paginators: positive integers (a larger page size is capped).
PAGE_PARAMETERS = {"page", "page_size"}
# django-filter's NumberFilter refuses values above its validator's limit (a 400).
NUMBER_FILTER_MAXIMUM = NumberFilter().get_max_validator().limit_value
# Query parameters that are not filters: every other one is left out of the query when empty.
NOT_FILTERS = {*PAGE_PARAMETERS, "cursor", api_settings.SEARCH_PARAM, api_settings.ORDERING_PARAM}
EMPTY = {"type": "string", "maxLength": 0}
# DRF's CharField refuses NUL characters (PostgreSQL cannot store them) in any text input.
NO_NUL_PATTERN = "^[^\\x00]*$"
# A required text (``minLength``) is trimmed first, so it needs a character besides
# whitespace: Python's, spelt out (``common.filters.WHITESPACE``), as DRF trims it.
NO_NUL_NOT_BLANK_PATTERN = f"^[^\\x00]*[^{WHITESPACE}\\x00][^\\x00]*$"
# What a collection's path gains for one of its objects: /orders/ -> /orders/{id}/.
DETAIL_SUFFIX = "{id}/"
# The methods a link from a create operation leads to, on the created object's path.
LINKED_METHODS = ("get", "patch", "put", "delete", "post")


class ListLengthExtension(OpenApiSerializerFieldExtension):
    """Document a nested list's ``min_length``/``max_length`` (spectacular leaves them out)."""

    target_class = "rest_framework.serializers.ListSerializer"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: openapi.AutoSchema, direction: Direction) -> Any:
        """Return the array schema spectacular builds, with the list's length limits."""
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)  # noqa: SLF001
        if self.target.min_length is not None:
            schema["minItems"] = self.target.min_length
        if self.target.max_length is not None:
            schema["maxItems"] = self.target.max_length
        return schema


class AmountFieldExtension(OpenApiSerializerFieldExtension):
    """Document an ``AmountField`` as the string pattern it accepts."""

    target_class = "common.serializers.AmountField"

    def map_serializer_field(self, auto_schema: openapi.AutoSchema, direction: Direction) -> Any:
        """Return a decimal string that matches the field's pattern."""
        return {"type": "string", "format": "decimal", "pattern": self.target.pattern}


def _requires_authentication(operation: dict[str, Any]) -> bool:
    security = operation.get("security", [])
    return bool(security) and {} not in security


def _is_paginated(operation: dict[str, Any]) -> bool:
    names = {parameter.get("name") for parameter in operation.get("parameters", [])}
    return bool(names & {"page", "cursor"})


class AutoSchema(openapi.AutoSchema):
    """Spectacular's schema of a view, with the error statuses the view can answer."""

    def get_operation(self, path: str, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        """Return spectacular's operation, its responses completed by ``error_statuses``."""
        operation = super().get_operation(path, *args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status in self.error_statuses(path, operation):
            responses.setdefault(status, {"description": ERROR_DESCRIPTIONS[status]})
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_statuses(self, path: str, operation: dict[str, Any]) -> list[str]:
        """Return the error statuses the view answers, as DRF decides them.

        DRF answers a refused credential with a 401 only when the view names a
        ``WWW-Authenticate`` challenge (its authentication's, or its own: the token views
        take credentials in the body); without one it is a 403.
        """
        view = self.view
        statuses = {
            "400": bool(operation.get("requestBody") or operation.get("parameters")),
            "401": view.get_authenticate_header(view.request) is not None,
            "403": _requires_authentication(operation),
            "404": "{" in path or _is_paginated(operation),
            "415": bool(operation.get("requestBody")),
            "429": bool(view.get_throttles()),
        }
        return [status for status, applies in statuses.items() if applies]


def _bound_query_parameters(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter["schema"]
        if parameter.get("name") in PAGE_PARAMETERS:
            schema["minimum"] = 1
        elif parameter.get("name") == api_settings.SEARCH_PARAM:
            # No NUL character (DRF refuses it), and no more words than SearchFilter takes.
            schema["pattern"] = SEARCH_PATTERN
        elif schema.get("type") == "number":
            schema.setdefault("maximum", NUMBER_FILTER_MAXIMUM)
        if parameter["name"] not in NOT_FILTERS and schema.get("type") != "array":
            # django-filter reads an empty value as "no filter" (as an HTML form sends it).
            parameter["schema"] = {"anyOf": [schema, EMPTY]}


def add_error_envelope(
    result: dict[str, Any],
    generator: Any,
    request: Any,
    public: bool,  # noqa: FBT001
) -> dict[str, Any]:
    """Give every error response the envelope's schema (a spectacular hook)."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if status.startswith(("4", "5")):
                    response.setdefault("content", {"application/json": {"schema": reference}})
    return result


def forbid_nul_characters(
    result: dict[str, Any],
    generator: Any,
    request: Any,
    public: bool,  # noqa: FBT001
) -> dict[str, Any]:
    """Forbid NUL in the free-text properties of request bodies, as ``CharField`` does.

    A spectacular hook. A required text is trimmed first (``NO_NUL_NOT_BLANK_PATTERN``);
    passwords (write-only) are not, so a space is a character like any other.
    """
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        for prop in component.get("properties", {}).values():
            if prop.get("type") == "string" and not prop.keys() & {"format", "pattern", "enum"}:
                blank = prop.get("minLength", 0) == 0 or prop.get("writeOnly", False)
                prop["pattern"] = NO_NUL_PATTERN if blank else NO_NUL_NOT_BLANK_PATTERN
    return result


def bound_query_parameters(
    result: dict[str, Any],
    generator: Any,
    request: Any,
    public: bool,  # noqa: FBT001
) -> dict[str, Any]:
    """State the query parameters' bounds as the paginators and filters enforce them.

    A spectacular hook: pages start at 1, a search takes no NUL and no more words than
    ``SearchFilter`` reads, a number filter stops at django-filter's limit, and an empty
    filter value means "no filter".
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            _bound_query_parameters(operation)
    return result


def link_created_objects(
    result: dict[str, Any],
    generator: Any,
    request: Any,
    public: bool,  # noqa: FBT001
) -> dict[str, Any]:
    """Link each create (a POST answering 201 with an ``id``) to the created object's paths.

    A spectacular hook. ``/orders/`` links to ``/orders/{id}/`` and to its actions
    (``/orders/{id}/cancel/``), passing the new object's id from the response body.
    """
    paths = result.get("paths", {})
    for path, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        links = created.setdefault("links", {})
        detail = path + DETAIL_SUFFIX
        for other_path, other_operations in paths.items():
            if not other_path.startswith(detail):
                continue
            for method in LINKED_METHODS:
                operation_id = other_operations.get(method, {}).get("operationId")
                if operation_id:
                    links[operation_id] = {
                        "operationId": operation_id,
                        "parameters": {"id": "$response.body#/id"},
                    }
        if not links:
            del created["links"]
    return result

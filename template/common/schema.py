"""OpenAPI schema additions: the error responses every operation can give.

drf-spectacular documents the success response of each view. The errors come from one
place, the exception handler, so they are documented in one place too: this hook adds the
error envelope as a component and the error statuses each operation can answer.
"""

from typing import Any

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
    "415": "The body is not in a format the operation reads (JSON; multipart for uploads).",
    "429": "Too many requests; the details say how many seconds to wait.",
}


def _requires_authentication(operation: dict[str, Any]) -> bool:
    security = operation.get("security", [])
    return bool(security) and {} not in security


def _is_paginated(operation: dict[str, Any]) -> bool:
    names = {parameter.get("name") for parameter in operation.get("parameters", [])}
    return bool(names & {"page", "cursor"})


def _error_statuses(path: str, operation: dict[str, Any]) -> list[str]:
    """Return the error statuses ``operation`` can answer, from what it takes and needs."""
    authenticated = _requires_authentication(operation)
    # The token endpoints take credentials in the body: wrong ones are a 401 too.
    takes_credentials = "auth" in operation.get("tags", [])
    statuses = {
        "400": bool(operation.get("requestBody") or operation.get("parameters")),
        "401": authenticated or takes_credentials,
        "403": authenticated,
        "404": "{" in path or _is_paginated(operation),
        "415": bool(operation.get("requestBody")),
        "429": authenticated or takes_credentials,
    }
    return [status for status, applies in statuses.items() if applies]


def add_error_responses(
    result: dict[str, Any],
    generator: Any,
    request: Any,
    public: bool,  # noqa: FBT001
) -> dict[str, Any]:
    """Document the error envelope and each operation's error statuses (a spectacular hook)."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(path, operation):
                responses.setdefault(
                    status,
                    {
                        "description": ERROR_DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result

"""OpenAPI links of the account: where the credentials of a new session lead.

Logging in, refreshing and changing the password answer a session
(``apps.users.sessions.SessionSerializer``). This spectacular hook links each of those
answers to what a client does next with it, taking the credentials from the answer:

- every signed-in operation of the account (the ``auth`` and ``users`` tags: the profile,
  changing the password, signing out everywhere), with the ``Authorization`` header built
  from the answer (``SESSION_AUTHORIZATION``);
- the operations that take a token in the body (``SESSION_BODIES``: refreshing and logging
  out with a refresh token).

So the schema says how log in -> refresh -> refresh -> log out chains, which a reader, a
client generator and schemathesis' stateful phase can all follow. Links into the header
name it ``header.Authorization``: OpenAPI lets a link qualify a parameter by its location,
and the credentials are the one input every signed-in operation shares.
"""

from typing import Any

from django.urls import Resolver404, resolve

from apps.users.sessions import SESSION_AUTHORIZATION, SESSION_BODIES

SESSION_REFERENCE = "#/components/schemas/Session"
# The operations of the account, by tag: the ones a session of the account is for.
ACCOUNT_TAGS = {"auth", "users"}


def _session_responses(operation: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the success responses of ``operation`` whose body is a session."""
    return [
        response
        for status, response in operation.get("responses", {}).items()
        if status.startswith("2")
        and response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
        == SESSION_REFERENCE
    ]


def _is_signed_in(operation: dict[str, Any]) -> bool:
    """Tell whether ``operation`` needs credentials (no empty security requirement)."""
    security = operation.get("security", [])
    return bool(security) and {} not in security


def _url_name(path: str) -> str | None:
    try:
        return resolve(path).url_name
    except Resolver404:
        return None


def _session_links(paths: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the links from a session's answer, by the operationId of each target."""
    links: dict[str, dict[str, Any]] = {}
    for path, operations in paths.items():
        body = SESSION_BODIES.get(_url_name(path) or "")
        for operation in operations.values():
            if not ACCOUNT_TAGS & set(operation.get("tags", [])):
                continue
            operation_id = operation["operationId"]
            if body is not None:
                links[operation_id] = {"operationId": operation_id, "requestBody": body}
            elif _is_signed_in(operation):
                links[operation_id] = {
                    "operationId": operation_id,
                    "parameters": {"header.Authorization": SESSION_AUTHORIZATION},
                }
    return links


def add_session_links(
    result: dict[str, Any],
    generator: Any,
    request: Any,
    public: bool,  # noqa: FBT001
) -> dict[str, Any]:
    """Link every answer carrying a session to the operations it signs (a spectacular hook)."""
    paths = result.get("paths", {})
    links = _session_links(paths)
    for operations in paths.values():
        for operation in operations.values():
            for response in _session_responses(operation):
                response.setdefault("links", {}).update(links)
    return result

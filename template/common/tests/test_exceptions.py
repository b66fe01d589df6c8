"""The exception handler: every error kind ends up in the same envelope."""

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions

from common.exceptions import (
    ConflictError,
    NotFoundError,
    ServiceError,
    ServiceUnavailableError,
    api_exception_handler,
    message_of,
)
from common.tests.helpers import assert_sentence

TOKEN_NOT_VALID = {
    "detail": "Given token not valid for any token type",
    "code": "token_not_valid",
    "messages": [{"token_class": "AccessToken", "message": "Token is invalid"}],
}


def handle(exc: Exception):
    """Run the handler as DRF would, outside any view."""
    return api_exception_handler(exc, {"view": None, "request": None})


@pytest.mark.parametrize(
    ("error", "status_code", "code", "details"),
    [
        (ServiceError("Refused.", code="sold_out", details={"a": 1}), 400, "sold_out", {"a": 1}),
        (ServiceError("Refused."), 400, "service_error", {}),
        (NotFoundError("Refused."), 404, "not_found", {}),
        (ConflictError("Refused."), 409, "conflict", {}),
        (ServiceUnavailableError("Refused."), 503, "service_unavailable", {}),
    ],
)
def test_each_service_error_has_its_status_code_and_details(
    error: ServiceError, status_code: int, code: str, details: dict
) -> None:
    response = handle(error)

    assert str(error) == "Refused."
    assert response.status_code == status_code
    assert response.data == {"error": {"code": code, "message": "Refused.", "details": details}}


@pytest.mark.parametrize(
    ("error", "details"),
    [
        (exceptions.ValidationError({"email": ["Not valid."]}), {"email": ["Not valid."]}),
        (DjangoValidationError({"name": ["Too long."]}), {"name": ["Too long."]}),
        (DjangoValidationError("Not allowed."), {"non_field_errors": ["Not allowed."]}),
    ],
)
def test_validation_errors_put_field_errors_in_details(error: Exception, details: dict) -> None:
    response = handle(error)

    assert response.status_code == 400
    assert response.data["error"] == {
        "code": "validation_error",
        "message": "The submitted data is invalid.",
        "details": details,
    }


@pytest.mark.parametrize(
    ("error", "status_code", "code"),
    [
        (Http404(), 404, "not_found"),
        (exceptions.NotFound(), 404, "not_found"),
        (DjangoPermissionDenied(), 403, "permission_denied"),
        (exceptions.PermissionDenied(), 403, "permission_denied"),
        (exceptions.NotAuthenticated(), 401, "not_authenticated"),
        (exceptions.AuthenticationFailed(), 401, "authentication_failed"),
        (exceptions.MethodNotAllowed("DELETE"), 405, "method_not_allowed"),
        (exceptions.ParseError(), 400, "parse_error"),
        (exceptions.UnsupportedMediaType("text/csv"), 415, "unsupported_media_type"),
        (exceptions.Throttled(wait=42), 429, "throttled"),
    ],
)
def test_api_errors_keep_their_status_and_get_a_code(
    error: Exception, status_code: int, code: str
) -> None:
    response = handle(error)

    assert response.status_code == status_code
    assert response.data["error"]["code"] == code
    assert_sentence(response.data["error"]["message"])
    assert response.data["error"]["details"] == ({"wait": 42} if code == "throttled" else {})


@pytest.mark.parametrize(
    ("error", "message"),
    [
        # Token libraries raise dicts: a detail, a code and one message per token type.
        (exceptions.AuthenticationFailed(TOKEN_NOT_VALID), TOKEN_NOT_VALID["detail"]),
        (exceptions.PermissionDenied(["Not yours.", "Not today."]), "Not yours."),
        (exceptions.NotFound({"order": ["No such order."]}), "No such order."),
        (exceptions.ParseError({"body": [], "reason": {"why": "Bad JSON."}}), "Bad JSON."),
        (exceptions.NotAuthenticated([]), "Authentication credentials were not provided."),
        (exceptions.NotFound(""), "Not found."),
    ],
)
def test_a_structured_detail_becomes_a_sentence(error: Exception, message: str) -> None:
    assert handle(error).data["error"]["message"] == message


def test_throttled_tells_how_long_to_wait() -> None:
    assert handle(exceptions.Throttled(wait=42))["Retry-After"] == "42"


def test_message_of_falls_back_when_there_is_no_text() -> None:
    assert message_of({"detail": [{}]}, default="Refused.") == "Refused."


def test_unexpected_errors_are_left_to_django() -> None:
    assert handle(RuntimeError("boom")) is None

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
        (
            ServiceError("No.", code="sold_out", details={"sku": "A1"}),
            400,
            "sold_out",
            {"sku": "A1"},
        ),
        (ServiceError("No."), 400, "service_error", {}),
        (NotFoundError("No."), 404, "not_found", {}),
        (ConflictError("No."), 409, "conflict", {}),
        (ServiceUnavailableError("No."), 503, "service_unavailable", {}),
        (exceptions.ValidationError({"a": ["Bad."]}), 400, "validation_error", {"a": ["Bad."]}),
        (DjangoValidationError({"a": ["Bad."]}), 400, "validation_error", {"a": ["Bad."]}),
        (DjangoValidationError("No."), 400, "validation_error", {"non_field_errors": ["No."]}),
        (Http404(), 404, "not_found", {}),
        (exceptions.NotFound(), 404, "not_found", {}),
        (DjangoPermissionDenied(), 403, "permission_denied", {}),
        (exceptions.PermissionDenied(), 403, "permission_denied", {}),
        (exceptions.NotAuthenticated(), 401, "not_authenticated", {}),
        (exceptions.AuthenticationFailed(), 401, "authentication_failed", {}),
        (exceptions.MethodNotAllowed("DELETE"), 405, "method_not_allowed", {}),
        (exceptions.ParseError(), 400, "parse_error", {}),
        (exceptions.UnsupportedMediaType("text/csv"), 415, "unsupported_media_type", {}),
        # A throttled client is told how long to wait.
        (exceptions.Throttled(wait=42), 429, "throttled", {"wait": 42}),
    ],
)
def test_every_error_gets_its_status_and_code_in_the_envelope(
    error: Exception, status_code: int, code: str, details: dict
) -> None:
    response = handle(error)

    assert response.status_code == status_code
    assert response.data["error"]["code"] == code
    assert response.data["error"]["details"] == details
    assert_sentence(response.data["error"]["message"])
    assert response.get("Retry-After") == ("42" if status_code == 429 else None)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ServiceError("Out of stock."), "Out of stock."),
        (exceptions.ValidationError({"email": ["Not valid."]}), "The submitted data is invalid."),
        # Token libraries raise dicts: a detail, a code and one message per token type.
        (exceptions.AuthenticationFailed(TOKEN_NOT_VALID), TOKEN_NOT_VALID["detail"]),
        (exceptions.PermissionDenied(["Not yours.", "Not today."]), "Not yours."),
        (exceptions.NotFound({"order": ["No such order."]}), "No such order."),
        (exceptions.ParseError({"body": [], "reason": {"why": "Bad JSON."}}), "Bad JSON."),
        (exceptions.NotAuthenticated([]), "Authentication credentials were not provided."),
        (exceptions.NotFound(""), "Not found."),
        (exceptions.NotFound({"detail": [{}]}), "Not found."),
    ],
)
def test_the_message_is_a_sentence(error: Exception, message: str) -> None:
    assert handle(error).data["error"]["message"] == message


def test_a_service_error_reads_as_its_message() -> None:
    assert str(ConflictError("Sold out.")) == "Sold out."


def test_unexpected_errors_are_left_to_django() -> None:
    assert handle(RuntimeError("boom")) is None

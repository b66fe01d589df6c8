"""The exception handler: every error kind ends up in the same envelope."""

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status

from common.exceptions import (
    ConflictError,
    NotFoundError,
    ServiceError,
    ServiceUnavailableError,
    api_exception_handler,
    message_of,
)
from common.tests.helpers import assert_sentence


def handle(exc: Exception):
    """Run the handler as DRF would, outside any view."""
    return api_exception_handler(exc, {"view": None, "request": None})


def test_service_error_is_a_400_with_its_code_and_details() -> None:
    response = handle(ServiceError("Out of stock.", code="out_of_stock", details={"sku": "A1"}))

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.data == {
        "error": {"code": "out_of_stock", "message": "Out of stock.", "details": {"sku": "A1"}},
    }


@pytest.mark.parametrize(
    ("error_class", "status_code", "code"),
    [
        (ServiceError, status.HTTP_400_BAD_REQUEST, "service_error"),
        (NotFoundError, status.HTTP_404_NOT_FOUND, "not_found"),
        (ConflictError, status.HTTP_409_CONFLICT, "conflict"),
        (ServiceUnavailableError, status.HTTP_503_SERVICE_UNAVAILABLE, "service_unavailable"),
    ],
)
def test_each_service_error_has_its_status_and_a_default_code(
    error_class: type[ServiceError], status_code: int, code: str
) -> None:
    error = error_class("Refused.")

    response = handle(error)

    assert str(error) == "Refused."
    assert response.status_code == status_code
    assert response.data["error"] == {"code": code, "message": "Refused.", "details": {}}


@pytest.mark.parametrize(
    ("error", "details"),
    [
        (exceptions.ValidationError({"email": ["Not valid."]}), {"email": ["Not valid."]}),
        (DjangoValidationError({"name": ["Too long."]}), {"name": ["Too long."]}),
        (DjangoValidationError("Not allowed."), {"non_field_errors": ["Not allowed."]}),
    ],
)
def test_validation_errors_put_field_errors_in_details(
    error: Exception, details: dict[str, list[str]]
) -> None:
    response = handle(error)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.data["error"]["code"] == "validation_error"
    assert response.data["error"]["details"] == details


@pytest.mark.parametrize(
    ("error", "status_code", "code"),
    [
        (Http404(), status.HTTP_404_NOT_FOUND, "not_found"),
        (exceptions.NotFound(), status.HTTP_404_NOT_FOUND, "not_found"),
        (DjangoPermissionDenied(), status.HTTP_403_FORBIDDEN, "permission_denied"),
        (exceptions.PermissionDenied(), status.HTTP_403_FORBIDDEN, "permission_denied"),
        (exceptions.NotAuthenticated(), status.HTTP_401_UNAUTHORIZED, "not_authenticated"),
        (exceptions.AuthenticationFailed(), status.HTTP_401_UNAUTHORIZED, "authentication_failed"),
        (exceptions.MethodNotAllowed("DELETE"), 405, "method_not_allowed"),
        (exceptions.ParseError(), status.HTTP_400_BAD_REQUEST, "parse_error"),
        (exceptions.UnsupportedMediaType("text/csv"), 415, "unsupported_media_type"),
    ],
)
def test_api_errors_keep_their_status_and_get_a_code(
    error: Exception, status_code: int, code: str
) -> None:
    response = handle(error)

    assert response.status_code == status_code
    assert response.data["error"]["code"] == code
    assert response.data["error"]["message"]
    assert response.data["error"]["details"] == {}


@pytest.mark.parametrize(
    ("error", "message"),
    [
        # Token libraries raise dicts: a detail, a code and one message per token type.
        (
            exceptions.AuthenticationFailed(
                {
                    "detail": "Given token not valid for any token type",
                    "code": "token_not_valid",
                    "messages": [{"token_class": "AccessToken", "message": "Token is invalid"}],
                },
            ),
            "Given token not valid for any token type",
        ),
        (exceptions.PermissionDenied(["Not yours.", "Not today."]), "Not yours."),
        (exceptions.NotFound({"order": ["No such order."]}), "No such order."),
        (exceptions.ParseError({"body": [], "reason": {"why": "Bad JSON."}}), "Bad JSON."),
        (exceptions.NotAuthenticated([]), "Authentication credentials were not provided."),
        (exceptions.NotFound(""), "Not found."),
    ],
)
def test_a_structured_detail_becomes_a_sentence(error: Exception, message: str) -> None:
    response = handle(error)

    assert response.data["error"]["message"] == message
    assert_sentence(response.data["error"]["message"])


def test_message_of_falls_back_when_there_is_no_text() -> None:
    assert message_of({"detail": [{}]}, default="Refused.") == "Refused."


def test_throttled_tells_how_long_to_wait() -> None:
    response = handle(exceptions.Throttled(wait=42))

    assert response.status_code == status.HTTP_429_TOO_MANY_REQUESTS
    assert response.data["error"]["code"] == "throttled"
    assert response.data["error"]["details"] == {"wait": 42}
    assert response["Retry-After"] == "42"


def test_unexpected_errors_are_left_to_django() -> None:
    assert handle(RuntimeError("boom")) is None

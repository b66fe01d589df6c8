"""One error format for the whole API.

Every error response, whatever raised it, has the same shape::

    {"error": {"code": "not_found", "message": "Not found.", "details": {}}}

``code`` is stable and meant for programs, ``message`` is meant for people, and
``details`` carries field errors (validation) or extra context.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler, set_rollback

# PostgreSQL's SQLSTATE for a unique violation; SQLite only says so in its message.
UNIQUE_VIOLATION = "23505"
SQLITE_UNIQUE_VIOLATION = "UNIQUE constraint failed"
UNIQUE_CONFLICT_MESSAGE = "Another object already has a value this request sets."


class ServiceError(Exception):
    """A business rule refused the operation's input; the API answers 400 with this message.

    Services raise it with plain values, so they stay independent of HTTP and DRF. When the
    input is not at fault, they raise the subclass that says why (``NotFoundError``,
    ``ConflictError``, ``ServiceUnavailableError``): the handler answers its ``status_code``.
    """

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "service_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or {}


class NotFoundError(ServiceError):
    """The object the operation works on no longer exists; the API answers 404.

    A view finds the object first (a 404 of its own if it cannot); this covers a
    concurrent request deleting it before the service locks its row.
    """

    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"


class ConflictError(ServiceError):
    """The object's current state refuses the operation; the API answers 409.

    The input is fine, but the object's status does not allow the operation, or a unique
    value is another object's: the same request may succeed once the state changes, so the
    client reads it again rather than correcting its input.
    """

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ServiceUnavailableError(ServiceError):
    """Something the operation needs (file storage, ...) is down; the API answers 503.

    Raised before the transaction commits, so nothing of the operation is kept.
    """

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"


def error_body(*, code: str, message: str, details: Any = None) -> dict[str, Any]:
    """Build the error envelope every error response uses."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


def message_of(detail: Any, default: str) -> str:
    """Return the first human message in an exception's detail, or ``default``.

    DRF details may be a string, a list or a dict (token libraries put ``detail``, ``code``
    and ``messages`` in one); ``str()`` of the last two is a Python repr, not a sentence.
    """
    if isinstance(detail, dict):
        detail = detail.get("detail", list(detail.values()))
    if isinstance(detail, list | tuple):
        messages = (message_of(item, "") for item in detail)
        return next((message for message in messages if message), default)
    return str(detail) or default


def is_unique_violation(exc: IntegrityError) -> bool:
    """Tell whether the database refused a write for a value another row already has."""
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) == UNIQUE_VIOLATION or str(cause).startswith(
        SQLITE_UNIQUE_VIOLATION
    )


def _as_drf_exception(exc: Exception) -> Exception:
    """Translate Django's own exceptions into the DRF ones they correspond to."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every handled exception in the error envelope.

    Unhandled exceptions return ``None`` so Django turns them into a 500 and error
    reporting sees them.

    A unique violation is a 409: a concurrent request saved the same value between the
    service's check and its write (or the service has no check of its own). The request was
    fine and may succeed once the client has read the current state, like any
    ``ConflictError``; a service that wants its own code and message for the value meets the
    violation itself (``common.services.recheck_on_conflict``). Every other
    ``IntegrityError`` (a missing row, a broken check constraint) stays a 500: a bug.
    """
    if isinstance(exc, IntegrityError) and is_unique_violation(exc):
        set_rollback()
        return Response(
            error_body(code=ConflictError.default_code, message=UNIQUE_CONFLICT_MESSAGE),
            status=ConflictError.status_code,
        )
    if isinstance(exc, ServiceError):
        return Response(
            error_body(code=exc.code, message=exc.message, details=exc.details),
            status=exc.status_code,
        )

    exc = _as_drf_exception(exc)
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            code="validation_error",
            message="The submitted data is invalid.",
            details=response.data,
        )
    else:
        details = {"wait": exc.wait} if isinstance(exc, exceptions.Throttled) else {}
        response.data = error_body(
            code=exc.default_code,
            message=message_of(exc.detail, default=str(exc.default_detail)),
            details=details,
        )
    return response

"""Middleware that keeps the API's error envelope on errors Django answers itself."""

from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware import common
from django.utils.cache import patch_cache_control
from django.utils.http import escape_leading_slashes
from rest_framework import status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from common.exceptions import error_body

API_PATH_PREFIX = "/api/"

# What Django itself answers with an HTML page: an unknown URL, a disallowed host, an
# oversized body, a CSRF failure, an unhandled error.
ERRORS = {
    status.HTTP_400_BAD_REQUEST: ("bad_request", "The request could not be processed."),
    status.HTTP_403_FORBIDDEN: ("permission_denied", "You do not have permission to do this."),
    status.HTTP_404_NOT_FOUND: ("not_found", "Not found."),
    status.HTTP_405_METHOD_NOT_ALLOWED: ("method_not_allowed", "This method is not allowed."),
    status.HTTP_500_INTERNAL_SERVER_ERROR: ("server_error", "An unexpected error occurred."),
}


class APIErrorEnvelopeMiddleware:
    """Answer every error under ``/api/`` with the envelope, whatever the settings.

    This is the one place that turns Django's own error pages into the envelope, with
    ``DEBUG`` on (its debug pages; the traceback still goes to the log) or off. Paths
    outside the API, the admin's among them, keep Django's HTML pages. DRF's own responses
    are left alone, so the browsable API keeps working.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        """Wrap the rest of the middleware chain."""
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Replace a non-JSON error page on an API path with the envelope."""
        response = self.get_response(request)
        if not is_django_error_page(request, response):
            return response
        code, message = ERRORS.get(response.status_code) or described(response.status_code)
        envelope = JsonResponse(error_body(code=code, message=message), status=response.status_code)
        for header in ("Allow", "Retry-After"):
            if header in response:
                envelope[header] = response[header]
        return envelope


def described(status_code: int) -> tuple[str, str]:
    """Return a code and message for a status Django rarely answers, from its reason phrase."""
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        phrase = "Error"
    return phrase.lower().replace(" ", "_").replace("-", "_"), f"{phrase}."


def is_django_error_page(request: HttpRequest, response: HttpResponse) -> bool:
    """Tell whether Django, not DRF, answered a request to the API with a non-JSON error."""
    return (
        response.status_code >= status.HTTP_400_BAD_REQUEST
        and not isinstance(response, Response)
        and request.path_info.startswith(API_PATH_PREFIX)
        and not response.get("Content-Type", "").startswith("application/json")
    )


class APICacheControlMiddleware:
    """Keep API responses out of every cache: ``Cache-Control: no-store, private``.

    Most API answers are someone's own data (a profile, orders, a token), and a browser's
    or a proxy's cache would keep them after logout, for the next user of the machine to
    read. A view that wants its answers cached sets ``Cache-Control`` itself and is left
    alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        """Wrap the rest of the middleware chain."""
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Mark a response under ``/api/`` as not to be stored, unless the view said otherwise."""
        response = self.get_response(request)
        is_api = request.path_info.startswith(API_PATH_PREFIX)
        if is_api and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class CommonMiddleware(common.CommonMiddleware):
    """Django's ``CommonMiddleware``, except that a write to a URL missing its slash is a 404.

    With ``APPEND_SLASH`` Django redirects ``/api/v1/orders`` to ``/api/v1/orders/``. For a
    GET that is harmless, and the admin and the docs rely on it. For a write it is not: with
    ``DEBUG`` on Django raises ``RuntimeError`` (a 500), and with it off answers a 301 that
    clients follow as a GET, without the body. Such a request gets a 404 instead, in every
    settings module, naming the URL the client meant (in the envelope under ``/api/``).
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """Refuse an unsafe request to a URL that only exists with a trailing slash."""
        if (
            request.method in SAFE_METHODS
            or response.status_code != status.HTTP_404_NOT_FOUND
            or not self.should_redirect_with_slash(request)
        ):
            return super().process_response(request, response)
        if not request.path_info.startswith(API_PATH_PREFIX):
            return response
        url = escape_leading_slashes(f"{request.path}/")
        message = f"Not found. Did you mean {url}? API URLs end with a slash."
        return JsonResponse(
            error_body(code="not_found", message=message),
            status=status.HTTP_404_NOT_FOUND,
        )

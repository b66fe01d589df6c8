"""Errors Django answers itself under ``/api/`` get the API's envelope, with DEBUG on or off.

Outside the API, the admin's pages included, Django's own pages stay.
"""

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path
from django.views.decorators.http import require_POST
from pytest_django import Settings

from common.tests.helpers import assert_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def crash(request: HttpRequest) -> HttpResponse:
    message = "A bug in a view."
    raise RuntimeError(message)


def plain_page(request: HttpRequest, code: int) -> HttpResponse:
    return HttpResponse("<p>An error.</p>", status=code)


@require_POST
def post_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=204)


urlpatterns = [
    path("api/crash/", crash),
    path("api/status/<int:code>/", plain_page),
    path("api/post-only/", post_only),
    path("crash/", crash),
    path("", include("config.urls")),
]
METHODS = ["get", "post", "put", "patch", "delete"]
OVERSIZED = {"email": "big@example.com", "password": "x" * 2048, "password_confirm": "x"}
FOREIGN_HOST = {"headers": {"host": "attacker.example"}}
OVERSIZED_BODY = {"data": OVERSIZED, "content_type": "application/json"}


@pytest.fixture(params=[True, False], ids=["debug", "no-debug"], autouse=True)
def debug(request: pytest.FixtureRequest, settings: Settings) -> bool:
    """Run each test with DEBUG on, as in development, and off, as in production."""
    settings.DEBUG = request.param
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    return request.param


@pytest.mark.parametrize(
    ("method", "url", "extra", "status_code", "code"),
    [
        *((method, "/api/v1/no-such-endpoint/", {}, 404, "not_found") for method in METHODS),
        ("get", "/api/no-such-thing", {}, 404, "not_found"),
        ("get", "/api/health/", FOREIGN_HOST, 400, "bad_request"),
        ("post", "/api/v1/auth/register/", OVERSIZED_BODY, 400, "bad_request"),
        ("get", "/api/crash/", {}, 500, "server_error"),
        ("get", "/api/post-only/", {}, 405, "method_not_allowed"),
        ("get", "/api/status/403/", {}, 403, "permission_denied"),
        ("get", "/api/status/410/", {}, 410, "gone"),
        ("get", "/api/status/499/", {}, 499, "error"),
        ("get", "/api/status/503/", {}, 503, "service_unavailable"),
    ],
)
def test_an_error_under_the_api_answers_the_envelope(
    method: str, url: str, extra: dict, status_code: int, code: str
) -> None:
    response = getattr(Client(raise_request_exception=False), method)(url, **extra)

    assert_error(response, status_code, code)
    # A 405 keeps the methods it allows.
    assert response.get("Allow") == ("POST" if status_code == 405 else None)


@pytest.mark.parametrize("url", ["/crash/", "/no-such-page/", "/{admin}no-such-page/"])
def test_an_error_outside_the_api_keeps_djangos_page(
    admin_client: Client, settings: Settings, url: str
) -> None:
    admin_client.raise_request_exception = False

    response = admin_client.get(url.format(admin=settings.ADMIN_URL))

    assert response.status_code == (500 if url == "/crash/" else 404)
    assert response["Content-Type"].startswith("text/html")


def test_drf_responses_are_left_alone(client: Client) -> None:
    response = client.get("/api/v1/users/me/", headers={"accept": "text/html"})

    assert response.status_code == 401
    assert response["Content-Type"].startswith("text/html")

"""Errors Django answers itself under ``/api/`` get the API's envelope, with DEBUG on or off.

Django answers unknown URLs, disallowed hosts and crashes with HTML pages (its debug pages
with ``DEBUG`` on). Outside the API, the admin's pages included, those pages stay.
"""

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django.views.decorators.http import require_POST
from pytest_django import Settings
from rest_framework import status

from common.tests.helpers import assert_error

METHODS = ["get", "post", "put", "patch", "delete"]


def crash(request: HttpRequest) -> HttpResponse:
    message = "A bug in a view."
    raise RuntimeError(message)


def plain_page(request: HttpRequest, code: int) -> HttpResponse:
    return HttpResponse("<p>An error.</p>", status=code)


@require_POST
def post_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=status.HTTP_204_NO_CONTENT)


# The URL conf of the tests that need a failing view (``pytest.mark.urls``).
urlpatterns = [
    path("api/crash/", crash),
    path("api/status/<int:code>/", plain_page),
    path("api/post-only/", post_only),
    path("crash/", crash),
]


@pytest.fixture(params=[True, False], ids=["debug", "no-debug"])
def debug(request: pytest.FixtureRequest, settings: Settings) -> bool:
    """Run the test with DEBUG on, as in development, and off, as in production."""
    settings.DEBUG = request.param
    return request.param


@pytest.mark.usefixtures("debug")
@pytest.mark.parametrize(
    ("method", "url"),
    [
        *((method, "/api/v1/no-such-endpoint/") for method in METHODS),
        # Outside the versioned API, without a trailing slash.
        ("get", "/api/no-such-thing"),
    ],
)
def test_an_unknown_api_url_answers_the_envelope(client: Client, method: str, url: str) -> None:
    response = getattr(client, method)(url)

    assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")


@pytest.mark.usefixtures("debug")
def test_a_disallowed_host_answers_the_envelope(client: Client) -> None:
    response = client.get("/api/health/", headers={"host": "attacker.example"})

    assert_error(response, status.HTTP_400_BAD_REQUEST, "bad_request")


@pytest.mark.django_db
@pytest.mark.usefixtures("debug")
def test_an_oversized_body_answers_the_envelope(client: Client, settings: Settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = {"email": "big@example.com", "password": "x" * 2048, "password_confirm": "x"}

    response = client.post("/api/v1/auth/register/", body, content_type="application/json")

    assert_error(response, status.HTTP_400_BAD_REQUEST, "bad_request")


@pytest.mark.urls(__name__)
@pytest.mark.usefixtures("debug")
def test_a_crash_answers_the_envelope() -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/api/crash/")

    assert_error(response, status.HTTP_500_INTERNAL_SERVER_ERROR, "server_error")


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("status_code", "code"),
    [(403, "permission_denied"), (410, "gone"), (499, "error"), (503, "service_unavailable")],
)
def test_other_error_pages_get_the_envelope_with_their_status(
    client: Client, status_code: int, code: str
) -> None:
    response = client.get(f"/api/status/{status_code}/")

    assert_error(response, status_code, code)


@pytest.mark.urls(__name__)
def test_a_method_not_allowed_keeps_its_allow_header(client: Client) -> None:
    response = client.get("/api/post-only/")

    assert_error(response, status.HTTP_405_METHOD_NOT_ALLOWED, "method_not_allowed")
    assert response["Allow"] == "POST"


@pytest.mark.urls(__name__)
@pytest.mark.usefixtures("debug")
def test_a_crash_outside_the_api_keeps_djangos_page() -> None:
    response = Client(raise_request_exception=False).get("/crash/")

    assert response.status_code == status.HTTP_500_INTERNAL_SERVER_ERROR
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.usefixtures("debug")
@pytest.mark.parametrize("url", ["/no-such-page/", "/{admin}no-such-page/"])
def test_an_unknown_url_outside_the_api_keeps_djangos_page(
    admin_client: Client, settings: Settings, url: str
) -> None:
    response = admin_client.get(url.format(admin=settings.ADMIN_URL))

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert response["Content-Type"].startswith("text/html")


def test_drf_responses_are_left_alone(client: Client, settings: Settings) -> None:
    settings.DEBUG = True

    response = client.get("/api/v1/users/me/", headers={"accept": "text/html"})

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert response["Content-Type"].startswith("text/html")

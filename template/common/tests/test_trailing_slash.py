"""A URL missing its trailing slash: GETs are redirected, writes answer a 404 naming the URL.

Django's ``APPEND_SLASH`` redirects such a request to the URL with the slash. A redirect
loses a write's body (clients follow a 301 with a GET), and with ``DEBUG`` on Django raises
``RuntimeError`` instead (a 500). The endpoints come from the URL configuration, so one
added later is checked too.
"""

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from pytest_django import Settings
from rest_framework import status
from rest_framework.permissions import SAFE_METHODS

from common.tests.conftest import SettingsLoader
from common.tests.endpoints import Endpoint, api_endpoints
from common.tests.helpers import assert_error

ROUTES = [(endpoint, method) for endpoint in api_endpoints() for method in endpoint.methods]
SETTINGS_MODULES = ["development", "testing", "production"]
BODY = b'{"name": "a body a redirect would lose"}'


def form(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=status.HTTP_204_NO_CONTENT)


# The URL conf of the test of a page outside the API (``pytest.mark.urls``).
urlpatterns = [path("form/", form)]


@pytest.fixture(params=[True, False], ids=["debug", "no-debug"])
def client(request: pytest.FixtureRequest, settings: Settings) -> Client:
    """Return a client of the app with DEBUG on, as in development, and off, as in production."""
    settings.DEBUG = request.param
    return Client(raise_request_exception=False)


def test_every_api_url_ends_with_a_slash() -> None:
    assert ROUTES
    assert [endpoint.path for endpoint in api_endpoints() if not endpoint.path.endswith("/")] == []


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=str)
def test_every_route_without_its_slash_answers_without_a_server_error(
    client: Client, endpoint: Endpoint, method: str
) -> None:
    response = client.generic(
        method.upper(),
        endpoint.path.removesuffix("/"),
        BODY,
        content_type="application/json",
    )

    if method.upper() in SAFE_METHODS:
        assert response.status_code == status.HTTP_301_MOVED_PERMANENTLY, response.content
        assert response["Location"] == endpoint.path
    else:
        assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")
        assert f"Did you mean {endpoint.path}?" in response.json()["error"]["message"]


@pytest.mark.parametrize("path", ["/admin", "/api/docs"])
def test_pages_read_in_a_browser_still_redirect_to_their_slash(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == status.HTTP_301_MOVED_PERMANENTLY
    assert response["Location"] == f"{path}/"


@pytest.mark.urls(__name__)
def test_a_write_to_a_page_outside_the_api_without_its_slash_is_not_found(client: Client) -> None:
    response = client.post("/form", BODY, content_type="application/json")

    assert response.status_code == status.HTTP_404_NOT_FOUND


@pytest.mark.usefixtures("production_env")
@pytest.mark.parametrize("module", SETTINGS_MODULES)
def test_every_settings_module_uses_the_projects_common_middleware(
    load_settings: SettingsLoader, module: str
) -> None:
    middleware = load_settings(module).MIDDLEWARE

    assert "common.middleware.CommonMiddleware" in middleware
    assert "django.middleware.common.CommonMiddleware" not in middleware

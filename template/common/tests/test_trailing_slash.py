"""A URL missing its slash: GETs are redirected, writes (whose body a redirect would lose,
and which Django answers with a 500 under DEBUG) get a 404 naming the URL."""

import pytest
from django.test import Client
from pytest_django import Settings

from common.tests.endpoints import Endpoint, api_endpoints
from common.tests.helpers import assert_error


@pytest.fixture(params=[True, False], ids=["debug", "no-debug"])
def client(request: pytest.FixtureRequest, settings: Settings) -> Client:
    settings.DEBUG = request.param
    return Client(raise_request_exception=False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "method"),
    [(endpoint, method) for endpoint in api_endpoints() for method in endpoint.methods],
    ids=str,
)
def test_every_route_without_its_slash_answers_without_a_server_error(
    client: Client, endpoint: Endpoint, method: str
) -> None:
    assert endpoint.path.endswith("/")

    response = client.generic(method.upper(), endpoint.path[:-1], b'{"a": 1}', "application/json")

    if method in ("get", "head", "options"):
        assert (response.status_code, response["Location"]) == (301, endpoint.path)
    else:
        assert_error(response, 404, "not_found")
        assert f"Did you mean {endpoint.path}?" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path", "status_code"),
    [("get", "/admin", 301), ("get", "/api/docs", 301), ("post", "/admin", 404)],
)
def test_pages_outside_the_api_still_redirect_reads_to_their_slash(
    client: Client, method: str, path: str, status_code: int
) -> None:
    response = getattr(client, method)(path)

    assert response.status_code == status_code
    assert response.get("Location") == (f"{path}/" if status_code == 301 else None)


@pytest.mark.django_db
def test_a_write_to_a_url_that_exists_in_no_spelling_is_a_plain_404(client: Client) -> None:
    response = client.post("/api/v1/nothing", {"a": 1}, content_type="application/json")

    assert_error(response, 404, "not_found")
    assert "Did you mean" not in response.json()["error"]["message"]

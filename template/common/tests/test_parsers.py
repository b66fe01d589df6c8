"""Deeply nested JSON: every endpoint that takes a body answers 400, never a 500.

Python's JSON decoder raises ``RecursionError`` on a few thousand nested brackets, which
DRF's own parser lets through. The endpoints are found in the URL configuration, so a new
endpoint (or one that sets its own ``parser_classes``) is checked as soon as it exists.
"""

import io

import pytest
from django.urls import reverse
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient
from rest_framework.utils.mediatypes import media_type_matches

from apps.users.tests.factories import UserFactory
from common.parsers import JSONParser
from common.tests.endpoints import Endpoint, write_endpoints
from common.tests.helpers import LOGIN_URL_NAME, assert_error, assert_sentence

DEPTH = 100_000
NESTED = ("[" * DEPTH + "]" * DEPTH).encode()
NESTED_OBJECTS = ('{"a":' * DEPTH + "1" + "}" * DEPTH).encode()
WRITES = write_endpoints()


@pytest.fixture
def admin_client(db: None) -> APIClient:
    """Return a client that every permission lets through to the body."""
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_url_conf_has_endpoints_that_take_a_body() -> None:
    paths = {endpoint.path for endpoint, _method in WRITES}
    assert reverse("v1:auth-register") in paths
    assert reverse(LOGIN_URL_NAME) in paths


@pytest.mark.parametrize("body", [NESTED, NESTED_OBJECTS], ids=["arrays", "objects"])
def test_the_json_parser_refuses_deep_nesting_with_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError) as excinfo:
        JSONParser().parse(io.BytesIO(body))

    assert_sentence(str(excinfo.value.detail))


@pytest.mark.parametrize(("endpoint", "method"), WRITES, ids=str)
def test_every_json_parser_of_every_endpoint_refuses_deep_nesting(
    endpoint: Endpoint, method: str
) -> None:
    view = endpoint.view(**endpoint.initkwargs)
    json_parsers = [
        parser
        for parser in view.get_parsers()
        if media_type_matches(parser.media_type, "application/json")
    ]
    for parser in json_parsers:
        with pytest.raises(ParseError):
            parser.parse(io.BytesIO(NESTED), parser.media_type, {})


@pytest.mark.parametrize(("endpoint", "method"), WRITES, ids=str)
def test_every_endpoint_answers_deep_nesting_without_a_server_error(
    admin_client: APIClient, endpoint: Endpoint, method: str
) -> None:
    response = getattr(admin_client, method)(endpoint.path, NESTED, content_type="application/json")

    assert response.status_code < status.HTTP_500_INTERNAL_SERVER_ERROR
    if status.is_client_error(response.status_code):
        code = response.json()["error"]["code"]
        assert_error(response, response.status_code, code)
    if not endpoint.has_parameters and response.status_code == status.HTTP_400_BAD_REQUEST:
        assert response.json()["error"]["code"] == "parse_error"

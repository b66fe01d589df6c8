"""Deeply nested JSON (``RecursionError`` in Python's decoder) answers 400, never a 500."""

import io

import pytest
from django.urls import reverse
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient
from rest_framework.utils.mediatypes import media_type_matches

from apps.users.tests.factories import UserFactory
from common.parsers import JSONParser
from common.tests.endpoints import Endpoint, write_endpoints
from common.tests.helpers import LOGIN_URL_NAME, assert_error, assert_sentence

NESTED = ("[" * 100_000 + "]" * 100_000).encode()
WRITES = write_endpoints()


def test_the_json_parser_refuses_deep_nesting_with_a_parse_error() -> None:
    for body in (NESTED, ('{"a":' * 100_000 + "1" + "}" * 100_000).encode()):
        with pytest.raises(ParseError) as excinfo:
            JSONParser().parse(io.BytesIO(body))
        assert_sentence(str(excinfo.value.detail))
    paths = {endpoint.path for endpoint, _method in WRITES}
    assert {reverse("v1:auth-register"), reverse(LOGIN_URL_NAME)} <= paths


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "method"), WRITES, ids=str)
def test_every_endpoint_refuses_deep_nesting_without_a_server_error(
    endpoint: Endpoint, method: str
) -> None:
    for parser in endpoint.view(**endpoint.initkwargs).get_parsers():  # even unread ones
        if media_type_matches(parser.media_type, "application/json"):
            with pytest.raises(ParseError):
                parser.parse(io.BytesIO(NESTED), parser.media_type, {})
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True, is_superuser=True))

    response = getattr(client, method)(endpoint.path, NESTED, content_type="application/json")

    assert response.status_code < 500
    if response.status_code >= 400:
        assert_error(response, response.status_code, response.json()["error"]["code"])
    if not endpoint.has_parameters and response.status_code == 400:
        assert response.json()["error"]["code"] == "parse_error"

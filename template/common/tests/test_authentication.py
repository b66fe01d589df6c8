"""Refused credentials count against the client: guessing tokens ends in 429."""

import pytest
from django.urls import reverse
from rest_framework import status
from rest_framework.test import APIClient

from apps.users.models import User
from common.authentication import FailedAuthenticationThrottle
from common.tests.helpers import INVALID_AUTHORIZATION, assert_error, authorization_for

ME_URL = reverse("v1:user-me")
GUESSER = "203.0.113.7"
NEIGHBOUR = "203.0.113.8"
FAILURES_ALLOWED = 5


@pytest.fixture(autouse=True)
def _few_failures_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF reads the rates once, at import: change the dict it keeps, not the settings.
    rates = FailedAuthenticationThrottle.THROTTLE_RATES
    monkeypatch.setitem(rates, "auth_failure", f"{FAILURES_ALLOWED}/hour")


def get_me(client: APIClient, authorization: str, address: str = GUESSER) -> int:
    """Request the profile with ``authorization`` from ``address``; return the status."""
    response = client.get(ME_URL, HTTP_AUTHORIZATION=authorization, REMOTE_ADDR=address)
    return response.status_code


@pytest.mark.django_db
def test_guessing_tokens_ends_in_429(api_client: APIClient) -> None:
    statuses = [get_me(api_client, f"{INVALID_AUTHORIZATION}-{guess}") for guess in range(150)]

    assert statuses[:FAILURES_ALLOWED] == [status.HTTP_401_UNAUTHORIZED] * FAILURES_ALLOWED
    assert set(statuses[FAILURES_ALLOWED:]) == {status.HTTP_429_TOO_MANY_REQUESTS}
    response = api_client.get(ME_URL, HTTP_AUTHORIZATION=INVALID_AUTHORIZATION, REMOTE_ADDR=GUESSER)
    assert_error(response, status.HTTP_429_TOO_MANY_REQUESTS, "throttled")
    assert int(response["Retry-After"]) > 0


def test_a_throttled_client_has_even_a_valid_token_refused(
    api_client: APIClient, user: User
) -> None:
    for _ in range(FAILURES_ALLOWED):
        get_me(api_client, INVALID_AUTHORIZATION)

    # The guess is not checked at all: a right one learns nothing either.
    assert get_me(api_client, authorization_for(user)) == status.HTTP_429_TOO_MANY_REQUESTS
    # Another client is not affected.
    assert get_me(api_client, authorization_for(user), NEIGHBOUR) == status.HTTP_200_OK


def test_valid_and_missing_credentials_are_not_counted(api_client: APIClient, user: User) -> None:
    for _ in range(2 * FAILURES_ALLOWED):
        assert get_me(api_client, authorization_for(user)) == status.HTTP_200_OK
        assert (
            api_client.get(ME_URL, REMOTE_ADDR=GUESSER).status_code == status.HTTP_401_UNAUTHORIZED
        )

    assert get_me(api_client, INVALID_AUTHORIZATION) == status.HTTP_401_UNAUTHORIZED

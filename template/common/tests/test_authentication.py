"""Refused credentials count against the client: guessing tokens ends in 429."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.users.models import User
from common.authentication import FailedAuthenticationThrottle
from common.tests.helpers import INVALID_AUTHORIZATION, assert_error, authorization_for

ALLOWED = 5
ME_URL = reverse("v1:user-me")


def get_me(client: APIClient, authorization: str, address: str = "203.0.113.7") -> int:
    response = client.get(ME_URL, HTTP_AUTHORIZATION=authorization, REMOTE_ADDR=address)
    return response.status_code


def test_guessing_tokens_ends_in_429(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DRF reads the rates once, at import: change the dict it keeps, not the settings.
    monkeypatch.setitem(FailedAuthenticationThrottle.THROTTLE_RATES, "auth_failure", "5/hour")
    valid = authorization_for(user)
    for _ in range(2 * ALLOWED):  # valid and missing credentials are not counted
        assert (get_me(api_client, valid), get_me(api_client, "")) == (200, 401)

    guesses = [get_me(api_client, f"{INVALID_AUTHORIZATION}-{n}") for n in range(ALLOWED + 2)]

    assert guesses == [401] * ALLOWED + [429] * 2
    # Even a valid token is refused now, so a right guess learns nothing; not a neighbour's.
    response = api_client.get(ME_URL, HTTP_AUTHORIZATION=valid, REMOTE_ADDR="203.0.113.7")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert get_me(api_client, valid, "203.0.113.8") == 200


@pytest.mark.django_db  # refusing a token may read the database
@pytest.mark.parametrize("age", [3600, 3601])
def test_a_failure_is_forgotten_once_an_hour_old(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch, age: int
) -> None:
    monkeypatch.setitem(FailedAuthenticationThrottle.THROTTLE_RATES, "auth_failure", "5/hour")
    clock = [0.0]
    monkeypatch.setattr(FailedAuthenticationThrottle, "timer", lambda _throttle: clock[0])
    statuses = [get_me(api_client, INVALID_AUTHORIZATION)]
    clock[0] = 1800
    statuses += [get_me(api_client, INVALID_AUTHORIZATION) for _ in range(ALLOWED - 1)]
    clock[0] = age
    statuses += [get_me(api_client, INVALID_AUTHORIZATION) for _ in range(2)]
    # Only the first failure has aged out: one more guess, then 429 again.
    assert statuses == [401] * (ALLOWED + 1) + [429]

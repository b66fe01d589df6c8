"""Login counts the attempts on each account, whatever address they come from.

The ``auth`` scope counts per address; a botnet, or a client with many IPv6 networks, has
as many addresses as it likes. The ``login_account`` scope counts per submitted e-mail.
"""

from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework import status
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from apps.users.models import User
from apps.users.tests.factories import UserFactory
from common.tests.helpers import LOGIN_URL_NAME, assert_error, wrong_password_logins

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse(LOGIN_URL_NAME)
ATTEMPTS_ALLOWED = 3
# A client of each kind a botnet is made of: IPv4 addresses and IPv6 /64 networks.
ADDRESSES = ["198.51.100.1", "2001:db8:1::1", "198.51.100.2", "2001:db8:2::1", "198.51.100.3"]


class KeyRecorder:
    """Stands in for the throttles' cache, noting every key they read or write."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def get(self, key: str, default: Any = None) -> Any:
        """Note the key and read the real cache."""
        self.keys.append(key)
        return cache.get(key, default)

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        """Note the key and write the real cache."""
        self.keys.append(key)
        cache.set(key, value, timeout)


@pytest.fixture(autouse=True)
def _strict_account_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF reads the rates once, at import: change the dict it keeps, not the settings.
    rates = SimpleRateThrottle.THROTTLE_RATES
    monkeypatch.setitem(rates, "login_account", f"{ATTEMPTS_ALLOWED}/hour")
    # Each address stays far below its own limit.
    monkeypatch.setitem(rates, "auth", "1000/minute")


def test_an_account_is_refused_after_its_rate_from_any_address(
    api_client: APIClient, user: User
) -> None:
    statuses = wrong_password_logins(api_client, user.email, ADDRESSES[:ATTEMPTS_ALLOWED])
    response = api_client.post(
        LOGIN_URL,
        {"email": user.email, "password": UserFactory.PASSWORD},
        REMOTE_ADDR=ADDRESSES[ATTEMPTS_ALLOWED],
    )

    assert statuses == [status.HTTP_401_UNAUTHORIZED] * ATTEMPTS_ALLOWED
    assert_error(response, status.HTTP_429_TOO_MANY_REQUESTS, "throttled")
    assert response.data["error"]["details"]["wait"] > 0


def test_other_accounts_are_not_affected(api_client: APIClient, user: User) -> None:
    wrong_password_logins(api_client, user.email, ADDRESSES[:ATTEMPTS_ALLOWED])
    other = UserFactory()

    credentials = {"email": other.email, "password": UserFactory.PASSWORD}

    response = api_client.post(LOGIN_URL, credentials, REMOTE_ADDR=ADDRESSES[0])

    assert response.status_code == status.HTTP_200_OK


def test_the_cache_keys_do_not_hold_the_email(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = KeyRecorder()
    monkeypatch.setattr(SimpleRateThrottle, "cache", recorder)

    wrong_password_logins(api_client, user.email.upper(), ADDRESSES[:1])

    account_keys = [key for key in recorder.keys if key.startswith("throttle_login_account_")]
    assert account_keys, recorder.keys
    local_part = user.email.split("@")[0]
    assert not [key for key in recorder.keys if local_part in key.lower()], recorder.keys


@pytest.mark.parametrize(
    "body",
    [
        {"password": "wrong-guess"},
        {"email": None, "password": "wrong-guess"},
        {"email": ["a@example.com"], "password": "wrong-guess"},
        {"email": {"a": "b"}, "password": "wrong-guess"},
        ["a@example.com", "wrong-guess"],
    ],
    ids=["missing", "null", "list", "object", "body-a-list"],
)
def test_a_login_without_a_usable_email_is_a_validation_error(
    api_client: APIClient, body: object
) -> None:
    responses = [
        api_client.post(LOGIN_URL, body, format="json", REMOTE_ADDR=address)
        for address in ADDRESSES[: ATTEMPTS_ALLOWED + 1]
    ]

    for response in responses:
        assert_error(response, status.HTTP_400_BAD_REQUEST, "validation_error")


def test_a_number_for_the_email_is_answered_as_before_and_never_a_500(
    api_client: APIClient,
) -> None:
    # A login serializer with an e-mail field refuses it (400); one with a text field reads
    # it as "42", which no account has (401). Either way it is no account's e-mail.
    payload = {"email": 42, "password": "wrong-guess"}
    responses = [
        api_client.post(LOGIN_URL, payload, format="json", REMOTE_ADDR=address)
        for address in ADDRESSES[: ATTEMPTS_ALLOWED + 1]
    ]

    codes = {(response.status_code, response.json()["error"]["code"]) for response in responses}
    assert len(codes) == 1, codes
    assert codes <= {
        (status.HTTP_400_BAD_REQUEST, "validation_error"),
        (status.HTTP_401_UNAUTHORIZED, "authentication_failed"),
    }


def test_an_email_no_encoding_can_hold_is_a_validation_error(api_client: APIClient) -> None:
    # Valid JSON, but a lone surrogate is no character: the e-mail cannot be UTF-8 encoded.
    body = b'{"email": "a\\ud800@example.com", "password": "wrong-guess"}'

    response = api_client.post(LOGIN_URL, body, content_type="application/json")

    assert_error(response, status.HTTP_400_BAD_REQUEST, "validation_error")

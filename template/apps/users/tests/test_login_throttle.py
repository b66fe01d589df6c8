"""Logins are counted per client and per account, at the API and at the admin alike.

A botnet, or a client with many IPv6 networks, is as many clients as it likes: the
``login_account`` scope counts the attempts on each submitted e-mail, from anywhere.
"""

import importlib

import pytest
from django.test import Client
from django.urls import clear_url_caches, reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from apps.users.models import User
from apps.users.tests.factories import UserFactory
from common.tests.helpers import LOGIN_URL_NAME, assert_error, wrong_password_logins

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse(LOGIN_URL_NAME)
PASSWORD = UserFactory.PASSWORD
# A client of each kind a botnet is made of: IPv4 addresses and IPv6 /64 networks.
ADDRESSES = ["198.51.100.1", "2001:db8:1::1", "198.51.100.2", "2001:db8:2::1"]


@pytest.fixture(autouse=True)
def _strict_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF reads the rates once, at import: change the dict it keeps, not the settings.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "login_account", "3/hour")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", "3/minute")


def admin_login(client: Client, email: str, password: str, address: str = ADDRESSES[0]):
    data = {"username": email, "password": password, "next": reverse("admin:index")}
    return client.post(reverse("admin:login"), data, REMOTE_ADDR=address)


def test_an_account_is_refused_after_its_rate_from_any_address(
    api_client: APIClient, user: User
) -> None:
    assert wrong_password_logins(api_client, user.email, ADDRESSES[:3]) == [401] * 3
    credentials = {"email": user.email, "password": PASSWORD}
    response = api_client.post(LOGIN_URL, credentials, REMOTE_ADDR=ADDRESSES[3])
    assert_error(response, 429, "throttled")
    assert response.data["error"]["details"]["wait"] > 0
    other = {"email": UserFactory().email, "password": PASSWORD}
    assert api_client.post(LOGIN_URL, other, REMOTE_ADDR=ADDRESSES[3]).status_code == 200


def test_a_login_without_a_usable_email_is_refused_and_never_a_500(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", "1000/minute")
    # Each refused body, sent more often than an account's rate: counted for no account.
    for body in [{}, {"email": None}, {"email": ["a@example.com"]}, {"email": {"a": "b"}}, ["a"]]:
        for address in ADDRESSES:
            response = api_client.post(LOGIN_URL, body, format="json", REMOTE_ADDR=address)
            assert_error(response, 400, "validation_error")
    # Valid JSON, but a lone surrogate is no character: it cannot be UTF-8 encoded.
    body = b'{"email": "a\\ud800@example.com", "password": "x"}'
    surrogate = api_client.post(LOGIN_URL, body, content_type="application/json")
    assert_error(surrogate, 400, "validation_error")
    # An e-mail field refuses a number (400), a text field reads it as "42" (401): either
    # way no account's e-mail, and never a 429.
    responses = [
        api_client.post(LOGIN_URL, {"email": 42, "password": "x"}, format="json", REMOTE_ADDR=a)
        for a in ADDRESSES
    ]
    codes = {(response.status_code, response.json()["error"]["code"]) for response in responses}
    assert len(codes) == 1, codes
    assert codes <= {(400, "validation_error"), (401, "authentication_failed")}


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(is_staff=True, is_superuser=True)


def test_the_admin_login_counts_per_client(client: Client, staff: User) -> None:
    browser = Client()
    admin_login(browser, staff.email, "wrong")
    assert admin_login(browser, staff.email, PASSWORD).status_code == 302
    assert browser.session["_auth_user_id"] == str(staff.pk)
    admin_login(client, "nobody@example.com", "wrong")
    # The client's fourth attempt, on any account: refused before the password is checked.
    response = admin_login(client, staff.email, PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_api_and_the_admin_share_an_accounts_budget(
    client: Client, api_client: APIClient, staff: User
) -> None:
    assert wrong_password_logins(api_client, staff.email, ADDRESSES[:2]) == [401, 401]
    assert admin_login(client, staff.email, "wrong", ADDRESSES[2]).status_code == 200
    assert admin_login(client, staff.email, PASSWORD, ADDRESSES[3]).status_code == 429


@pytest.fixture
def urls_with(settings):
    """Return ``urls_with(**settings)``: change the settings and rebuild the URLs with them."""

    def urls_with(**values: object) -> None:
        for name, value in values.items():
            setattr(settings, name, value)
        importlib.reload(importlib.import_module("config.urls"))
        clear_url_caches()

    yield urls_with
    urls_with(ADMIN_URL="admin/", ADMIN_ENABLED=True)


def test_the_admin_moves_to_its_path_or_is_turned_off(client: Client, urls_with) -> None:
    urls_with(ADMIN_URL="backstage-7f3a/")
    assert client.get("/backstage-7f3a/login/").status_code == 200
    assert client.get("/admin/login/").status_code == 404
    urls_with(ADMIN_URL="admin/", ADMIN_ENABLED=False)
    response = client.get("/admin/login/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")

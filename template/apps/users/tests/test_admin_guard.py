"""The admin is guarded: its login is throttled, its path and presence are settings."""

import importlib
from collections.abc import Callable, Iterator

import pytest
from django.conf import LazySettings
from django.test import Client
from django.urls import clear_url_caches, reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from apps.users.models import User
from apps.users.tests.factories import UserFactory
from common.tests.helpers import wrong_password_logins

pytestmark = pytest.mark.django_db

ATTEMPTS_ALLOWED = 3
ADDRESSES = ["198.51.100.1", "2001:db8:1::1", "198.51.100.2", "2001:db8:2::1", "198.51.100.3"]


@pytest.fixture
def staff() -> User:
    return UserFactory(is_staff=True, is_superuser=True)


def admin_login(client: Client, email: str, password: str, address: str = ADDRESSES[0]) -> object:
    """Post the admin's login form as a browser would, from ``address``."""
    return client.post(
        reverse("admin:login"),
        {"username": email, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def test_guessing_stops_before_the_right_password_gets_in(
    client: Client, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Production's default rates: 10 a minute per client, 20 an hour per account.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", "10/minute")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "login_account", "20/hour")
    statuses = [
        admin_login(client, staff.email, f"wrong-{attempt}").status_code for attempt in range(40)
    ]

    response = admin_login(client, staff.email, UserFactory.PASSWORD)

    assert statuses == [200] * 10 + [429] * 30
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


class TestWithStrictRates:
    @pytest.fixture(autouse=True)
    def _strict_rates(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # DRF reads the rates once, at import: change the dict it keeps, not the settings.
        rates = SimpleRateThrottle.THROTTLE_RATES
        monkeypatch.setitem(rates, "login_account", f"{ATTEMPTS_ALLOWED}/hour")
        monkeypatch.setitem(rates, "auth", f"{ATTEMPTS_ALLOWED}/minute")

    def test_an_account_is_guarded_from_any_address(self, client: Client, staff: User) -> None:
        for address in ADDRESSES[:ATTEMPTS_ALLOWED]:
            assert admin_login(client, staff.email, "wrong", address).status_code == 200

        response = admin_login(client, staff.email, UserFactory.PASSWORD, ADDRESSES[-1])

        assert response.status_code == 429

    def test_the_api_and_the_admin_share_one_budget(
        self, client: Client, api_client: APIClient, staff: User
    ) -> None:
        statuses = wrong_password_logins(api_client, staff.email, ADDRESSES[:ATTEMPTS_ALLOWED])

        response = admin_login(client, staff.email, UserFactory.PASSWORD, ADDRESSES[-1])

        assert statuses == [401] * ATTEMPTS_ALLOWED
        assert response.status_code == 429

    def test_a_client_is_stopped_whatever_account_it_tries(self, client: Client) -> None:
        for attempt in range(ATTEMPTS_ALLOWED):
            admin_login(client, f"user{attempt}@example.com", "wrong")

        assert admin_login(client, "another@example.com", "wrong").status_code == 429

    def test_the_right_password_gets_in_within_the_rates(self, client: Client, staff: User) -> None:
        admin_login(client, staff.email, "wrong")

        response = admin_login(client, staff.email, UserFactory.PASSWORD)

        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(staff.pk)


@pytest.fixture
def urls_with(settings: LazySettings) -> Iterator[Callable[..., None]]:
    """Return ``urls_with(**settings)``: change the settings and rebuild the URLs with them."""

    def rebuild() -> None:
        importlib.reload(importlib.import_module("config.urls"))
        clear_url_caches()

    def _urls_with(**values: object) -> None:
        for name, value in values.items():
            setattr(settings, name, value)
        rebuild()

    yield _urls_with
    # The settings fixture restores the settings after this: rebuild the URLs with those.
    settings.ADMIN_URL, settings.ADMIN_ENABLED = "admin/", True
    rebuild()


def test_the_admin_moves_to_its_configured_path(
    client: Client, urls_with: Callable[..., None]
) -> None:
    urls_with(ADMIN_URL="backstage-7f3a/")

    assert client.get("/backstage-7f3a/login/").status_code == 200
    assert client.get("/admin/login/").status_code == 404


def test_the_admin_can_be_turned_off(client: Client, urls_with: Callable[..., None]) -> None:
    urls_with(ADMIN_ENABLED=False)

    response = client.get("/admin/login/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")

"""Black-box tier, hardening: odd spellings of an address, admin guessing, slow clients.

The same all-options deployment as ``tests/test_blackbox.py`` (its fixtures, imported: gunicorn
with the project's own config and production settings, PostgreSQL, Redis, moto S3), probed
over HTTP the way an attacker would:

1. Each spelling of a registered address (fullwidth e, long s, the Kelvin sign, NFD and
   punycode of an IDN domain) registers as that address (the one 202, never a 500), logs in
   to that account, and shares its login throttle; the dotless i is another address.
2. Guessing at the admin's login: 40 wrong passwords, then the right one, gets 429s and no
   session. The admin moves with ``DJANGO_ADMIN_URL`` and goes with ``DJANGO_ADMIN_ENABLED``.
3. Six clients sending a body at a byte a second do not hold up the health check.
4. The "also seen" requests: a decimal filter PostgreSQL cannot hold, 1,300 search words,
   ``{"is_active": 0}``, an empty PATCH.
5. No request got a 5xx.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

import pytest
import redis
import requests

from tests.conftest import combo_id
from tests.test_blackbox import (
    ACCESS_LINE,
    ANSWERS,
    PASSWORD,
    Deployment,
    LiveProject,
    _clear_throttling,
    _expect,
    cache,
    database,
    deployment,
    live,
    s3_endpoint,
    serving,
)

# The served-project fixtures of the black-box tier, used here under the same names.
__all__ = ["cache", "database", "deployment", "live", "s3_endpoint"]

pytestmark = [pytest.mark.services, pytest.mark.xdist_group(combo_id(ANSWERS))]

REGISTER = "/api/v1/auth/register/"
LOGIN = "/api/v1/auth/login/"
VERIFY = "/api/v1/auth/email/verify/"
ME = "/api/v1/users/me/"
HEALTH = "/api/health/"
IDN = "dora@b\u00fccher.example"
# (registered address, another spelling of the same address)
SPELLINGS = [
    pytest.param("erin@example.com", "erin@\uff45xample.com", id="fullwidth-e"),
    pytest.param("missis@example.com", "mi\u017fsis@example.com", id="long-s"),
    pytest.param("kelly@example.com", "\u212aelly@example.com", id="kelvin-sign"),
    pytest.param(IDN, "dora@bu\u0308cher.example", id="nfd-idn"),
    pytest.param(IDN, "dora@xn--bcher-kva.example", id="punycode-idn"),
]
# A different letter, so a different address: it must not reach missis's account.
DOTLESS = "m\u0131ssis@example.com"
# Production's per-account login rate (DJANGO_THROTTLE_LOGIN_ACCOUNT's default).
LOGIN_ACCOUNT_RATE = 20
SLOW_CLIENTS = 6
HEALTH_WITHIN = 1.0


class Addresses:
    """Hand out client addresses, as the load balancer appends them to X-Forwarded-For."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> dict[str, str]:
        """Return the headers of a request from a client not seen before."""
        self.count += 1
        return {"X-Forwarded-For": f"198.18.{self.count // 250}.{self.count % 250 + 1}"}


@pytest.fixture
def fresh(cache: redis.Redis) -> Addresses:
    """Start with every throttle's budget unspent; return an address dispenser."""
    _clear_throttling(cache)
    return Addresses()


def _register(live: LiveProject, email: str, addresses: Addresses) -> requests.Response:
    body = {"email": email, "password": PASSWORD, "password_confirm": PASSWORD}
    return live.request("POST", REGISTER, json=body, headers=addresses.next())


def _verify_if_new(live: LiveProject, address: str) -> None:
    """Follow the verification link, if the last e-mail to ``address`` is one (a new account).

    Django sends to an IDN domain in its punycode form, so the mail is looked up that way.
    """
    local, _, domain = address.rpartition("@")
    bodies = live.mail_to(f"{local}@{domain.encode('idna').decode()}")
    link = re.search(r"[?&]token=([^&\s]+)", bodies[-1]) if bodies else None
    if link:
        verified = live.request("POST", VERIFY, json={"token": link.group(1)})
        assert verified.status_code == 204, verified.text


def _login(
    live: LiveProject, email: str, addresses: Addresses, password: str = PASSWORD
) -> requests.Response:
    credentials = {"email": email, "password": password}
    return live.request("POST", LOGIN, json=credentials, headers=addresses.next())


def _account_of(live: LiveProject, email: str, addresses: Addresses) -> str:
    """Log in as ``email`` and return the id of the account it reached."""
    access = _expect(_login(live, email, addresses), 200)["access"]
    me = live.request("GET", ME, headers={"Authorization": f"Bearer {access}"})
    return _expect(me, 200)["id"]


# ---------------------------------------------------------------------------------------
# 1. One canonical e-mail
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "spelling"), SPELLINGS)
def test_a_spelling_of_a_taken_address_is_that_address(
    live: LiveProject, fresh: Addresses, address: str, spelling: str
) -> None:
    first = _register(live, address, fresh)
    _verify_if_new(live, address)
    again = _register(live, spelling, fresh)

    # The one answer of registration, whether or not the address was free (no 500).
    assert (first.status_code, again.status_code) == (202, 202), again.text
    assert again.json() == first.json()
    assert _account_of(live, spelling, fresh) == _account_of(live, address, fresh)


def test_every_spelling_shares_the_accounts_login_budget(
    live: LiveProject, fresh: Addresses
) -> None:
    _register(live, "missis@example.com", fresh)
    guesses = [
        _login(live, "missis@example.com", fresh, password="wrong").status_code
        for _ in range(LOGIN_ACCOUNT_RATE)
    ]

    spellings = {
        spelling: _login(live, spelling, fresh).status_code
        for spelling in ("missis@example.com", "mi\u017fsis@example.com", "MISSIS@EXAMPLE.COM")
    }
    dotless = _login(live, DOTLESS, fresh)

    assert guesses == [401] * LOGIN_ACCOUNT_RATE
    assert spellings == dict.fromkeys(spellings, 429)
    # Another address, and no account: it never reaches missis's.
    assert dotless.status_code == 401, dotless.text


# ---------------------------------------------------------------------------------------
# 2. The admin
# ---------------------------------------------------------------------------------------


class AdminBrowser:
    """A browser at the admin's login page: its cookies, kept over plain HTTP.

    Production's cookies are ``Secure``; requests would not send them back to this
    plain-HTTP server, so they are kept by hand, as a browser behind TLS would.
    """

    def __init__(self, live: LiveProject, path: str) -> None:
        self.live = live
        self.login_path = f"{path}login/"
        self.cookies: dict[str, str] = {}
        self.keep(live.request("GET", self.login_path))

    def keep(self, response: requests.Response) -> requests.Response:
        """Note the cookies ``response`` sets; return it."""
        for header in response.raw.headers.getlist("Set-Cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return response

    def log_in(self, email: str, password: str, address: dict[str, str]) -> requests.Response:
        """Post the login form."""
        form = {
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": self.cookies["csrftoken"],
        }
        response = self.live.request(
            "POST",
            self.login_path,
            data=form,
            cookies=self.cookies,
            headers=address,
            allow_redirects=False,
        )
        return self.keep(response)


def test_guessing_at_the_admin_login_stops(live: LiveProject, fresh: Addresses) -> None:
    browser = AdminBrowser(live, "/admin/")
    one_client = fresh.next()
    guesses = [
        browser.log_in("staff@example.com", f"guess-{n}", one_client).status_code for n in range(40)
    ]
    # From anywhere else, the account's own budget is spent too.
    right = browser.log_in("staff@example.com", PASSWORD, fresh.next())

    # Production's rates: 10 a minute per client, 20 an hour per account.
    assert guesses == [200] * 10 + [429] * 30
    assert right.status_code == 429
    assert int(right.headers["Retry-After"]) > 0
    assert "Too many login attempts" in right.text
    assert not browser.cookies.get("sessionid")


def test_the_right_password_opens_the_admin_within_the_rates(
    live: LiveProject, fresh: Addresses
) -> None:
    browser = AdminBrowser(live, "/admin/")

    response = browser.log_in("staff@example.com", PASSWORD, fresh.next())

    assert response.status_code == 302, response.text[:500]
    assert browser.cookies.get("sessionid")


@pytest.fixture(scope="module")
def admin_moved(deployment: Deployment) -> Iterator[str]:
    """Serve the deployment with the admin at a path of its own; yield the URL."""
    with serving(deployment, "gunicorn-admin-moved", DJANGO_ADMIN_URL="backstage-4c1e") as (
        url,
        _log,
    ):
        yield url


@pytest.fixture(scope="module")
def admin_off(deployment: Deployment) -> Iterator[str]:
    """Serve the deployment with the admin turned off; yield the URL."""
    with serving(deployment, "gunicorn-admin-off", DJANGO_ADMIN_ENABLED="false") as (url, _log):
        yield url


def test_the_admin_moves_with_the_environment(admin_moved: str) -> None:
    moved = requests.get(f"{admin_moved}/backstage-4c1e/login/", timeout=10)
    default = requests.get(f"{admin_moved}/admin/login/", timeout=10)

    assert moved.status_code == 200
    assert default.status_code == 404
    assert default.headers["Content-Type"].startswith("text/html")


def test_the_admin_can_be_turned_off(admin_off: str) -> None:
    response = requests.get(f"{admin_off}/admin/login/", timeout=10)

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert requests.get(f"{admin_off}{HEALTH}", timeout=10).status_code == 200


# ---------------------------------------------------------------------------------------
# 3. Slow clients
# ---------------------------------------------------------------------------------------


@contextmanager
def _slow_bodies(url: str, count: int) -> Iterator[None]:
    """Keep ``count`` clients sending a request body at one byte a second."""
    parts = urlsplit(url)
    head = (
        f"POST {LOGIN} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
    ).encode()
    clients = [socket.create_connection((parts.hostname, parts.port)) for _ in range(count)]
    stop = threading.Event()

    def drip() -> None:
        while not stop.wait(1):
            for client in clients:
                with suppress(OSError):
                    client.send(b" ")

    for client in clients:
        client.sendall(head)
    dripping = threading.Thread(target=drip, daemon=True)
    dripping.start()
    try:
        yield
    finally:
        stop.set()
        dripping.join()
        for client in clients:
            client.close()


def test_slow_clients_do_not_hold_up_the_health_check(live: LiveProject) -> None:
    with _slow_bodies(live.url, SLOW_CLIENTS):
        # Let the server hand every slow connection to a worker first.
        time.sleep(2)
        took = []
        for _ in range(5):
            started = time.monotonic()
            response = requests.get(live.url + HEALTH, timeout=15)
            took.append(time.monotonic() - started)
            assert response.status_code == 200

    print(f"health check with {SLOW_CLIENTS} slow clients: {', '.join(f'{t:.3f}' for t in took)} s")
    assert max(took) < HEALTH_WITHIN, took


# ---------------------------------------------------------------------------------------
# 4. Also seen
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["max_price=1e-16384", "min_price=1e-16384"])
def test_a_decimal_postgresql_cannot_hold_is_a_400(
    live: LiveProject, fresh: Addresses, query: str
) -> None:
    headers = {**live.bearer("staff"), **fresh.next()}

    response = live.request("GET", f"/api/v1/products/?{query}", headers=headers)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("query", ["min_amount=1e-16384", "max_amount=1e-16384"])
def test_an_amount_postgresql_cannot_hold_is_a_400(
    live: LiveProject, fresh: Addresses, query: str
) -> None:
    headers = {**live.bearer("alice"), **fresh.next()}

    response = live.request("GET", f"/api/v1/orders/?{query}", headers=headers)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"


def test_a_search_for_1300_words_is_refused_at_once(live: LiveProject, fresh: Addresses) -> None:
    headers = {**live.bearer("alice"), **fresh.next()}
    started = time.monotonic()

    response = live.request(
        "GET", "/api/v1/orders/", params={"search": " ".join(["x"] * 1300)}, headers=headers
    )

    assert response.status_code == 400, response.text
    assert time.monotonic() - started < HEALTH_WITHIN


def test_is_active_takes_a_boolean_only(live: LiveProject, fresh: Addresses) -> None:
    headers = {**live.bearer("staff"), **fresh.next()}
    path = f"/api/v1/products/{live.product_id}/"

    response = live.request("PATCH", path, json={"is_active": 0}, headers=headers)

    assert response.status_code == 400, response.text


def test_an_empty_patch_changes_nothing(live: LiveProject, fresh: Addresses) -> None:
    headers = {**live.bearer("alice"), **fresh.next()}
    path = f"/api/v1/orders/{live.order_id}/"

    response = live.request("PATCH", path, json={}, headers=headers)

    assert response.status_code == 200, response.text
    assert response.json()["notes"] == "first"


# ---------------------------------------------------------------------------------------
# 5. No 5xx
# ---------------------------------------------------------------------------------------


def test_no_request_got_a_server_error(live: LiveProject) -> None:
    """Runs last: the access log holds every request of this module's tests."""
    answered = list(ACCESS_LINE.finditer(live.log.read_text(errors="replace")))
    assert answered
    server_errors = sorted(
        {f"{m['status']} {m['request'][:160]}" for m in answered if m["status"].startswith("5")},
    )
    assert server_errors == [], f"{server_errors}\n{sorted(set(live.server_errors()))}"

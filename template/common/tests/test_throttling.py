"""Throttles count a client by an address it cannot choose.

DRF reads the client's address from ``X-Forwarded-For`` as far as ``NUM_PROXIES`` trusts it;
left unset, it trusts the whole header, and a client sending a new one with each request
guesses passwords for ever. An IPv6 connection gets a whole /64 network: throttles count the
network as one client, and an IPv4-mapped address (``::ffff:203.0.113.7``) as the IPv4 one.
"""

import pytest
from django.urls import reverse
from pytest_django import Settings
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from apps.users.models import User
from common.tests.endpoints import api_endpoints
from common.tests.helpers import LOGIN_URL_NAME, assert_error
from common.throttling import AnonRateThrottle

CLIENT = "203.0.113.7"
# The proxies between the client and the app, nearest the client first.
PROXIES = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]


def through_proxies(spoofed: str, num_proxies: int) -> dict[str, str]:
    """Return the META of a request from CLIENT, which wrote ``spoofed`` in X-Forwarded-For.

    Each proxy appends the address it received the request from; the app sees the last.
    """
    hops = [CLIENT, *PROXIES]
    forwarded = ", ".join([spoofed, *hops[:num_proxies]])
    return {"HTTP_X_FORWARDED_FOR": forwarded, "REMOTE_ADDR": hops[num_proxies]}


def throttled_views() -> list[object]:
    """Return each throttle in use with a view it throttles, one per throttle and scope.

    ``APIView`` stands for any view the project adds under the default throttles.
    """
    pairs: dict[tuple[type[BaseThrottle], str | None], type[APIView]] = {}
    for view in [APIView, *(endpoint.view for endpoint in api_endpoints())]:
        for throttle in view.throttle_classes:
            pairs.setdefault((throttle, getattr(view, "throttle_scope", None)), view)
    return [
        pytest.param(
            throttle, view, id=f"{throttle.__module__}.{throttle.__name__}-{view.__name__}"
        )
        for (throttle, _), view in pairs.items()
    ]


@pytest.fixture
def _three_logins_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF reads the rates once, at import: change the dict it keeps, not the settings.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", "3/minute")


@pytest.mark.django_db
@pytest.mark.usefixtures("_three_logins_a_minute")
@pytest.mark.parametrize("num_proxies", [0, 1, 2, 3])
def test_rotating_x_forwarded_for_does_not_escape_the_login_throttle(
    api_client: APIClient, user: User, settings: Settings, num_proxies: int
) -> None:
    """Whatever NUM_PROXIES says (``test_settings.py`` checks that it is always set)."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    payload = {"email": user.email, "password": "wrong-guess"}

    responses = [
        api_client.post(reverse(LOGIN_URL_NAME), payload, **through_proxies(spoofed, num_proxies))
        for spoofed in ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]
    ]

    assert [response.status_code for response in responses[:3]] == [401] * 3
    assert_error(responses[3], 429, "throttled")


@pytest.mark.django_db
@pytest.mark.parametrize(("throttle", "view"), throttled_views())
@pytest.mark.parametrize(
    "case",
    [
        (0, through_proxies("198.51.100.1", 0), through_proxies("198.51.100.2", 0)),
        (1, through_proxies("198.51.100.1", 1), through_proxies("198.51.100.2", 1)),
        (0, {"REMOTE_ADDR": "2001:db8:1:2:1::1"}, {"REMOTE_ADDR": "2001:db8:1:2:ffff::2"}),
        (0, {"REMOTE_ADDR": f"::ffff:{CLIENT}"}, {"REMOTE_ADDR": CLIENT}),
    ],
    ids=["x-forwarded-for", "x-forwarded-for-behind-a-proxy", "one-ipv6-network", "ipv4-mapped"],
)
def test_every_throttle_counts_one_client_as_one(
    throttle: type[BaseThrottle],
    view: type[APIView],
    case: tuple[int, dict[str, str], dict[str, str]],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    num_proxies, first, then = case
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    for scope in list(SimpleRateThrottle.THROTTLE_RATES):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "1/minute")
    # A login-like body, for the throttles that count per account.
    body = {"email": "ada@example.com", "password": "wrong-guess"}

    allowed = [
        throttle().allow_request(
            Request(APIRequestFactory().post("/", body, format="json", **meta), [JSONParser()]),
            view(),
        )
        for meta in (first, then)
    ]

    assert allowed == [True, False], (
        f"{throttle.__name__} on {view.__name__} counts {first} and {then} apart: import the "
        "throttle from common.throttling instead of rest_framework.throttling, or give a "
        "throttle that counts per client common.throttling.ClientNetworkMixin"
    )


@pytest.mark.parametrize(
    ("address", "client"),
    [
        ("2001:db8:1:2:ab::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:3:ab::1", "2001:db8:1:3::/64"),
        (f"::ffff:{CLIENT}", CLIENT),
        (CLIENT, CLIENT),
        ("203.0.113.8", "203.0.113.8"),
        # What is not an address (a misconfigured proxy's header) is kept as it is.
        ("unknown", "unknown"),
    ],
)
def test_a_client_is_its_ipv6_network_or_its_ipv4_address(address: str, client: str) -> None:
    request = Request(APIRequestFactory().get("/", REMOTE_ADDR=address))

    assert AnonRateThrottle().get_ident(request) == client

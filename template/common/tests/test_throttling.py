"""Throttles identify clients by an address the client cannot choose.

DRF takes the client's address from ``X-Forwarded-For`` as far as ``NUM_PROXIES`` trusts
it. Left unset, it trusts the whole header: a client sending a different one with each
request is never throttled, and can guess passwords for ever.

An IPv6 client chooses its address too: a connection gets a whole /64 network, 2^64
addresses. Throttles count an IPv6 network as one client, and an IPv4-mapped IPv6 address
(``::ffff:203.0.113.7``) as the IPv4 address it carries.
"""

import pytest
from django.urls import reverse
from pytest_django import Settings
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from apps.users.models import User
from common.tests.conftest import SettingsLoader
from common.tests.endpoints import api_endpoints
from common.tests.helpers import LOGIN_URL_NAME, assert_error, wrong_password_logins

LOGIN_URL = reverse(LOGIN_URL_NAME)
CLIENT_ADDRESS = "203.0.113.7"
# The proxies between the client and the app, nearest the client first.
PROXY_ADDRESSES = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
ATTEMPTS_ALLOWED = 3
# Two IPv6 /64 networks (documentation prefixes), each what one connection is given.
NETWORK = "2001:db8:1:2"
OTHER_NETWORK = "2001:db8:1:3"


def through_proxies(spoofed: str, num_proxies: int, client: str = CLIENT_ADDRESS) -> dict[str, str]:
    """Return the META of a request from ``client`` that went through ``num_proxies`` proxies.

    The client writes ``spoofed`` into X-Forwarded-For itself; each proxy appends the
    address it received the request from, and the app sees the last one as REMOTE_ADDR.
    """
    hops = [client, *PROXY_ADDRESSES]
    return {
        "HTTP_X_FORWARDED_FOR": ", ".join([spoofed, *hops[:num_proxies]]),
        "REMOTE_ADDR": hops[num_proxies],
    }


def spoofed_addresses(count: int) -> list[str]:
    return [f"198.51.100.{number}" for number in range(1, count + 1)]


def addresses_in(network: str, count: int) -> list[str]:
    """Return ``count`` addresses of the IPv6 /64 ``network``, each in a different form."""
    return [f"{network}:{number:x}::{number:x}" for number in range(1, count + 1)]


class AnonymousView(APIView):
    """A public endpoint under the default throttles, as any the project adds."""

    permission_classes = (AllowAny,)

    def get(self, request: Request) -> Response:
        """Answer an empty 200."""
        return Response()


def throttled_views() -> list[tuple[type[BaseThrottle], type[APIView]]]:
    """Return each throttle in use with a view it throttles, one per throttle and scope."""
    pairs: dict[tuple[type[BaseThrottle], str | None], type[APIView]] = {}
    for view in [AnonymousView, *(endpoint.view for endpoint in api_endpoints())]:
        for throttle in view.throttle_classes:
            pairs.setdefault((throttle, getattr(view, "throttle_scope", None)), view)
    return sorted(
        ((throttle, view) for (throttle, _), view in pairs.items()),
        key=lambda pair: (throttle_name(pair[0]), pair[1].__name__),
    )


def throttle_name(throttle: type[BaseThrottle]) -> str:
    """Name a throttle class by its module too: DRF's and the project's share names."""
    return f"{throttle.__module__}.{throttle.__qualname__}"


def pair_name(pair: tuple[type[BaseThrottle], type[APIView]]) -> str:
    throttle, view = pair
    return f"{throttle_name(throttle)} on {view.__name__}"


def counted_as_one_client(
    throttle: type[BaseThrottle], view: type[APIView], first: dict[str, str], then: dict[str, str]
) -> bool:
    """Tell whether, at one request a minute, ``throttle`` refuses ``then`` after ``first``.

    Both are the META of a login-like request (an e-mail in the body), for the throttles
    that count per account.
    """
    factory = APIRequestFactory()

    def allowed(meta: dict[str, str]) -> bool:
        body = {"email": "ada@example.com", "password": "wrong-guess"}
        request = Request(factory.post("/", body, format="json", **meta), parsers=[JSONParser()])
        return throttle().allow_request(request, view())

    assert allowed(first), f"{throttle_name(throttle)} refused a first request"
    return not allowed(then)


def assert_login_throttled_despite_rotation(
    client: APIClient, user: User, num_proxies: int
) -> None:
    payload = {"email": user.email, "password": "wrong-guess"}
    spoofed = spoofed_addresses(ATTEMPTS_ALLOWED + 1)
    for address in spoofed[:ATTEMPTS_ALLOWED]:
        response = client.post(LOGIN_URL, payload, **through_proxies(address, num_proxies))
        assert response.status_code == status.HTTP_401_UNAUTHORIZED
    response = client.post(LOGIN_URL, payload, **through_proxies(spoofed[-1], num_proxies))

    assert_error(response, status.HTTP_429_TOO_MANY_REQUESTS, "throttled")


def anonymous_requests(addresses: list[str]) -> list[int]:
    """Call the public endpoint once from each address; return the statuses."""
    factory = APIRequestFactory()
    view = AnonymousView.as_view()
    return [view(factory.get("/", REMOTE_ADDR=address)).status_code for address in addresses]


@pytest.fixture(autouse=True)
def _strict_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF reads the rates once, at import: change the dict it keeps, not the settings.
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", f"{ATTEMPTS_ALLOWED}/minute")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", f"{ATTEMPTS_ALLOWED}/minute")


@pytest.mark.django_db
def test_rotating_x_forwarded_for_does_not_escape_the_login_throttle(
    api_client: APIClient, user: User
) -> None:
    num_proxies = api_settings.NUM_PROXIES
    assert num_proxies is not None, "NUM_PROXIES unset trusts the whole X-Forwarded-For"

    assert_login_throttled_despite_rotation(api_client, user, num_proxies)


@pytest.mark.django_db
@pytest.mark.usefixtures("production_env")
def test_production_login_throttle_holds_behind_its_proxy(
    api_client: APIClient, user: User, settings: Settings, load_settings: SettingsLoader
) -> None:
    num_proxies = load_settings("production").REST_FRAMEWORK["NUM_PROXIES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}

    assert_login_throttled_despite_rotation(api_client, user, num_proxies)


@pytest.mark.django_db
@pytest.mark.parametrize("num_proxies", [0, 1, 2, 3])
def test_login_throttle_holds_behind_any_number_of_proxies(
    api_client: APIClient, user: User, settings: Settings, num_proxies: int
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}

    assert_login_throttled_despite_rotation(api_client, user, num_proxies)


@pytest.fixture
def _one_request_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    for scope in list(SimpleRateThrottle.THROTTLE_RATES):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "1/minute")


@pytest.mark.django_db
@pytest.mark.usefixtures("_one_request_a_minute")
@pytest.mark.parametrize("pair", throttled_views(), ids=pair_name)
@pytest.mark.parametrize("num_proxies", [0, 1])
def test_every_throttle_ignores_what_the_client_writes_in_x_forwarded_for(
    pair: tuple[type[BaseThrottle], type[APIView]], num_proxies: int, settings: Settings
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    first, then = (through_proxies(spoofed, num_proxies) for spoofed in spoofed_addresses(2))

    assert counted_as_one_client(*pair, first, then)


@pytest.mark.django_db
@pytest.mark.usefixtures("_one_request_a_minute")
@pytest.mark.parametrize("pair", throttled_views(), ids=pair_name)
@pytest.mark.parametrize(
    ("first", "then"),
    [
        pytest.param(*addresses_in(NETWORK, 2), id="one-ipv6-network"),
        pytest.param(f"::ffff:{CLIENT_ADDRESS}", CLIENT_ADDRESS, id="ipv4-mapped"),
    ],
)
def test_every_throttle_counts_an_ipv6_network_as_one_client(
    pair: tuple[type[BaseThrottle], type[APIView]], first: str, then: str
) -> None:
    assert counted_as_one_client(*pair, {"REMOTE_ADDR": first}, {"REMOTE_ADDR": then}), (
        f"{pair_name(pair)} counts {first} and {then} apart: import the throttle from "
        "common.throttling instead of rest_framework.throttling, or give a throttle that "
        "counts per client common.throttling.ClientNetworkMixin"
    )


@pytest.mark.django_db
class TestIpv6Rotation:
    def test_rotating_within_a_network_does_not_escape_the_login_throttle(
        self, api_client: APIClient, user: User
    ) -> None:
        addresses = addresses_in(NETWORK, ATTEMPTS_ALLOWED + 1)

        statuses = wrong_password_logins(api_client, user.email, addresses[:-1])
        response = api_client.post(
            LOGIN_URL, {"email": user.email, "password": "wrong-guess"}, REMOTE_ADDR=addresses[-1]
        )

        assert statuses == [status.HTTP_401_UNAUTHORIZED] * ATTEMPTS_ALLOWED
        assert_error(response, status.HTTP_429_TOO_MANY_REQUESTS, "throttled")

    def test_another_network_has_a_count_of_its_own(
        self, api_client: APIClient, user: User
    ) -> None:
        wrong_password_logins(api_client, user.email, addresses_in(NETWORK, ATTEMPTS_ALLOWED))

        statuses = wrong_password_logins(
            api_client, user.email, addresses_in(OTHER_NETWORK, ATTEMPTS_ALLOWED)
        )

        assert statuses == [status.HTTP_401_UNAUTHORIZED] * ATTEMPTS_ALLOWED

    def test_rotating_within_a_network_does_not_escape_the_anonymous_throttle(self) -> None:
        statuses = anonymous_requests(addresses_in(NETWORK, ATTEMPTS_ALLOWED + 1))

        assert statuses == [status.HTTP_200_OK] * ATTEMPTS_ALLOWED + [
            status.HTTP_429_TOO_MANY_REQUESTS
        ]

    def test_anonymous_throttle_counts_each_network_apart(self) -> None:
        anonymous_requests(addresses_in(NETWORK, ATTEMPTS_ALLOWED))

        statuses = anonymous_requests(addresses_in(OTHER_NETWORK, ATTEMPTS_ALLOWED))

        assert statuses == [status.HTTP_200_OK] * ATTEMPTS_ALLOWED

    def test_ipv4_addresses_still_count_one_by_one(self, api_client: APIClient, user: User) -> None:
        wrong_password_logins(api_client, user.email, [CLIENT_ADDRESS] * ATTEMPTS_ALLOWED)

        neighbour = wrong_password_logins(api_client, user.email, ["203.0.113.8"])
        again = wrong_password_logins(api_client, user.email, [CLIENT_ADDRESS])

        assert neighbour == [status.HTTP_401_UNAUTHORIZED]
        assert again == [status.HTTP_429_TOO_MANY_REQUESTS]

    def test_an_ipv4_mapped_address_counts_as_the_ipv4_address(
        self, api_client: APIClient, user: User
    ) -> None:
        wrong_password_logins(
            api_client, user.email, [f"::ffff:{CLIENT_ADDRESS}"] * ATTEMPTS_ALLOWED
        )

        statuses = wrong_password_logins(api_client, user.email, [CLIENT_ADDRESS])

        assert statuses == [status.HTTP_429_TOO_MANY_REQUESTS]

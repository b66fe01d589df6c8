"""DRF's throttles, counting an IPv6 client by its network rather than its address.

DRF counts an anonymous client by its address (as far as ``NUM_PROXIES`` trusts
X-Forwarded-For). An IPv6 connection, a cloud VM's or a home's, is given a whole /64
network: 2^64 addresses its owner may send from. Rotating through them escapes every
per-address limit, login's included, for unlimited password guesses. These throttles
count each /64 as one client. IPv4 addresses still count one by one, and an IPv4-mapped
IPv6 address (``::ffff:203.0.113.7``, what a dual-stack socket reports) as the IPv4 one.

Settings and views use these classes, never DRF's: ``common/tests/test_throttling.py``
fails for any throttle in use that counts IPv6 addresses one by one.
"""

import ipaddress

from rest_framework import throttling
from rest_framework.request import Request

# The network every IPv6 connection gets at the least (RFC 6177): one client.
IPV6_CLIENT_PREFIX = 64


class ClientNetworkMixin:
    """Identify a client by its IPv6 /64 network, or its IPv4 address."""

    def get_ident(self, request: Request) -> str:
        """Return DRF's client address, an IPv6 address widened to its /64 network.

        DRF's own ``get_ident`` still picks the address (``NUM_PROXIES``). Anything that
        is not an address (a misconfigured proxy's header) is kept as it is.
        """
        ident: str = super().get_ident(request)
        try:
            address = ipaddress.ip_address(ident)
        except ValueError:
            return ident
        if isinstance(address, ipaddress.IPv4Address):
            return ident
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False)
        return str(network)


class AnonRateThrottle(ClientNetworkMixin, throttling.AnonRateThrottle):
    """DRF's throttle of anonymous clients (scope ``anon``), per client network."""


class UserRateThrottle(ClientNetworkMixin, throttling.UserRateThrottle):
    """DRF's throttle per account (scope ``user``); anonymous clients per client network."""


class ScopedRateThrottle(ClientNetworkMixin, throttling.ScopedRateThrottle):
    """DRF's throttle of the view's ``throttle_scope``, per account or client network."""

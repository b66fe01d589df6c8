"""Authentication that counts failures per client, so guessing credentials ends in 429.

DRF checks throttles after authentication, and a request whose token is wrong never gets
that far: it is answered 401 straight away. So without this, a client may try tokens as
fast as it likes. The project's authentication classes take ``FailureThrottleMixin``:
each request whose credentials are refused counts against the client's network (scope
``auth_failure``), and once the rate is used up, every request from there that brings
credentials is answered 429 before they are even checked.

The trade-off: clients behind one address (an office's NAT) share the count, so one of
them guessing also locks the others out of token authentication for the rest of the
window. The rate (``DJANGO_THROTTLE_AUTH_FAILURE``) leaves room for the honest failures:
an expired token now and then, refreshed.
"""

from typing import TYPE_CHECKING, Any

from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from common.throttling import ClientNetworkMixin

if TYPE_CHECKING:
    # Only for annotations: DRF imports the authentication classes while rest_framework.views
    # is itself being imported.
    from rest_framework.views import APIView


class FailedAuthenticationThrottle(ClientNetworkMixin, SimpleRateThrottle):
    """Count refused credentials per client network (scope ``auth_failure``).

    Unlike the other throttles, checking does not count: only ``record_failure`` does.
    """

    scope = "auth_failure"

    def get_cache_key(self, request: Request, view: "APIView | None") -> str:
        """Return the key of the client's network, whoever the request claims to be."""
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def exhausted(self, request: Request) -> bool:
        """Tell whether the client has used up its failures, forgetting the expired ones."""
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests

    def record_failure(self) -> None:
        """Count one more failure of the client ``exhausted`` has just looked up."""
        self.throttle_success()


class FailureThrottleMixin:
    """Answer 429 to a client that brought wrong credentials too often; count each failure.

    Requests without an ``Authorization`` header are left to the other authenticators
    (and cost no cache lookup).
    """

    def authenticate(self, request: Request) -> Any:
        """Authenticate as the parent class does, unless the client is throttled."""
        if not get_authorization_header(request):
            return super().authenticate(request)  # type: ignore[misc]
        throttle = FailedAuthenticationThrottle()
        if throttle.exhausted(request):
            raise Throttled(wait=throttle.wait())
        try:
            return super().authenticate(request)  # type: ignore[misc]
        except AuthenticationFailed:
            throttle.record_failure()
            raise

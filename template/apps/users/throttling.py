"""The throttles per account (logins, mail asked for), whatever addresses send; the admin's."""

from collections.abc import Mapping

from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from apps.users.addresses import canonical_email
from common.throttling import ClientNetworkMixin


class LoginAccountThrottle(SimpleRateThrottle):
    """Count the login attempts on each account (scope ``login_account``), from anywhere.

    The ``auth`` scope counts per client; a botnet, or a client with many IPv6 networks, is
    as many clients as it likes, and could guess one account's password without end. This
    throttle counts the attempts on each submitted e-mail, whoever sends them.

    The trade-off: once an account's attempts are used up, its owner cannot log in either
    until the window passes, so anyone can keep an account locked out. That is why the rate
    (``DJANGO_THROTTLE_LOGIN_ACCOUNT``, 20/hour) is looser than the per-client one: plenty
    for an owner who mistypes, far too few for guessing.

    The e-mail is keyed in its canonical form (``apps.users.addresses``), the form the
    login looks the account up by, so no spelling of one address gets a budget of its own
    (the dotless i once did: ``lower()`` here kept it, PostgreSQL's ``UPPER()`` matched it
    to ``I``). It goes into the cache key only as a keyed hash, so the cache holds no
    address. A request without an e-mail string is left to the other throttles; the
    serializer refuses it.
    """

    scope = "login_account"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        """Return the submitted account's key, or None (not counted) without an e-mail."""
        email = self.submitted_email(request)
        if not isinstance(email, str) or not email.strip():
            return None
        # A lone surrogate (valid JSON) cannot be UTF-8: hash it as it is, the serializer
        # refuses it.
        normalized = canonical_email(email).encode(errors="surrogatepass")
        account = salted_hmac(self.scope, normalized, algorithm="sha256")
        return self.cache_format % {"scope": self.scope, "ident": account.hexdigest()}

    def submitted_email(self, request: Request) -> object:
        """Return the e-mail the login request names (any type: the caller checks)."""
        data = request.data
        return data.get("email") if isinstance(data, Mapping) else None


class MailAccountThrottle(LoginAccountThrottle):
    """Count the e-mails asked for each address (scope ``mail_account``), from anywhere.

    Resending a verification link and asking for a password reset send mail to whatever
    address is posted; the per-client ``mail`` scope alone would let many clients fill one
    inbox. The key is the posted address, whether or not it has an account, so a 429 tells
    nothing about who is registered. The address is keyed in its canonical form, as the
    login's is, so no spelling of one inbox gets a budget of its own.
    """

    scope = "mail_account"


class AdminLoginAccountThrottle(LoginAccountThrottle):
    """``LoginAccountThrottle`` for the admin's login form, which posts ``username``.

    It counts into the same budget as the API's logins: guesses at one account add up,
    whichever door they knock on.
    """

    def submitted_email(self, request: HttpRequest) -> object:  # type: ignore[override]
        """Return the form's ``username`` field, the e-mail address."""
        return request.POST.get("username")


class AdminLoginClientThrottle(ClientNetworkMixin, SimpleRateThrottle):
    """Count each client's admin logins in the API logins' ``auth`` scope (per network).

    The key is the one ``ScopedRateThrottle`` gives an anonymous client in that scope, so a
    client has one budget for guessing passwords, at the API and at the admin together.
    """

    scope = "auth"

    def get_cache_key(self, request: HttpRequest, view: object) -> str:
        """Return the client's key in the ``auth`` scope."""
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

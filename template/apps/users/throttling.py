"""The login endpoint's throttle per account, whatever addresses the guesses come from."""

from collections.abc import Mapping

from django.utils.crypto import salted_hmac
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from common.throttling import ClientNetworkMixin


class LoginAccountThrottle(ClientNetworkMixin, SimpleRateThrottle):
    """Count the login attempts on each account (scope ``login_account``), from anywhere.

    The ``auth`` scope counts per client; a botnet, or a client with many IPv6 networks, is
    as many clients as it likes, and could guess one account's password without end. This
    throttle counts the attempts on each submitted e-mail, whoever sends them.

    The trade-off: once an account's attempts are used up, its owner cannot log in either
    until the window passes, so anyone can keep an account locked out. That is why the rate
    (``DJANGO_THROTTLE_LOGIN_ACCOUNT``, 20/hour) is looser than the per-client one: plenty
    for an owner who mistypes, far too few for guessing.

    The e-mail is matched as the user model matches it (trimmed, ignoring case) and goes
    into the cache key only as a keyed hash, so the cache holds no address. A request
    without an e-mail string is left to the other throttles; the serializer refuses it.
    Like every throttle in use it takes ``ClientNetworkMixin`` (the suite checks), though
    its key is the account, not the address.
    """

    scope = "login_account"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        """Return the submitted account's key, or None (not counted) without an e-mail."""
        data = request.data
        email = data.get("email") if isinstance(data, Mapping) else None
        if not isinstance(email, str) or not email.strip():
            return None
        # A lone surrogate (valid JSON) cannot be UTF-8: hash it as it is, the serializer
        # refuses it.
        normalized = email.strip().lower().encode(errors="surrogatepass")
        account = salted_hmac(self.scope, normalized, algorithm="sha256")
        return self.cache_format % {"scope": self.scope, "ident": account.hexdigest()}


class MailAccountThrottle(LoginAccountThrottle):
    """Count the e-mails asked for each address (scope ``mail_account``), from anywhere.

    Resending a verification link and asking for a password reset send mail to whatever
    address is posted; the per-client ``mail`` scope alone would let many clients fill one
    inbox. The key is the posted address, whether or not it has an account, so a 429 tells
    nothing about who is registered.
    """

    scope = "mail_account"

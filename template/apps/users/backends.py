"""The authentication backend: Django's, for accounts whose address is verified."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

# The one answer to a failed sign-in, whichever the reason: it also says how a new account
# opens, without telling whether this one exists.
LOGIN_FAILED = (
    "No active account found with the given credentials. A new account opens once its "
    "e-mail address is verified: follow the link we sent to it."
)


class VerifiedEmailBackend(ModelBackend):
    """Django's model backend, refusing accounts whose e-mail address is not verified yet.

    A wrong password and an unverified account give the same ``None``, so a sign-in answer
    never tells whether an address was registered (register, then log in, would).
    """

    def user_can_authenticate(self, user: Any) -> bool:
        """Allow active users whose address is verified."""
        return super().user_can_authenticate(user) and user.email_verified

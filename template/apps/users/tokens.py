"""The secrets in account e-mails: links that verify an address or reset a password.

Both are signed with ``SECRET_KEY`` and expire. A verification token names the user and the
address it was sent to, so it stops working if the address changes. A reset token is
Django's own (``default_token_generator``): it hashes the password and the last login, so
it works once, and no longer after any sign-in.
"""

import uuid

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.users.models import User
from apps.users.selectors import user_get

EMAIL_VERIFICATION_SALT = "apps.users.tokens.email_verification"


def email_verification_token(*, user: User) -> str:
    """Return the token that verifies ``user``'s current address."""
    return signing.dumps([str(user.pk), user.email], salt=EMAIL_VERIFICATION_SALT, compress=True)


def email_verification_user(*, token: str) -> User | None:
    """Return the user a verification token is valid for, or ``None`` (forged, expired, stale)."""
    try:
        pk, email = signing.loads(
            token,
            salt=EMAIL_VERIFICATION_SALT,
            max_age=settings.EMAIL_VERIFICATION_TIMEOUT,
        )
        user = user_get(user_id=uuid.UUID(pk))
    except (signing.BadSignature, ValueError):
        return None
    return user if user is not None and user.email == email else None


def password_reset_uid(*, user: User) -> str:
    """Return the user's id as a reset link carries it (base64, as Django's own views do)."""
    return urlsafe_base64_encode(force_bytes(user.pk))


def password_reset_token(*, user: User) -> str:
    """Return a one-time token that lets ``user`` choose a new password."""
    return default_token_generator.make_token(user)


def password_reset_token_is_valid(*, user: User, token: str) -> bool:
    """Tell whether ``token`` is ``user``'s unexpired, unused reset token."""
    return default_token_generator.check_token(user, token)

"""Read queries for users."""

import uuid

from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from apps.users.addresses import canonical_email
from apps.users.models import User


def user_get_by_email(*, email: str) -> User | None:
    """Return the user with this e-mail address in any spelling, or ``None``.

    Addresses are stored in their canonical form (``apps.users.addresses``), so the lookup
    is an exact match on the unique index. Every lookup by a submitted address
    (registration, resending the verification link, password reset) goes through here, so
    the address is matched one way everywhere.
    """
    return User.objects.filter(email=canonical_email(email)).first()


def user_get(*, user_id: uuid.UUID) -> User | None:
    """Return the user with this id, or ``None`` (deleted meanwhile, or never there)."""
    return User.objects.filter(pk=user_id).first()


def user_get_by_uid(*, uid: str) -> User | None:
    """Return the user a password reset link names (its id, base64-encoded), or ``None``."""
    try:
        pk = uuid.UUID(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError):
        return None
    return user_get(user_id=pk)

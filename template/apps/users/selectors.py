"""Read queries for users."""

from apps.users.addresses import canonical_email
from apps.users.models import User


def user_get_by_email(*, email: str) -> User | None:
    """Return the user with this e-mail address in any spelling, or ``None``.

    Addresses are stored in their canonical form (``apps.users.addresses``), so the lookup
    is an exact match on the unique index.
    """
    return User.objects.filter(email=canonical_email(email)).first()

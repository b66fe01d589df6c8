"""Read queries for users."""

from apps.users.models import User


def user_get_by_email(*, email: str) -> User | None:
    """Return the user with this e-mail address (any case), or ``None``."""
    return User.objects.filter(email__iexact=email).first()

"""Read queries for users."""

from django.db.models import QuerySet

from apps.users.models import User


def user_list() -> QuerySet[User]:
    """Return active users, lazily."""
    return User.objects.filter(is_active=True)


def user_get_by_email(*, email: str) -> User | None:
    """Return the user with this e-mail address (any case), or ``None``."""
    return User.objects.filter(email__iexact=email).first()


def user_email_taken(*, email: str) -> bool:
    """Tell whether an account already uses this e-mail address (any case)."""
    return User.objects.filter(email__iexact=email).exists()

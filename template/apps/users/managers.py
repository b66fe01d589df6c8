"""The user manager: users log in with their e-mail address, not a username."""

from typing import Any

from django.contrib.auth.models import BaseUserManager

from apps.users.addresses import canonical_email


class UserManager(BaseUserManager):
    """Create and find users by the canonical form of their e-mail address."""

    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """Return the canonical address (``AbstractUser.clean()`` calls this too)."""
        return canonical_email(email or "")

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> Any:
        if not email:
            message = "Users must have an e-mail address."
            raise ValueError(message)
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> Any:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: Any) -> Any:
        """Create a user with every permission (``createsuperuser`` calls this)."""
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        # Whoever runs createsuperuser owns the address: no link to follow first.
        extra_fields.setdefault("email_verified", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            message = "A superuser must have is_staff=True and is_superuser=True."
            raise ValueError(message)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username: str | None) -> Any:
        """Look the user up by the canonical form of the address (every login does)."""
        return self.get(email=self.normalize_email(username))

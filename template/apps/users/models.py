"""The custom user model, in place before the first migration as Django advises."""

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils.crypto import salted_hmac

from apps.users.addresses import canonical_email
from apps.users.managers import UserManager
from common.models import BaseModel
from common.validators import MaxFileSizeValidator

AVATAR_MAX_BYTES = 2 * 1024 * 1024
# Checked before the image is decoded: a small file can announce a huge picture.
AVATAR_MAX_PIXELS = 4096 * 4096
AVATAR_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
# The services answer a taken address with this too.
EMAIL_TAKEN = "An account with this e-mail address already exists."
SESSION_HASH_SALT = "apps.users.models.User.get_session_auth_hash"


class User(BaseModel, AbstractUser):
    """A user who logs in with an e-mail address, unique in its canonical form.

    ``email`` holds only the canonical form (``apps.users.addresses``; ``save()`` sees to
    it), so the column's own unique index is the database's guarantee that no two spellings
    of one address have an account each, and every lookup is an exact match on it.
    """

    username = None
    email = models.EmailField("email address", unique=True, error_messages={"unique": EMAIL_TAKEN})
    phone_number = models.CharField(max_length=20, blank=True, default="")
    avatar = models.ImageField(
        upload_to="avatars/%Y/%m/",
        blank=True,
        default="",
        validators=[
            MaxFileSizeValidator(AVATAR_MAX_BYTES),
            FileExtensionValidator(AVATAR_EXTENSIONS),
        ],
    )
    email_verified = models.BooleanField(
        "e-mail address verified",
        default=False,
        help_text="Set when the owner follows the link sent to the address; until then the "
        "account cannot sign in.",
    )
    # Raised by one to end every session at once (a password change or reset, signing out
    # everywhere): tokens and browser sessions carry the value they were issued under.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        db_table = "users"
        ordering = ["email"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Store the address in its canonical form, whatever wrote it."""
        self.email = canonical_email(self.email)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        """Show the e-mail address, the user's identity."""
        return self.email

    def get_session_auth_hash(self) -> str:
        """Return the hash Django keeps in a browser session to tell it is still valid.

        Django's is a hash of the password, so a password change ends browser sessions
        (the admin's, the browsable API's); with the session generation in it, signing out
        everywhere ends them too.
        """
        return self._session_auth_hash(secret=None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        """Yield the hash under each old secret key, so rotating the key keeps sessions."""
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret=secret)

    def _session_auth_hash(self, *, secret: str | None) -> str:
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(SESSION_HASH_SALT, value, secret=secret, algorithm="sha256").hexdigest()

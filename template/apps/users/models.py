"""The custom user model, in place before the first migration as Django advises."""

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.validators import FileExtensionValidator
from django.db import models

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

"""The custom user model, in place before the first migration as Django advises."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models.functions import Lower

from apps.users.managers import UserManager
from common.models import BaseModel
from common.validators import MaxFileSizeValidator

AVATAR_MAX_BYTES = 2 * 1024 * 1024
# Checked before the image is decoded: a small file can announce a huge picture.
AVATAR_MAX_PIXELS = 4096 * 4096
AVATAR_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
# The services answer a taken address with this too; the constraint's own message would
# name the constraint.
EMAIL_TAKEN = "An account with this e-mail address already exists."


class User(BaseModel, AbstractUser):
    """A user who logs in with an e-mail address (unique, case-insensitively)."""

    username = None
    email = models.EmailField("email address", unique=True)
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
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="users_email_ci_unique",
                violation_error_message=EMAIL_TAKEN,
            ),
        ]

    def __str__(self) -> str:
        """Show the e-mail address, the user's identity."""
        return self.email

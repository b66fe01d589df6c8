"""Serializers for users: separate shapes for reading, registering and updating."""

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from apps.users.addresses import canonical_email
from apps.users.models import User
from common.serializers import StrictCharField


class CanonicalEmailField(serializers.EmailField):
    """An e-mail address, validated and returned in its canonical form.

    The form is decided before validation, so a spelling that folds to a valid address
    (a fullwidth letter, the Kelvin sign) is accepted as that address, and the length limit
    applies to what is stored.
    """

    def to_internal_value(self, data: object) -> str:
        """Return the canonical form of the submitted address."""
        return canonical_email(super().to_internal_value(data))


class UserSerializer(serializers.ModelSerializer):
    """A user as the API shows it; never includes the password."""

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "phone_number",
            "avatar",
            "date_joined",
        ]
        read_only_fields = fields


class UserRegistrationSerializer(serializers.Serializer):
    """Input for registration: the password is write-only and must be confirmed."""

    email = CanonicalEmailField(max_length=254)
    password = StrictCharField(write_only=True, trim_whitespace=False, max_length=128)
    password_confirm = StrictCharField(
        write_only=True,
        trim_whitespace=False,
        max_length=128,
    )
    first_name = StrictCharField(max_length=150, required=False, default="")
    last_name = StrictCharField(max_length=150, required=False, default="")
    phone_number = StrictCharField(max_length=20, required=False, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Check that both passwords match and pass Django's password validators."""
        if attrs["password"] != attrs.pop("password_confirm"):
            raise serializers.ValidationError({"password_confirm": "Passwords do not match."})
        candidate = User(
            email=attrs["email"],
            first_name=attrs.get("first_name", ""),
            last_name=attrs.get("last_name", ""),
        )
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A new name", value={"first_name": "Ada", "last_name": "Lovelace"}, request_only=True
        )
    ],
)
class UserUpdateSerializer(serializers.Serializer):
    """Input for updating one's own profile; every field is optional."""

    first_name = StrictCharField(max_length=150, required=False, allow_blank=True)
    last_name = StrictCharField(max_length=150, required=False, allow_blank=True)
    phone_number = StrictCharField(max_length=20, required=False, allow_blank=True)


class AvatarSerializer(serializers.Serializer):
    """Input for an avatar upload: an image; the model's validators check size and type."""

    avatar = serializers.ImageField()


class EmailVerificationSerializer(serializers.Serializer):
    """Input for verifying an address: the token from the link sent to it."""

    token = StrictCharField(max_length=512)


class EmailSerializer(serializers.Serializer):
    """Input naming an account by its address (resending a link, asking for a reset)."""

    email = serializers.EmailField(max_length=254)


class PasswordChangeSerializer(serializers.Serializer):
    """Input for changing one's password: the current one, and the new one."""

    current_password = StrictCharField(write_only=True, trim_whitespace=False, max_length=128)
    new_password = StrictCharField(write_only=True, trim_whitespace=False, max_length=128)


class PasswordResetConfirmSerializer(serializers.Serializer):
    """Input for choosing a new password from a reset link (its ``uid`` and ``token``)."""

    uid = StrictCharField(max_length=64)
    token = StrictCharField(max_length=128)
    new_password = StrictCharField(write_only=True, trim_whitespace=False, max_length=128)

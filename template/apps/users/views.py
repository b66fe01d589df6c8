"""Account endpoints: registration, verification, passwords, sessions, the user's profile.

Each flow that sends an e-mail answers the same whatever the address (202), so none of them
tells who has an account; the address's owner learns the rest from the e-mail.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.users.serializers import (
    AvatarSerializer,
    EmailSerializer,
    EmailVerificationSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    UserRegistrationSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from apps.users.services import (
    user_change_password,
    user_end_sessions,
    user_register,
    user_request_password_reset,
    user_resend_verification,
    user_reset_password,
    user_set_avatar,
    user_update,
    user_verify_email,
)
from apps.users.sessions import SessionSerializer, session_start
from apps.users.throttling import MailAccountThrottle
from common.throttling import ScopedRateThrottle

REGISTRATION_ACCEPTED = "Thank you. We have sent an e-mail to this address with what comes next."
MAIL_ACCEPTED = "If this address has an account, we have sent an e-mail to it."
ACCEPTED_SCHEMA = inline_serializer("Accepted", {"detail": serializers.CharField()})


class RegisterView(APIView):
    """Create an account. Public, and throttled by its own strict ``register`` rate.

    The answer is the same whether the address was free or already registered, so the
    endpoint cannot be used to find out who has an account; the owner of the address
    learns the outcome by e-mail (see ``user_register``).
    """

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "register"

    @extend_schema(
        summary="Register a new account (the outcome is sent by e-mail)",
        tags=["auth"],
        request=UserRegistrationSerializer,
        responses={
            202: inline_serializer("RegistrationAccepted", {"detail": serializers.CharField()}),
        },
    )
    def post(self, request: Request) -> Response:
        """Validate the input and register; answer the same whatever the outcome."""
        serializer = UserRegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_register(**serializer.validated_data)
        return Response({"detail": REGISTRATION_ACCEPTED}, status=status.HTTP_202_ACCEPTED)


class MeView(APIView):
    """The authenticated user's own profile."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(summary="Show my profile", tags=["users"], responses={200: UserSerializer})
    def get(self, request: Request) -> Response:
        """Return the profile of the requesting user."""
        return Response(UserSerializer(request.user, context={"request": request}).data)

    @extend_schema(
        summary="Update my profile",
        tags=["users"],
        request=UserUpdateSerializer,
        responses={200: UserSerializer},
    )
    def patch(self, request: Request) -> Response:
        """Change the given fields of the requesting user's profile."""
        serializer = UserUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_update(user=request.user, **serializer.validated_data)
        return Response(UserSerializer(user, context={"request": request}).data)


class AvatarView(APIView):
    """Upload or remove the authenticated user's avatar."""

    permission_classes = (IsAuthenticated,)

    parser_classes = (MultiPartParser, FormParser)

    @extend_schema(
        summary="Upload my avatar",
        tags=["users"],
        request={"multipart/form-data": AvatarSerializer},
        responses={200: UserSerializer},
    )
    def put(self, request: Request) -> Response:
        """Store the uploaded image as the user's avatar."""
        serializer = AvatarSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_set_avatar(user=request.user, avatar=serializer.validated_data["avatar"])
        return Response(UserSerializer(user, context={"request": request}).data)

    @extend_schema(summary="Remove my avatar", tags=["users"], responses={204: None})
    def delete(self, request: Request) -> Response:
        """Remove the user's avatar."""
        user_set_avatar(user=request.user, avatar=None)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PublicAuthView(APIView):
    """A public account endpoint, throttled by the strict ``auth`` rate per client."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth"


class MailView(PublicAuthView):
    """A public endpoint that e-mails the posted address: throttled per client and address."""

    throttle_classes = (ScopedRateThrottle, MailAccountThrottle)
    throttle_scope = "mail"


class VerifyEmailView(PublicAuthView):
    """Verify an address with the token from the link sent to it; the account opens."""

    @extend_schema(
        summary="Verify my e-mail address (the token from the e-mailed link)",
        tags=["auth"],
        request=EmailVerificationSerializer,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        """Verify the address; a forged, expired or stale token is a 400."""
        serializer = EmailVerificationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_verify_email(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ResendVerificationView(MailView):
    """Send the verification link again; the answer is the same for any address."""

    @extend_schema(
        summary="Send the e-mail verification link again",
        tags=["auth"],
        request=EmailSerializer,
        responses={202: ACCEPTED_SCHEMA},
    )
    def post(self, request: Request) -> Response:
        """Resend the link if the address has an unverified account; answer 202 anyway."""
        serializer = EmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_resend_verification(**serializer.validated_data)
        return Response({"detail": MAIL_ACCEPTED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetView(MailView):
    """Ask for a password reset link; the answer is the same for any address."""

    @extend_schema(
        summary="Ask for a password reset link by e-mail",
        tags=["auth"],
        request=EmailSerializer,
        responses={202: ACCEPTED_SCHEMA},
    )
    def post(self, request: Request) -> Response:
        """E-mail a reset link if the address has an account; answer 202 anyway."""
        serializer = EmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_request_password_reset(**serializer.validated_data)
        return Response({"detail": MAIL_ACCEPTED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(PublicAuthView):
    """Choose a new password with a reset link's ``uid`` and ``token``; signs out everywhere."""

    @extend_schema(
        summary="Set a new password from a reset link",
        tags=["auth"],
        request=PasswordResetConfirmSerializer,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        """Set the password; a bad link or a password the validators refuse is a 400."""
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_reset_password(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    """Change the signed-in user's password; every other session ends.

    The caller's own credentials end too: the answer carries a new session's.
    """

    permission_classes = (IsAuthenticated,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth"

    @extend_schema(
        summary="Change my password (signs out everywhere else)",
        tags=["auth"],
        request=PasswordChangeSerializer,
        responses={200: SessionSerializer},
    )
    def post(self, request: Request) -> Response:
        """Change the password, then return new credentials for this client."""
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_change_password(user=request.user, **serializer.validated_data)
        return Response(session_start(user=user))


class LogoutEverywhereView(APIView):
    """Sign the user out everywhere: every token and session issued so far ends."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(
        summary="Sign out everywhere", tags=["auth"], request=None, responses={204: None}
    )
    def post(self, request: Request) -> Response:
        """End every session of the requesting user, this one included."""
        user_end_sessions(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

"""Account endpoints: registration and the authenticated user's own profile."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.users.serializers import (
    AvatarSerializer,
    UserRegistrationSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from apps.users.services import user_register, user_set_avatar, user_update
from common.throttling import ScopedRateThrottle

REGISTRATION_ACCEPTED = "Thank you. We have sent an e-mail to this address with what comes next."


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

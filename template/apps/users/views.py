"""Account endpoints: registration and the authenticated user's own profile."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from apps.users.serializers import (
    AvatarSerializer,
    UserRegistrationSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from apps.users.services import user_create, user_set_avatar, user_update


class RegisterView(APIView):
    """Create an account. Public, and throttled like the other auth endpoints."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth"

    @extend_schema(
        summary="Register a new account",
        tags=["auth"],
        request=UserRegistrationSerializer,
        responses={201: UserSerializer},
    )
    def post(self, request: Request) -> Response:
        """Validate the input, create the user, return the new profile."""
        serializer = UserRegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_create(**serializer.validated_data)
        data = UserSerializer(user, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class MeView(APIView):
    """The authenticated user's own profile."""

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

"""The shared permissions, checked on plain requests and objects."""

from types import SimpleNamespace
from uuid import UUID

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from apps.users.models import User
from common.permissions import IsAdminOrReadOnly, IsOwner

factory = RequestFactory()


def request(method: str, user: object):
    made = factory.generic(method, "/")
    made.user = user
    return made


OWNER = User(email="owner@example.com")
STRANGER = User(email="stranger@example.com")
AUTHORED = SimpleNamespace(author_id=OWNER.pk, user_id=STRANGER.pk)


@pytest.mark.parametrize(
    ("user", "allowed"), [(AnonymousUser(), False), (OWNER, True)], ids=["anonymous", "user"]
)
def test_is_owner_refuses_anonymous_users_before_any_lookup(user: object, allowed: bool) -> None:
    assert IsOwner().has_permission(request("GET", user), SimpleNamespace()) is allowed


@pytest.mark.parametrize(
    ("user", "view", "obj", "allowed"),
    [
        (OWNER, SimpleNamespace(), SimpleNamespace(user_id=OWNER.pk), True),
        # A row read from the database carries its own copy of the owner's id.
        (OWNER, SimpleNamespace(), SimpleNamespace(user_id=UUID(str(OWNER.pk))), True),
        (STRANGER, SimpleNamespace(), SimpleNamespace(user_id=OWNER.pk), False),
        (OWNER, SimpleNamespace(owner_field="author"), AUTHORED, True),
        (STRANGER, SimpleNamespace(owner_field="author"), AUTHORED, False),
        (OWNER, SimpleNamespace(), SimpleNamespace(), False),
    ],
    ids=["owner", "equal-id", "stranger", "named-field", "named-field-stranger", "no-field"],
)
def test_is_owner_lets_only_the_owner_at_the_object(
    user: User, view: object, obj: object, allowed: bool
) -> None:
    assert IsOwner().has_object_permission(request("DELETE", user), view, obj) is allowed


class TestIsAdminOrReadOnly:
    view = SimpleNamespace()

    @pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
    def test_anyone_may_read(self, method: str) -> None:
        permission = IsAdminOrReadOnly()
        anonymous = request(method, AnonymousUser())

        assert permission.has_permission(anonymous, self.view)
        assert permission.has_object_permission(anonymous, self.view, object())

    @pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
    def test_only_staff_may_write(self, method: str) -> None:
        permission = IsAdminOrReadOnly()
        staff = User(email="staff@example.com", is_staff=True)

        assert not permission.has_permission(request(method, AnonymousUser()), self.view)
        assert not permission.has_permission(request(method, OWNER), self.view)
        assert permission.has_permission(request(method, staff), self.view)
        assert permission.has_object_permission(request(method, staff), self.view, object())


class Unguarded(APIView):
    """A view that names no permission: the default applies."""

    def get(self, request: Request) -> Response:
        return Response({})

    def post(self, request: Request) -> Response:
        return Response({})


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_default_permission_refuses_anonymous_reads_and_writes(method: str) -> None:
    response = Unguarded.as_view()(getattr(APIRequestFactory(), method)("/"))

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert Unguarded().get_permissions()[0].__class__ is IsAuthenticated


def test_the_default_permission_lets_a_signed_in_user_in() -> None:
    request = APIRequestFactory().get("/")
    force_authenticate(request, user=User(email="member@example.com"))

    assert Unguarded.as_view()(request).status_code == status.HTTP_200_OK

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


@pytest.fixture
def owner() -> User:
    return User(email="owner@example.com")


@pytest.fixture
def stranger() -> User:
    return User(email="stranger@example.com")


class TestIsOwner:
    view = SimpleNamespace()

    def test_anonymous_users_are_refused_before_any_lookup(self) -> None:
        assert not IsOwner().has_permission(request("GET", AnonymousUser()), self.view)

    def test_authenticated_users_may_look_objects_up(self, owner: User) -> None:
        assert IsOwner().has_permission(request("GET", owner), self.view)

    def test_owner_may_access_the_object(self, owner: User) -> None:
        obj = SimpleNamespace(user_id=owner.pk)

        assert IsOwner().has_object_permission(request("DELETE", owner), self.view, obj)

    def test_others_may_not(self, owner: User, stranger: User) -> None:
        obj = SimpleNamespace(user_id=owner.pk)

        assert not IsOwner().has_object_permission(request("GET", stranger), self.view, obj)

    def test_view_names_the_owner_field(self, owner: User, stranger: User) -> None:
        view = SimpleNamespace(owner_field="author")
        obj = SimpleNamespace(author_id=owner.pk, user_id=stranger.pk)

        assert IsOwner().has_object_permission(request("GET", owner), view, obj)
        assert not IsOwner().has_object_permission(request("GET", stranger), view, obj)

    def test_object_without_the_owner_field_is_refused(self, owner: User) -> None:
        assert not IsOwner().has_object_permission(
            request("GET", owner), self.view, SimpleNamespace()
        )


class TestIsAdminOrReadOnly:
    view = SimpleNamespace()

    @pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
    def test_anyone_may_read(self, method: str) -> None:
        permission = IsAdminOrReadOnly()
        anonymous = request(method, AnonymousUser())

        assert permission.has_permission(anonymous, self.view)
        assert permission.has_object_permission(anonymous, self.view, object())

    @pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
    def test_only_staff_may_write(self, method: str, owner: User) -> None:
        permission = IsAdminOrReadOnly()
        staff = User(email="staff@example.com", is_staff=True)

        assert not permission.has_permission(request(method, AnonymousUser()), self.view)
        assert not permission.has_permission(request(method, owner), self.view)
        assert permission.has_permission(request(method, staff), self.view)
        assert permission.has_object_permission(request(method, staff), self.view, object())


class TestIsOwnerComparesIds:
    def test_owner_is_recognised_by_an_equal_id_loaded_separately(self, owner: User) -> None:
        # A row read from the database carries its own copy of the owner's id.
        obj = SimpleNamespace(user_id=UUID(str(owner.pk)))

        assert IsOwner().has_object_permission(request("GET", owner), SimpleNamespace(), obj)


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

"""The shared permissions, and the default one, checked on plain requests and objects."""

from types import SimpleNamespace
from uuid import UUID

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from apps.users.models import User
from common.permissions import IsAdminOrReadOnly, IsOwner

OWNER = User(email="owner@example.com")
STRANGER = User(email="stranger@example.com")
STAFF = User(email="staff@example.com", is_staff=True)
AUTHORED = SimpleNamespace(author_id=OWNER.pk, user_id=STRANGER.pk)
BY_AUTHOR = SimpleNamespace(owner_field="author")
ANY_VIEW = SimpleNamespace()
WRITES = ["POST", "PUT", "PATCH", "DELETE"]


def request(method: str, user: object):
    made = RequestFactory().generic(method, "/")
    made.user = user
    return made


def test_is_owner_refuses_anonymous_users_before_any_lookup() -> None:
    assert IsOwner().has_permission(request("GET", AnonymousUser()), ANY_VIEW) is False
    assert IsOwner().has_permission(request("GET", OWNER), ANY_VIEW) is True


@pytest.mark.parametrize(
    ("user", "view", "obj", "allowed"),
    [
        (OWNER, ANY_VIEW, SimpleNamespace(user_id=OWNER.pk), True),
        # A row read from the database carries its own copy of the owner's id.
        (OWNER, ANY_VIEW, SimpleNamespace(user_id=UUID(str(OWNER.pk))), True),
        (STRANGER, ANY_VIEW, SimpleNamespace(user_id=OWNER.pk), False),
        (OWNER, BY_AUTHOR, AUTHORED, True),
        (STRANGER, BY_AUTHOR, AUTHORED, False),
        (OWNER, ANY_VIEW, SimpleNamespace(), False),
    ],
    ids=["owner", "equal-id", "stranger", "named-field", "named-field-stranger", "no-field"],
)
def test_is_owner_lets_only_the_owner_at_the_object(
    user: User, view: object, obj: object, allowed: bool
) -> None:
    assert IsOwner().has_object_permission(request("DELETE", user), view, obj) is allowed


@pytest.mark.parametrize(
    ("method", "user", "allowed"),
    [
        *((method, AnonymousUser(), True) for method in ["GET", "HEAD", "OPTIONS"]),
        *((method, user, False) for method in WRITES for user in [AnonymousUser(), OWNER]),
        *((method, STAFF, True) for method in WRITES),
    ],
)
def test_is_admin_or_read_only(method: str, user: User, allowed: bool) -> None:
    made = request(method, user)

    assert IsAdminOrReadOnly().has_permission(made, ANY_VIEW) is allowed
    assert IsAdminOrReadOnly().has_object_permission(made, ANY_VIEW, object()) is allowed


class Unguarded(APIView):
    """A view that names no permission: the default applies."""

    def get(self, request: Request) -> Response:
        return Response({})

    post = get


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_default_permission_refuses_anonymous_reads_and_writes(method: str) -> None:
    anonymous, member = (getattr(APIRequestFactory(), method)("/") for _ in range(2))
    force_authenticate(member, user=User(email="member@example.com"))

    assert Unguarded.as_view()(anonymous).status_code == 401
    assert Unguarded.as_view()(member).status_code == 200
    assert type(Unguarded().get_permissions()[0]) is IsAuthenticated

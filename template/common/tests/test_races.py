"""A unique value taken by a concurrent request answers 409 in the error envelope, never 500."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient

from apps.users.models import User
from apps.users.tests.factories import UserFactory
from common.exceptions import ConflictError
from common.services import recheck_on_conflict
from common.tests.helpers import assert_error


@api_view(["POST"])
@permission_classes([AllowAny])
def unchecked_write(request: Request) -> Response:
    """Save a user without checking first: what a request that lost the race meets."""
    with transaction.atomic():
        User.objects.create(email=request.data["email"], password=request.data["password"])
    return Response(status=201)


urlpatterns = [path("unchecked/", unchecked_write)]


@pytest.mark.urls(__name__)
def test_a_unique_value_saved_meanwhile_is_a_409_and_another_violation_a_500(
    api_client: APIClient, user: User
) -> None:
    response = api_client.post("/unchecked/", {"email": user.email, "password": ""}, format="json")

    assert_error(response, 409, "conflict")
    assert User.objects.filter(email=user.email).count() == 1
    with pytest.raises(IntegrityError):  # NOT NULL
        api_client.post("/unchecked/", {"email": "a@example.com", "password": None}, format="json")


def test_recheck_on_conflict_undoes_the_write_only_then_runs_the_check(user: User) -> None:
    def email_taken() -> None:
        raise ConflictError("Taken.", code="email_taken")

    with transaction.atomic():
        earlier = UserFactory()
        with pytest.raises(ConflictError), recheck_on_conflict(check=email_taken):
            UserFactory(email=user.email)
        # A check that does not explain the error lets it through.
        with pytest.raises(IntegrityError), recheck_on_conflict(check=lambda: None):
            UserFactory(email=user.email)

        assert set(User.objects.all()) == {user, earlier}  # the transaction goes on

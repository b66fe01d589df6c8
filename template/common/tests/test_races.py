"""A unique value taken by a concurrent request answers 409 in the error envelope, never 500.

The exception handler answers every unique violation that way, whatever the model, endpoint
or service, so a new unique constraint needs nothing here. A service that has its own error for
a taken value (``email_taken``, ``sku_taken``) meets the race with ``recheck_on_conflict``;
its app's ``test_services.py`` shows that with ``common.tests.races.check_misses_the_rival``.
"""

import pytest
from django.db import IntegrityError, transaction
from django.urls import path
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from apps.users.models import User
from apps.users.tests.factories import UserFactory
from common.exceptions import ConflictError
from common.services import recheck_on_conflict
from common.tests.helpers import assert_error

pytestmark = pytest.mark.urls(__name__)


class UncheckedWriteView(APIView):
    """Save a row without checking first: what a request that lost the race meets."""

    permission_classes = (AllowAny,)

    def post(self, request: Request) -> Response:
        """Save a user with the posted e-mail and password (``None``: without one)."""
        with transaction.atomic():
            User.objects.create(email=request.data["email"], password=request.data["password"])
        return Response(status=status.HTTP_201_CREATED)


urlpatterns = [path("unchecked/", UncheckedWriteView.as_view())]


@pytest.mark.django_db
def test_a_unique_value_saved_meanwhile_is_a_409_in_the_envelope(
    api_client: APIClient, user: User
) -> None:
    response = api_client.post("/unchecked/", {"email": user.email, "password": ""}, format="json")

    assert_error(response, status.HTTP_409_CONFLICT, "conflict")
    assert User.objects.filter(email=user.email).count() == 1


@pytest.mark.django_db
def test_another_integrity_error_is_left_a_server_error(api_client: APIClient) -> None:
    with pytest.raises(IntegrityError):
        api_client.post(
            "/unchecked/", {"email": "ada@example.com", "password": None}, format="json"
        )


@pytest.mark.django_db
def test_the_services_check_answers_and_the_transaction_goes_on(user: User) -> None:
    def email_free() -> None:
        raise ConflictError("Taken.", code="email_taken")

    with transaction.atomic():
        earlier = UserFactory()

        with pytest.raises(ConflictError), recheck_on_conflict(check=email_free):
            UserFactory(email=user.email)

        # Only the refused write was undone: the transaction still takes queries.
        assert set(User.objects.all()) == {user, earlier}


@pytest.mark.django_db
def test_an_integrity_error_the_check_does_not_explain_is_raised(user: User) -> None:
    with transaction.atomic():
        with pytest.raises(IntegrityError), recheck_on_conflict(check=lambda: None):
            UserFactory(email=user.email)

        assert User.objects.filter(email=user.email).count() == 1

"""The user admin: keyed on e-mail, writing through the services."""

import uuid
from contextlib import ExitStack
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.users.admin import USER_GONE
from apps.users.models import EMAIL_TAKEN, User
from apps.users.tests.factories import UserFactory
from apps.users.tests.images import image_upload
from common.exceptions import ServiceError
from common.tests.helpers import assert_form_refused, authorization_for
from common.tests.races import check_misses_the_rival

pytestmark = pytest.mark.django_db

PASSWORD = "c0rrect-h0rse-battery"
# The form's checks and the service's first one see the address free, as when a concurrent
# request saves it right after them: only the write meets the rival row.
RIVAL_MISSED = [
    "apps.users.models.User.validate_unique",
    "apps.users.models.User.validate_constraints",
    "apps.users.services.user_get_by_email",
]


def submit(admin_client: Client, page: str, user: User, **values: object) -> HttpResponse:
    """Post the add page, or ``user``'s change page with its stored values but ``values``."""
    if page == "add":
        data = {"password1": PASSWORD, "password2": PASSWORD, **values}
        return admin_client.post(reverse("admin:users_user_add"), data)
    data = {"email": user.email, "first_name": user.first_name, "last_name": user.last_name}
    data |= {"phone_number": user.phone_number, "is_active": "on", **values}
    return admin_client.post(reverse("admin:users_user_change", args=[user.pk]), data)


def test_the_pages_render_and_search_by_email(admin_client: Client, user: User) -> None:
    changelist = admin_client.get(reverse("admin:users_user_changelist"), {"q": user.email})
    assert list(changelist.context["cl"].result_list) == [user]
    assert admin_client.get(reverse("admin:users_user_change", args=[user.pk])).status_code == 200


def test_the_pages_add_and_change_users(admin_client: Client, user: User) -> None:
    added = submit(admin_client, "add", user, email="New@Example.com")
    new = User.objects.get(email="new@example.com")
    assert new.check_password(PASSWORD)
    # Django's user admin goes on to the new user's page: the row the service wrote.
    assert added.url == reverse("admin:users_user_change", args=[new.pk])
    changed = submit(admin_client, "change", user, email="Renamed@Example.com", first_name="Ada")
    assert changed.status_code == 302
    user.refresh_from_db()
    assert (user.email, user.first_name) == ("renamed@example.com", "Ada")


@pytest.mark.parametrize("page", ["add", "change"])
@pytest.mark.parametrize("meanwhile", [False, True], ids=["taken", "taken-meanwhile"])
# The owner's id before or after the user's: ids are compared, not ordered.
@pytest.mark.parametrize("owner_id", [0, 2**128 - 1], ids=["first-id", "last-id"])
def test_an_address_taken_in_another_spelling_is_refused_in_words(
    admin_client: Client, user: User, page: str, meanwhile: bool, owner_id: int
) -> None:
    UserFactory(email="ada@example.com", id=uuid.UUID(int=owner_id))
    with ExitStack() as stack:
        for check in RIVAL_MISSED if meanwhile else []:
            stack.enter_context(check_misses_the_rival(check, free=None))
        response = submit(admin_client, page, user, email="ADA@\uff45xample.com")
    # After a refused write the page is built again: the form's own check names the field.
    assert_form_refused(response, {"email": [EMAIL_TAKEN]})
    assert User.objects.filter(email="ada@example.com").count() == 1


REFUSAL = ServiceError("Refused by a rule the form does not know.", code="refused")


@pytest.mark.parametrize(
    "case",
    [
        ("add", "user_create", REFUSAL, REFUSAL.message),
        ("change", "user_update_by_staff", REFUSAL, REFUSAL.message),
        # Another admin deletes the user between the page's load and the service's read.
        ("change", "user_get", lambda **kwargs: None, USER_GONE),
    ],
    ids=["add-refused", "change-refused", "user-deleted-meanwhile"],
)
def test_a_refusal_the_form_cannot_see_is_a_form_error(
    admin_client: Client, user: User, case: tuple
) -> None:
    page, function, effect, message = case
    with mock.patch(f"apps.users.admin.{function}", autospec=True, side_effect=effect):
        response = submit(admin_client, page, user, email="grace@example.com")
    assert_form_refused(response, {"__all__": [message]})
    assert not User.objects.filter(email="grace@example.com").exists()


def test_an_avatar_the_service_refuses_is_a_form_error(admin_client: Client, user: User) -> None:
    # The form's field takes the file; the service, reading its pixels, refuses it.
    refusal = ValidationError({"avatar": ["The image is too large."]})
    with mock.patch("apps.users.admin.user_set_avatar", autospec=True, side_effect=refusal):
        response = submit(admin_client, "change", user, avatar=image_upload())
    assert_form_refused(response, {"avatar": ["The image is too large."]})
    user.refresh_from_db()
    assert not user.avatar


def test_setting_a_password_ends_the_users_sessions_not_the_staffs_own(
    admin_client: Client, admin_user: User, user: User
) -> None:
    session = authorization_for(user)
    for target in (user, admin_user):
        url = reverse("admin:auth_user_password_change", args=[target.pk])
        response = admin_client.post(url, {"password1": PASSWORD, "password2": PASSWORD})
        assert response.status_code == 302, response.context and response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert APIClient().get(reverse("v1:user-me"), HTTP_AUTHORIZATION=session).status_code == 401
    assert admin_client.get(reverse("admin:users_user_changelist")).status_code == 200

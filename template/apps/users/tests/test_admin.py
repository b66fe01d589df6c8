"""Tests for the user admin, keyed on e-mail instead of username and writing through services."""

from unittest import mock

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.users.admin import USER_GONE
from apps.users.models import EMAIL_TAKEN, User
from apps.users.services import user_create, user_update_by_staff
from apps.users.tests.factories import UserFactory
from apps.users.tests.images import image_upload
from common.exceptions import ServiceError
from common.tests.helpers import assert_form_refused, authorization_for
from common.tests.races import check_misses_the_rival

pytestmark = pytest.mark.django_db


def test_changelist_searches_by_email(admin_client: Client, user: User) -> None:
    response = admin_client.get(reverse("admin:users_user_changelist"), {"q": user.email})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [user]


def test_change_page_renders(admin_client: Client, user: User) -> None:
    response = admin_client.get(reverse("admin:users_user_change", args=[user.pk]))

    assert response.status_code == 200


PASSWORD = "c0rrect-h0rse-battery"


def add(admin_client: Client, email: str) -> HttpResponse:
    """Post the add page with ``email`` and a good password."""
    return admin_client.post(
        reverse("admin:users_user_add"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def change(admin_client: Client, user: User, **values: object) -> HttpResponse:
    """Post ``user``'s change page with its stored values, but ``values``."""
    data: dict[str, object] = {"email": user.email, "first_name": user.first_name}
    data["last_name"] = user.last_name
    data.update({"phone_number": user.phone_number, "is_active": "on"}, **values)
    return admin_client.post(reverse("admin:users_user_change", args=[user.pk]), data)


def submit(admin_client: Client, page: str, user: User, email: str) -> HttpResponse:
    """Post the add page, or ``user``'s change page, with ``email``."""
    if page == "add":
        return add(admin_client, email)
    return change(admin_client, user, email=email)


def test_add_page_creates_a_user_through_the_service(admin_client: Client) -> None:
    with mock.patch(
        "apps.users.admin.user_create", autospec=True, side_effect=user_create
    ) as create:
        response = add(admin_client, "New@Example.com")

    assert response.status_code == 302
    create.assert_called_once()
    user = User.objects.get(email="new@example.com")
    assert user.check_password(PASSWORD)
    # Django's user admin goes on to the new user's page: the row the service wrote.
    assert response.url == reverse("admin:users_user_change", args=[user.pk])


def test_change_page_changes_a_user_through_the_service(admin_client: Client, user: User) -> None:
    with mock.patch(
        "apps.users.admin.user_update_by_staff",
        autospec=True,
        side_effect=user_update_by_staff,
    ) as update:
        response = change(admin_client, user, email="Renamed@Example.com", first_name="Ada")

    assert response.status_code == 302
    update.assert_called_once()
    user.refresh_from_db()
    assert (user.email, user.first_name) == ("renamed@example.com", "Ada")


@pytest.mark.parametrize("page", ["add", "change"])
def test_an_address_taken_in_another_spelling_is_refused_in_words(
    admin_client: Client, user: User, page: str
) -> None:
    UserFactory(email="ada@example.com")

    response = submit(admin_client, page, user, "ADA@\uff45xample.com")

    assert_form_refused(response, {"email": [EMAIL_TAKEN]})
    assert User.objects.filter(email="ada@example.com").count() == 1


@pytest.mark.parametrize("page", ["add", "change"])
def test_an_address_taken_meanwhile_is_a_form_error(
    admin_client: Client, user: User, page: str
) -> None:
    UserFactory(email="ADA@example.com")

    # The form's checks and the service's first one see the address free, as when a
    # concurrent request saves it right after them: only the write meets the rival row.
    with (
        check_misses_the_rival("apps.users.models.User.validate_unique", free=None),
        check_misses_the_rival("apps.users.models.User.validate_constraints", free=None),
        check_misses_the_rival("apps.users.services.user_get_by_email", free=None),
    ):
        response = submit(admin_client, page, user, "ada@example.com")

    # The page is built again after the refusal; the form's own check then names the field.
    assert_form_refused(response, {"email": [EMAIL_TAKEN]})
    assert User.objects.filter(email="ada@example.com").count() == 1


@pytest.mark.parametrize("page", ["add", "change"])
def test_a_refusal_the_form_cannot_see_is_shown_as_the_services_message(
    admin_client: Client, user: User, page: str
) -> None:
    refusal = ServiceError("Refused by a rule the form does not know.", code="refused")
    service = (
        "apps.users.admin.user_create" if page == "add" else "apps.users.admin.user_update_by_staff"
    )

    with mock.patch(service, autospec=True, side_effect=refusal):
        response = submit(admin_client, page, user, "grace@example.com")

    assert_form_refused(response, {"__all__": [refusal.message]})
    assert not User.objects.filter(email="grace@example.com").exists()


def test_a_user_deleted_meanwhile_is_a_form_error(admin_client: Client, user: User) -> None:
    # Another admin deletes the user between the page's load and the service's read.
    with mock.patch("apps.users.admin.user_get", autospec=True, return_value=None):
        response = change(admin_client, user, first_name="Grace")

    assert_form_refused(response, {"__all__": [USER_GONE]})
    user.refresh_from_db()
    assert user.first_name != "Grace"


def test_setting_a_password_in_the_admin_ends_the_users_sessions(
    admin_client: Client, user: User
) -> None:
    session = authorization_for(user)
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    response = admin_client.post(url, {"password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 302, response.context and response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    stale = APIClient().get(reverse("v1:user-me"), HTTP_AUTHORIZATION=session)
    assert stale.status_code == 401


def test_staff_changing_their_own_password_stay_signed_in(
    admin_client: Client, admin_user: User
) -> None:
    url = reverse("admin:auth_user_password_change", args=[admin_user.pk])

    admin_client.post(url, {"password1": PASSWORD, "password2": PASSWORD})

    assert admin_client.get(reverse("admin:users_user_changelist")).status_code == 200


def test_an_avatar_the_service_refuses_is_a_form_error(admin_client: Client, user: User) -> None:
    # A GIF named .png passes the form's image field; only the service reads the content.
    response = change(admin_client, user, avatar=image_upload("avatar.png", image_format="GIF"))

    assert response.status_code == 200
    assert "avatar" in response.context["adminform"].form.errors
    user.refresh_from_db()
    assert not user.avatar

"""Smoke tests for the user admin, which is keyed on e-mail instead of username."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_changelist_searches_by_email(admin_client: Client, user: User) -> None:
    response = admin_client.get(reverse("admin:users_user_changelist"), {"q": user.email})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [user]


def test_change_page_renders(admin_client: Client, user: User) -> None:
    response = admin_client.get(reverse("admin:users_user_change", args=[user.pk]))

    assert response.status_code == 200


def test_add_page_creates_a_user_from_email_and_password(admin_client: Client) -> None:
    password = "c0rrect-h0rse-battery"

    response = admin_client.post(
        reverse("admin:users_user_add"),
        {"email": "new@example.com", "password1": password, "password2": password},
    )

    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").check_password(password)

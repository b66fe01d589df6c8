"""API answers are kept out of caches, and OPTIONS tells clients nothing meant for developers."""

from django.urls import reverse
from rest_framework import status
from rest_framework.test import APIClient

from apps.users.models import User
from apps.users.views import MeView

ME_URL = reverse("v1:user-me")


def cache_directives(value: str) -> set[str]:
    """Return the directives of a ``Cache-Control`` header, as a set."""
    return {directive.strip() for directive in value.split(",")}


def test_authenticated_answers_are_not_stored(auth_client: APIClient) -> None:
    response = auth_client.get(ME_URL)

    assert response.status_code == status.HTTP_200_OK
    assert {"no-store", "private"} <= cache_directives(response["Cache-Control"])


def test_error_envelopes_are_not_stored(api_client: APIClient, db: None) -> None:
    for response in (api_client.get(ME_URL), api_client.get("/api/v1/no-such-endpoint/")):
        assert response.status_code >= status.HTTP_400_BAD_REQUEST
        assert "no-store" in cache_directives(response["Cache-Control"])


def test_options_leaves_out_the_views_docstring(auth_client: APIClient, user: User) -> None:
    response = auth_client.options(ME_URL)

    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert body["name"]
    assert "description" not in body
    assert MeView.__doc__
    assert MeView.__doc__.strip() not in response.content.decode()

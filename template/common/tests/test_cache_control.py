"""API answers are kept out of caches, and OPTIONS tells clients nothing meant for developers."""

from django.urls import reverse
from rest_framework.test import APIClient

from apps.users.views import MeView


def test_answers_and_error_envelopes_are_not_stored(auth_client: APIClient) -> None:
    url = reverse("v1:user-me")
    options = auth_client.options(url)
    responses = [auth_client.get(url), APIClient().get(url), APIClient().get(f"{url}nothing/")]

    assert [response.status_code for response in responses] == [200, 401, 404]
    for response in responses:
        assert {"no-store", "private"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    assert options.status_code == 200
    assert options.json()["name"]
    assert "description" not in options.json()
    assert MeView.__doc__.strip() not in options.content.decode()

"""The admin site is titled with the project's name, not "Django administration"."""

import pytest
from django.conf import settings
from django.test import Client


@pytest.mark.django_db
def test_admin_pages_show_the_project_name(client: Client) -> None:
    response = client.get("/admin/login/")

    assert (
        response.context["site_header"] == response.context["site_title"] == settings.PROJECT_NAME
    )
    assert "Django administration" not in response.content.decode()

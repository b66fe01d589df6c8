"""The schema and Swagger UI: every operation documented, their own throttle, who may read them."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from pytest_django import Settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from apps.users.tests.factories import UserFactory
from common.tests.conftest import SettingsLoader
from common.tests.helpers import assert_error

pytestmark = pytest.mark.django_db

SCHEMA_URL = reverse("schema")
DOCS_URL = reverse("swagger-ui")
PUBLIC, RATE = "DJANGO_API_DOCS_PUBLIC", "DJANGO_THROTTLE_DOCS"


def test_operations_are_documented() -> None:
    """Every operation has a summary, and every delete answers 204 (see docs/conventions.md)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    problems = [
        f"{method.upper()} {path}: no summary: give the view an @extend_schema(summary=...)"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "summary" not in operation
    ]
    problems += [
        f"DELETE {path}: answers {sorted(operation['responses'])}, not 204"
        for path, operations in schema["paths"].items()
        if (operation := operations.get("delete")) and "204" not in operation["responses"]
    ]
    assert not problems, "\n".join(problems)


def test_the_docs_are_public_and_load_only_the_projects_static_files(api_client: APIClient) -> None:
    root = api_client.get("/")
    page = api_client.get(DOCS_URL)

    assert (root.status_code, root["Location"]) == (302, DOCS_URL)
    assert (page.status_code, api_client.get(SCHEMA_URL).status_code) == (200, 200)
    # What the page makes the browser load: scripts, style sheets, icons.
    urls = re.findall(r"""\b(?:src|href)=["']?([^"' >]+)""", page.content.decode())
    assert len(urls) >= 3, page.content
    for url in urls:
        assert url.startswith(f"{settings.STATIC_URL}drf_spectacular_sidecar/"), url
        found = finders.find(url.removeprefix(settings.STATIC_URL))
        assert found, url
        assert Path(found).stat().st_size > 0, url


def test_the_docs_have_their_own_rate_for_page_and_schema_together(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "2/minute")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "docs", "3/minute")

    served = [api_client.get(url).status_code for url in [DOCS_URL, SCHEMA_URL, DOCS_URL]]

    assert served == [200] * 3
    assert_error(api_client.get(SCHEMA_URL), 429, "throttled")


@pytest.mark.parametrize(
    ("is_staff", "status_code", "code"),
    [(None, 401, "not_authenticated"), (False, 403, "permission_denied")],
)
def test_private_docs_refuse_anyone_but_staff(
    api_client: APIClient, settings: Settings, is_staff: bool | None, status_code: int, code: str
) -> None:
    settings.API_DOCS_PUBLIC = False
    if is_staff is not None:
        api_client.force_authenticate(UserFactory(is_staff=is_staff))

    page = api_client.get(DOCS_URL)

    assert_error(api_client.get(SCHEMA_URL), status_code, code)
    assert page.status_code == status_code
    assert b"swagger" not in page.content.lower()


@pytest.mark.parametrize("url", [SCHEMA_URL, DOCS_URL])
def test_private_docs_serve_staff_signed_in_to_the_admin(
    api_client: APIClient, settings: Settings, url: str
) -> None:
    settings.API_DOCS_PUBLIC = False
    api_client.force_login(UserFactory(is_staff=True))

    assert api_client.get(url).status_code == 200


@pytest.mark.usefixtures("production_env")
def test_production_docs_settings(
    load_settings: SettingsLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PUBLIC, raising=False)
    monkeypatch.delenv(RATE, raising=False)
    defaults = load_settings("production")
    monkeypatch.setenv(PUBLIC, "false")
    monkeypatch.setenv(RATE, "1000/hour")
    configured = load_settings("production")

    for production, expected in [
        (defaults, (True, "60/minute")),
        (configured, (False, "1000/hour")),
    ]:
        rate = production.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["docs"]
        assert (production.API_DOCS_PUBLIC, rate) == expected

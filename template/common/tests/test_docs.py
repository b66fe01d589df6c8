"""The schema and Swagger UI: every operation documented, their own throttle, who may read them."""

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework import status
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from apps.users.models import User
from apps.users.tests.factories import UserFactory
from common.tests.conftest import SettingsLoader
from common.tests.helpers import assert_error

pytestmark = pytest.mark.django_db

SCHEMA_URL = reverse("schema")
DOCS_URL = reverse("swagger-ui")
DOCS_URLS = [SCHEMA_URL, DOCS_URL]


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


class AssetCollector(HTMLParser):
    """Collect what a page makes the browser load: scripts, style sheets, icons, images."""

    SOURCE_ATTRIBUTES = {"script": "src", "link": "href", "img": "src", "iframe": "src"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record the URL attribute of a tag that loads something."""
        wanted = self.SOURCE_ATTRIBUTES.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


def loaded_urls(html: str) -> list[str]:
    collector = AssetCollector()
    collector.feed(html)
    return collector.urls


class TestThrottling:
    def test_more_requests_than_the_anonymous_rate_still_serve_the_docs(
        self, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "2/minute")
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "docs", "10/minute")

        responses = [api_client.get(url) for _ in range(3) for url in DOCS_URLS]

        assert [response.status_code for response in responses] == [status.HTTP_200_OK] * 6

    def test_the_docs_rate_applies_to_page_and_schema_together(
        self, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "docs", "3/minute")
        served = [api_client.get(url).status_code for url in [*DOCS_URLS, DOCS_URL]]

        response = api_client.get(SCHEMA_URL)

        assert served == [status.HTTP_200_OK] * 3
        assert_error(response, status.HTTP_429_TOO_MANY_REQUESTS, "throttled")


@pytest.fixture
def private_docs() -> Iterator[None]:
    """Turn ``API_DOCS_PUBLIC`` off for the test."""
    with override_settings(API_DOCS_PUBLIC=False):
        yield


def test_the_site_root_leads_to_the_docs(api_client: APIClient) -> None:
    response = api_client.get("/")

    assert response.status_code == status.HTTP_302_FOUND
    assert response["Location"] == DOCS_URL


@pytest.mark.parametrize("url", DOCS_URLS)
def test_docs_are_public_by_default(api_client: APIClient, url: str) -> None:
    assert settings.API_DOCS_PUBLIC is True

    assert api_client.get(url).status_code == status.HTTP_200_OK


@pytest.mark.usefixtures("private_docs")
class TestPrivateDocs:
    def test_refuse_anonymous_clients(self, api_client: APIClient) -> None:
        page = api_client.get(DOCS_URL)

        assert_error(api_client.get(SCHEMA_URL), status.HTTP_401_UNAUTHORIZED, "not_authenticated")
        assert page.status_code == status.HTTP_401_UNAUTHORIZED
        assert b"swagger" not in page.content.lower()

    def test_refuse_users_who_are_not_staff(self, auth_client: APIClient) -> None:
        page = auth_client.get(DOCS_URL)

        assert_error(auth_client.get(SCHEMA_URL), status.HTTP_403_FORBIDDEN, "permission_denied")
        assert page.status_code == status.HTTP_403_FORBIDDEN
        assert b"swagger" not in page.content.lower()

    @pytest.mark.parametrize("url", DOCS_URLS)
    def test_serve_staff_signed_in_to_the_admin(self, api_client: APIClient, url: str) -> None:
        staff: User = UserFactory(is_staff=True)
        api_client.force_login(staff)

        assert api_client.get(url).status_code == status.HTTP_200_OK


def test_the_swagger_page_loads_only_the_projects_static_files(api_client: APIClient) -> None:
    html = api_client.get(DOCS_URL).content.decode()

    urls = loaded_urls(html)

    assert "cdn.jsdelivr.net" not in html
    assert len(urls) >= 3, html
    for url in urls:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("", ""), url
        assert parts.path.startswith(f"{settings.STATIC_URL}drf_spectacular_sidecar/"), url
        found = finders.find(parts.path.removeprefix(settings.STATIC_URL))
        assert found, url
        assert Path(found).stat().st_size > 0, url


@pytest.mark.usefixtures("production_env")
@pytest.mark.parametrize(
    ("public", "rate", "expected"),
    [(None, None, (True, "60/minute")), ("false", "1000/hour", (False, "1000/hour"))],
    ids=["defaults", "from-the-environment"],
)
def test_production_docs_settings(
    load_settings: SettingsLoader,
    monkeypatch: pytest.MonkeyPatch,
    public: str | None,
    rate: str | None,
    expected: tuple[bool, str],
) -> None:
    for name, value in [("DJANGO_API_DOCS_PUBLIC", public), ("DJANGO_THROTTLE_DOCS", rate)]:
        monkeypatch.delenv(name, raising=False)
        if value is not None:
            monkeypatch.setenv(name, value)

    production = load_settings("production")

    assert (
        production.API_DOCS_PUBLIC,
        production.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["docs"],
    ) == expected

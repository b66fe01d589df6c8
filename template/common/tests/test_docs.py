"""The schema and Swagger UI: their own throttle, public or staff-only, assets from the project."""

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.urls import reverse
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


class TestSwaggerAssets:
    def test_the_page_loads_nothing_from_another_host(self, api_client: APIClient) -> None:
        html = api_client.get(DOCS_URL).content.decode()

        urls = loaded_urls(html)

        assert "cdn.jsdelivr.net" not in html
        assert len(urls) >= 3, html
        for url in urls:
            parts = urlsplit(url)
            assert (parts.scheme, parts.netloc) == ("", ""), url
            assert parts.path.startswith(f"{settings.STATIC_URL}drf_spectacular_sidecar/"), url

    def test_every_asset_is_a_static_file_of_the_project(self, api_client: APIClient) -> None:
        html = api_client.get(DOCS_URL).content.decode()

        for url in loaded_urls(html):
            found = finders.find(urlsplit(url).path.removeprefix(settings.STATIC_URL))
            assert found, url
            assert Path(found).stat().st_size > 0, url


class TestProductionSettings:
    @pytest.mark.usefixtures("production_env")
    def test_docs_are_public_and_throttled_generously_by_default(
        self, load_settings: SettingsLoader, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("DJANGO_API_DOCS_PUBLIC", raising=False)
        monkeypatch.delenv("DJANGO_THROTTLE_DOCS", raising=False)

        production = load_settings("production")

        assert production.API_DOCS_PUBLIC is True
        assert production.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["docs"] == "60/minute"

    @pytest.mark.usefixtures("production_env")
    def test_the_environment_decides(
        self, load_settings: SettingsLoader, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DJANGO_API_DOCS_PUBLIC", "false")
        monkeypatch.setenv("DJANGO_THROTTLE_DOCS", "1000/hour")

        production = load_settings("production")

        assert production.API_DOCS_PUBLIC is False
        assert production.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["docs"] == "1000/hour"

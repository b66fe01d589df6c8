"""The settings modules: production refuses to start half-configured, development needs nothing."""

import copy
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from common.tests.conftest import PRODUCTION_ENV, SettingsLoader
from config import env as config_env
from config.gunicorn import on_starting

REQUIRED_IN_PRODUCTION = ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"]

# What a developer's .env holds; production must never take it for the real thing.
DOT_ENV_VALUES = {
    "DJANGO_SECRET_KEY": "a-development-key-from-dot-env-that-is-long-enough-0123456789",
    "DJANGO_ALLOWED_HOSTS": "dot-env.example",
}

# check --deploy warnings production silences; docs/architecture.md (HSTS) says why.
SILENCED_IN_PRODUCTION = ["security.W005", "security.W021"]


@pytest.fixture
def dot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the settings at a .env of the test's own; nothing it sets outlives the test."""
    path = tmp_path / ".env"
    path.write_text("".join(f"{name}={value}\n" for name, value in DOT_ENV_VALUES.items()))
    monkeypatch.setattr(config_env, "DOT_ENV_FILE", path)
    for name in DOT_ENV_VALUES:
        # Also makes monkeypatch remove what reading .env adds to the environment.
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.mark.usefixtures("production_env")
class TestProduction:
    def test_loads_everything_from_the_environment(self, load_settings: SettingsLoader) -> None:
        production = load_settings("production")

        assert production.DEBUG is False
        assert PRODUCTION_ENV["DJANGO_SECRET_KEY"] == production.SECRET_KEY
        assert production.ALLOWED_HOSTS == ["api.example.com", "www.example.com"]
        assert production.DATABASES["default"]["HOST"] == "db.example.com"
        assert production.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
        assert production.CACHES["default"]["BACKEND"].endswith("RedisCache")
        assert production.CACHES["default"]["LOCATION"] == PRODUCTION_ENV["REDIS_URL"]

    def test_is_https_only_with_a_short_hsts_to_start(self, load_settings: SettingsLoader) -> None:
        production = load_settings("production")

        assert production.SECURE_SSL_REDIRECT is True
        assert production.SESSION_COOKIE_SECURE is True
        assert production.CSRF_COOKIE_SECURE is True
        assert production.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
        # Browsers remember HSTS: a mistake on the first deploy must not last a year.
        assert production.SECURE_HSTS_SECONDS == 3600
        assert production.SECURE_HSTS_INCLUDE_SUBDOMAINS is False
        assert production.SECURE_HSTS_PRELOAD is False
        assert production.SILENCED_SYSTEM_CHECKS == SILENCED_IN_PRODUCTION

    def test_hsts_ramps_up_from_the_environment(
        self, load_settings: SettingsLoader, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DJANGO_SECURE_HSTS_SECONDS", "31536000")
        monkeypatch.setenv("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", "true")
        monkeypatch.setenv("DJANGO_SECURE_HSTS_PRELOAD", "true")

        production = load_settings("production")

        assert production.SECURE_HSTS_SECONDS == 31536000
        assert production.SECURE_HSTS_INCLUDE_SUBDOMAINS is True
        assert production.SECURE_HSTS_PRELOAD is True

    def test_trusts_one_proxy_unless_told_otherwise(
        self, load_settings: SettingsLoader, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert load_settings("production").REST_FRAMEWORK["NUM_PROXIES"] == 1
        monkeypatch.setenv("DJANGO_NUM_PROXIES", "2")
        assert load_settings("production").REST_FRAMEWORK["NUM_PROXIES"] == 2

    @pytest.mark.parametrize("value", [None, " "], ids=["unset", "blank"])
    @pytest.mark.parametrize("name", REQUIRED_IN_PRODUCTION)
    def test_refuses_to_load_without(
        self,
        load_settings: SettingsLoader,
        monkeypatch: pytest.MonkeyPatch,
        name: str,
        value: str | None,
    ) -> None:
        monkeypatch.delenv(name)
        if value is not None:
            monkeypatch.setenv(name, value)

        with pytest.raises(ImproperlyConfigured, match=name):
            load_settings("production")

    def test_never_reads_the_dot_env_file(
        self, load_settings: SettingsLoader, monkeypatch: pytest.MonkeyPatch, dot_env: Path
    ) -> None:
        monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
        assert "DJANGO_SECRET_KEY=" in dot_env.read_text()

        # Unset in the environment, the key must not come from a developer's .env.
        with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
            load_settings("production")

    def test_manage_py_names_the_missing_variable_in_one_line(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("DJANGO_SECRET_KEY")
        monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.production")

        result = subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )

        assert result.returncode == 1
        assert result.stderr == (
            "ImproperlyConfigured: Set the DJANGO_SECRET_KEY environment variable "
            "(it is unset or empty).\n"
        )

    def test_gunicorn_stops_before_its_workers_start(
        self, load_settings: SettingsLoader, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        load_settings("base")  # on_starting imports afresh what load_settings clears
        monkeypatch.delenv("DJANGO_SECRET_KEY")
        monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.production")

        with pytest.raises(SystemExit, match=r"^ImproperlyConfigured: Set the DJANGO_SECRET_KEY"):
            on_starting(None)

    def test_keeps_base_drf_settings(self, load_settings: SettingsLoader) -> None:
        # Reassigning REST_FRAMEWORK in production would silently drop authentication,
        # permissions, pagination and the error format there, and only there.
        base = copy.deepcopy(load_settings("base").REST_FRAMEWORK)

        production = load_settings("production").REST_FRAMEWORK

        assert production == {
            **base,
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            "NUM_PROXIES": 1,
        }


def test_development_needs_no_environment(
    load_settings: SettingsLoader, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # No .env either: the one the setup step writes holds a real key.
    monkeypatch.setattr(config_env, "DOT_ENV_FILE", tmp_path / ".env")
    for name in REQUIRED_IN_PRODUCTION:
        monkeypatch.delenv(name, raising=False)

    development = load_settings("development")

    assert development.DEBUG is True
    assert development.SECRET_KEY.startswith("django-insecure-")
    assert development.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert development.CACHES["default"]["BACKEND"].endswith("LocMemCache")


@pytest.mark.parametrize("module", ["base", "development", "testing"])
def test_without_a_proxy_the_client_address_is_the_connection(
    load_settings: SettingsLoader, monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    monkeypatch.delenv("DJANGO_NUM_PROXIES", raising=False)
    # 0 means REMOTE_ADDR; None would trust the whole X-Forwarded-For header.
    assert load_settings(module).REST_FRAMEWORK["NUM_PROXIES"] == 0


@pytest.mark.usefixtures("dot_env")
def test_development_reads_the_dot_env_file_under_the_environment(
    load_settings: SettingsLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    development = load_settings("development")
    monkeypatch.setenv("DJANGO_SECRET_KEY", "a-key-from-the-real-environment-0123456789-abcdefghij")

    overridden = load_settings("development")

    assert DOT_ENV_VALUES["DJANGO_SECRET_KEY"] == development.SECRET_KEY
    assert [DOT_ENV_VALUES["DJANGO_ALLOWED_HOSTS"]] == development.ALLOWED_HOSTS
    assert overridden.SECRET_KEY == "a-key-from-the-real-environment-0123456789-abcdefghij"


@pytest.mark.usefixtures("production_env")
def test_loading_settings_leaves_the_running_ones_alone(load_settings: SettingsLoader) -> None:
    running = copy.deepcopy(settings.REST_FRAMEWORK)

    load_settings("production")

    assert running == settings.REST_FRAMEWORK


def test_base_ships_these_defaults(
    monkeypatch: pytest.MonkeyPatch, load_settings: SettingsLoader
) -> None:
    """The values base.py ships, written out: a changed default fails here, not silently."""
    monkeypatch.delenv("DJANGO_EMAIL_TIMEOUT", raising=False)
    base = load_settings("base")

    assert (base.DATA_UPLOAD_MAX_MEMORY_SIZE, base.FILE_UPLOAD_MAX_MEMORY_SIZE) == (
        5 * 1024 * 1024,
        5 * 1024 * 1024,
    )
    assert base.REST_FRAMEWORK["PAGE_SIZE"] == 20
    assert (base.SESSION_COOKIE_HTTPONLY, base.CSRF_COOKIE_HTTPONLY) == (True, True)
    assert (base.SECURE_CONTENT_TYPE_NOSNIFF, base.X_FRAME_OPTIONS) == (True, "DENY")
    assert base.CORS_ALLOW_CREDENTIALS is True
    assert base.EMAIL_TIMEOUT == 10
    assert base.SPECTACULAR_SETTINGS["SERVE_INCLUDE_SCHEMA"] is False
    assert base.SPECTACULAR_SETTINGS["COMPONENT_SPLIT_REQUEST"] is True
    # Django's and the libraries' own loggers keep logging.
    assert base.LOGGING["disable_existing_loggers"] is False

"""The settings modules: production refuses to start half-configured, development needs nothing."""

import copy
import importlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import environ
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from common import shutdown
from common.tests.conftest import PRODUCTION_ENV, SettingsLoader
from config import env as config_env
from config import gunicorn

MISSING_KEY = "ImproperlyConfigured: Set the DJANGO_SECRET_KEY environment variable"


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Return the environment that the settings read, empty; no .env file either, yet."""
    variables: dict[str, str] = {}
    monkeypatch.setattr(environ.Env, "ENVIRON", variables)
    monkeypatch.setattr(config_env, "DOT_ENV_FILE", tmp_path / ".env")
    return variables


def test_production_loads_everything_from_the_environment(
    load_settings: SettingsLoader, environment: dict[str, str]
) -> None:
    running = copy.deepcopy(settings.REST_FRAMEWORK)
    base = copy.deepcopy(load_settings("base").REST_FRAMEWORK)
    environment.update(PRODUCTION_ENV)

    production = load_settings("production")

    assert production.DEBUG is False
    assert PRODUCTION_ENV["DJANGO_SECRET_KEY"] == production.SECRET_KEY
    assert production.ALLOWED_HOSTS == ["api.example.com", "www.example.com"]
    assert production.DATABASES["default"]["HOST"] == "db.example.com"
    assert production.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert production.DATABASES["default"]["CONN_MAX_AGE"] == 60
    assert production.CACHES["default"]["BACKEND"].endswith("RedisCache")
    assert production.CACHES["default"]["LOCATION"] == PRODUCTION_ENV["REDIS_URL"]
    assert production.SECURE_SSL_REDIRECT is production.SESSION_COOKIE_SECURE is True
    assert production.CSRF_COOKIE_SECURE is True
    assert production.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    # Browsers remember HSTS: a mistake on the first deploy must not last a year.
    assert production.SECURE_HSTS_SECONDS == 3600
    assert production.SECURE_HSTS_INCLUDE_SUBDOMAINS is production.SECURE_HSTS_PRELOAD is False
    assert production.SILENCED_SYSTEM_CHECKS == ["security.W005", "security.W021"]
    # Django's would redirect a write missing its slash, losing the body (test_trailing_slash).
    assert "common.middleware.CommonMiddleware" in production.MIDDLEWARE
    assert "django.middleware.common.CommonMiddleware" not in production.MIDDLEWARE
    # Reassigning REST_FRAMEWORK would drop authentication, permissions, ... there only.
    json_only = {"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}
    assert {**base, **json_only, "NUM_PROXIES": 1} == production.REST_FRAMEWORK
    assert running == settings.REST_FRAMEWORK
    # HSTS ramps up, and more proxies may come in front, from the environment.
    environment.update(DJANGO_SECURE_HSTS_SECONDS="31536000", DJANGO_NUM_PROXIES="2")
    environment.update(DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="true", DJANGO_SECURE_HSTS_PRELOAD="1")
    production = load_settings("production")
    assert production.SECURE_HSTS_SECONDS == 31536000
    assert production.SECURE_HSTS_INCLUDE_SUBDOMAINS is production.SECURE_HSTS_PRELOAD is True
    assert production.REST_FRAMEWORK["NUM_PROXIES"] == 2


@pytest.mark.parametrize("value", [None, " "], ids=["unset", "blank"])
@pytest.mark.parametrize(
    "name", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"]
)
def test_production_refuses_to_load_without(
    load_settings: SettingsLoader, environment: dict[str, str], name: str, value: str | None
) -> None:
    environment.update(PRODUCTION_ENV, **{name: value})
    if value is None:
        del environment[name]
    # Nor may a developer's .env stand in for it.
    config_env.DOT_ENV_FILE.write_text(f"{name}={PRODUCTION_ENV[name]}\n")

    with pytest.raises(ImproperlyConfigured, match=name):
        load_settings("production")


@pytest.mark.usefixtures("environment")
def test_manage_py_and_gunicorn_name_the_missing_variable_in_one_line(
    load_settings: SettingsLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_settings("base")  # on_starting imports afresh what load_settings clears
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.production")

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )

    assert (result.returncode, result.stderr) == (1, f"{MISSING_KEY} (it is unset or empty).\n")
    with pytest.raises(SystemExit, match=f"^{MISSING_KEY}"):
        gunicorn.on_starting(None)


GUNICORN_VARIABLES = [
    "PORT",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_KEEPALIVE",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_MAX_REQUESTS_JITTER",
    "GUNICORN_LOG_LEVEL",
    "FORWARDED_ALLOW_IPS",
    "GUNICORN_SHUTDOWN_DELAY",
]


def test_gunicorn_runs_on_its_documented_defaults_and_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in GUNICORN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2}, raising=False)
    monkeypatch.setattr(Path, "is_dir", lambda path: path == gunicorn._SHARED_MEMORY)

    config = importlib.reload(gunicorn)

    assert (config.bind, config.workers, config.threads) == ("0.0.0.0:8000", 7, 8)
    assert (config.timeout, config.graceful_timeout, config.keepalive) == (30, 30, 5)
    assert (config.max_requests, config.max_requests_jitter) == (1000, 100)
    assert (config.accesslog, config.errorlog, config.loglevel) == ("-", "-", "info")
    assert (config.forwarded_allow_ips, config._SHUTDOWN_DELAY) == ("127.0.0.1,::1", 0)
    assert config.worker_tmp_dir == str(gunicorn._SHARED_MEMORY)  # in memory, where it is
    # Where the scheduler cannot say (macOS), every CPU counts; one if even that is unknown.
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    monkeypatch.setenv("PORT", " 9000 ")
    monkeypatch.setenv("GUNICORN_THREADS", "1")
    monkeypatch.setenv("GUNICORN_TIMEOUT", " ")  # blank, as compose leaves an unset one
    config = importlib.reload(gunicorn)
    assert (config.bind, config.workers) == ("0.0.0.0:9000", 3)
    assert (config.threads, config.timeout) == (1, 30)
    monkeypatch.undo()
    importlib.reload(gunicorn)


@pytest.mark.parametrize("delay", [0, 0.2])
def test_gunicorn_fails_readiness_at_sigterm_and_stops_serving_after_the_delay(
    monkeypatch: pytest.MonkeyPatch, delay: float
) -> None:
    monkeypatch.setattr(shutdown, "_stopping", threading.Event())
    monkeypatch.setattr(gunicorn, "_SHUTDOWN_DELAY", delay)
    handlers = {}
    monkeypatch.setattr(gunicorn.signal, "signal", handlers.__setitem__)
    monkeypatch.setattr(gunicorn.os, "kill", lambda _pid, sig: handlers[sig](sig, None))
    stopped = threading.Event()  # set by gunicorn's own handler: a real worker stops serving
    gunicorn.post_worker_init(SimpleNamespace(handle_exit=lambda *_: stopped.set()))

    handlers[signal.SIGTERM](signal.SIGTERM, None)

    assert shutdown.shutting_down()
    assert stopped.is_set() is (delay == 0), "it must keep serving during the delay"
    assert stopped.wait(timeout=5), "the worker never stopped"


def test_development_needs_no_environment_and_reads_dot_env_under_it(
    load_settings: SettingsLoader, environment: dict[str, str]
) -> None:
    development = load_settings("development")

    assert development.DEBUG is True
    assert development.SECRET_KEY.startswith("django-insecure-")
    assert development.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert development.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert "common.middleware.CommonMiddleware" in development.MIDDLEWARE
    assert "django.middleware.common.CommonMiddleware" not in development.MIDDLEWARE
    config_env.DOT_ENV_FILE.write_text("DJANGO_SECRET_KEY=k\nDJANGO_ALLOWED_HOSTS=x\n")
    environment["DJANGO_ALLOWED_HOSTS"] = "b"
    development = load_settings("development")
    assert (development.SECRET_KEY, development.ALLOWED_HOSTS) == ("k", ["b"])


@pytest.mark.usefixtures("environment")
@pytest.mark.usefixtures("environment")
def test_base_ships_these_defaults(load_settings: SettingsLoader) -> None:
    """The values base.py ships, written out: a changed default fails here, not silently."""
    # 0 means REMOTE_ADDR; None would trust the whole X-Forwarded-For header.
    assert load_settings("development").REST_FRAMEWORK["NUM_PROXIES"] == 0
    base = load_settings("base")

    assert base.REST_FRAMEWORK["NUM_PROXIES"] == 0
    assert base.DATA_UPLOAD_MAX_MEMORY_SIZE == base.FILE_UPLOAD_MAX_MEMORY_SIZE == 5 * 1024 * 1024
    assert base.REST_FRAMEWORK["PAGE_SIZE"] == 20
    assert base.SESSION_COOKIE_HTTPONLY is base.CSRF_COOKIE_HTTPONLY is True
    assert (base.SECURE_CONTENT_TYPE_NOSNIFF, base.X_FRAME_OPTIONS) == (True, "DENY")
    assert base.CORS_ALLOW_CREDENTIALS is True
    assert base.EMAIL_TIMEOUT == 10
    assert base.SPECTACULAR_SETTINGS["SERVE_INCLUDE_SCHEMA"] is False
    assert base.SPECTACULAR_SETTINGS["COMPONENT_SPLIT_REQUEST"] is True
    assert base.LOGGING["disable_existing_loggers"] is False  # libraries' loggers keep logging
    # Propagating too, each record of these loggers would print twice: here and at the root.
    assert [logger["propagate"] for logger in base.LOGGING["loggers"].values()] == [False] * 2
    assert (base.USE_I18N, base.USE_TZ, base.API_DOCS_PUBLIC) == (True, True, True)
    assert (base.ADMIN_ENABLED, base.ADMIN_URL) == (True, "admin/")
    # A verification link lasts three days, a reset link an hour.
    assert (base.EMAIL_VERIFICATION_TIMEOUT, base.PASSWORD_RESET_TIMEOUT) == (3 * 86400, 3600)
    assert base.TEMPLATES[0]["APP_DIRS"] is True
    database = base.DATABASES["default"]
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (60, True)

"""Settings for the test suite: fast, isolated and independent of the developer's .env."""

from config.settings.base import *

SECRET_KEY = "django-insecure-test-only-key-long-enough-for-hs256"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost"]

# MD5 makes creating users in tests fast; it is never used outside tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING["root"]["level"] = "CRITICAL"
LOGGING["loggers"]["django"]["level"] = "CRITICAL"

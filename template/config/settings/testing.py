"""Settings for the test suite: fast and isolated (DATABASE_URL and REDIS_URL still apply)."""

from config.env import read_dot_env

# Before base reads the environment: .env fills in what it does not set.
read_dot_env()

from config.settings.base import *  # noqa: E402

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

# The tests never run collectstatic; let WhiteNoise find static files without STATIC_ROOT.
WHITENOISE_AUTOREFRESH = True

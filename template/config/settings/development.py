"""Settings for local development: debug on, zero setup (SQLite, in-memory cache)."""

from config.env import read_dot_env

# Before base reads the environment: .env fills in what it does not set.
read_dot_env()

from config.settings.base import *  # noqa: E402

DEBUG = True
# Development's fallback key, named insecure; production refuses to start without
# DJANGO_SECRET_KEY.
SECRET_KEY = env(  # conventions: allow E036 -- development only
    "DJANGO_SECRET_KEY",
    default="django-insecure-development-only-key-never-use-in-production",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=["http://localhost:3000"])

# Serve static files from the app directories without running collectstatic first.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

LOGGING["loggers"]["apps"]["level"] = "DEBUG"

# django-debug-toolbar (a development requirement): SQL queries, templates, cache calls and
# timings of each HTML response, such as the browsable API's, for the addresses below.
INSTALLED_APPS += ["debug_toolbar"]
MIDDLEWARE.insert(0, "debug_toolbar.middleware.DebugToolbarMiddleware")
INTERNAL_IPS = env.list("DJANGO_INTERNAL_IPS", default=["127.0.0.1", "::1"])
# Collapsed to its handle until clicked: open, it covers the right of the page, where
# Swagger UI's Authorize button is.
DEBUG_TOOLBAR_CONFIG = {"SHOW_COLLAPSED": True}

"""Conventions for the settings a deployment runs with.

These checks are tagged for deployment: CI runs ``manage.py check --deploy`` with the
production settings, so they read the settings in force, whichever module set them. A
message names the line of the settings module that set the value last (or the line of the
dict that lacks a key), so a ``# conventions: allow`` marker there exempts it.
"""

import ast
import importlib.util
import os
import re
from pathlib import Path
from typing import Any

from django.conf import ENVIRONMENT_VARIABLE, settings
from django.core import checks

from common.checks.base import Rule, at, parse

PERMISSION = Rule(
    "E050",
    "the API's default permission lets only signed-in users in",
    'Keep REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] = '
    '["rest_framework.permissions.IsAuthenticated"]; public views set AllowAny themselves.',
)
THROTTLES = Rule(
    "E051",
    "the API is throttled by default",
    'Keep REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] (anonymous and user rates).',
)
PROXIES = Rule(
    "E052",
    "throttles know how many proxies add to X-Forwarded-For",
    'Set REST_FRAMEWORK["NUM_PROXIES"] (DJANGO_NUM_PROXIES) to the proxies in front of the app.',
)
PAGINATION = Rule(
    "E053",
    "lists are paginated by default",
    'Keep REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] = "common.pagination.StandardPagination".',
)
EXCEPTION_HANDLER = Rule(
    "E054",
    "errors share one format",
    'Keep REST_FRAMEWORK["EXCEPTION_HANDLER"] = "common.exceptions.api_exception_handler".',
)
BROWSABLE_API = Rule(
    "E055",
    "production answers in JSON only",
    'Set REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] to '
    '["rest_framework.renderers.JSONRenderer"] in config/settings/production.py.',
)
CORS = Rule(
    "E056",
    "CORS lets in only the origins listed",
    "List the front ends' origins in CORS_ALLOWED_ORIGINS (the environment's "
    "CORS_ALLOWED_ORIGINS); never allow all.",
)
POSTGRESQL = Rule(
    "E057",
    "production runs on PostgreSQL",
    "Point DATABASE_URL at PostgreSQL (postgres://...).",
)
REDIS = Rule(
    "E058",
    "production caches in Redis",
    "Keep django.core.cache.backends.redis.RedisCache as the default cache (REDIS_URL).",
)
REMOVED = Rule(
    "E059",
    "no settings Django removed: they do nothing",
    "Delete the setting; storage goes in STORAGES.",
)

REMOVED_SETTINGS = {
    # Removed in Django 5.1: files would silently go to local disk.
    "DEFAULT_FILE_STORAGE": "STORAGES['default']",
    "STATICFILES_STORAGE": "STORAGES['staticfiles']",
    # Removed in Django 4.0; browsers dropped the header.
    "SECURE_BROWSER_XSS_FILTER": "SECURE_REFERRER_POLICY, SECURE_CROSS_ORIGIN_OPENER_POLICY",
}
ANY_ORIGIN = re.compile(r"\^?\.[*+]\$?")


# WHERE A SETTING IS SET
# ------------------------------------------------------------------------------


def assigned(target: ast.AST, name: str, key: str | None) -> bool:
    """Tell whether an assignment target is ``NAME`` (no key) or ``NAME["key"]``."""
    if key is None:
        return isinstance(target, ast.Name) and target.id == name
    return (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Name)
        and target.value.id == name
        and isinstance(target.slice, ast.Constant)
        and target.slice.value == key
    )


def settings_lines(module: str, name: str, key: str | None) -> list[str]:
    """Return the file:line of each statement setting ``name`` (or its ``key``), in run order.

    A settings module runs its ``from config... import *`` where it stands: the lines of
    the modules it imports come at that point.
    """
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return []
    path, found = Path(spec.origin), []
    for statement in parse(path).body:
        if isinstance(statement, ast.ImportFrom) and any(a.name == "*" for a in statement.names):
            if (statement.module or "").split(".")[0] == "config":
                found += settings_lines(statement.module or "", name, key)
            continue
        targets = getattr(statement, "targets", [getattr(statement, "target", None)])
        for target in targets:
            if assigned(target, name, key):
                found.append(at(path, statement))
            elif key is not None and assigned(target, name, None):
                value = statement.value
                # NAME = {"key": ...} sets the key on the key's line; a NAME without it unsets it.
                keys = value.keys if isinstance(value, ast.Dict) else []
                line = next(
                    (k for k in keys if isinstance(k, ast.Constant) and k.value == key), None
                )
                found.append(at(path, line) if line is not None else at(path, statement))
    return found


def setting(name: str, key: str | None = None) -> str:
    """Name a setting by the file:line that set it last, then by name."""
    label = f'{name}["{key}"]' if key else name
    # Settings overridden (override_settings) forget their module; the environment names it.
    module = settings.SETTINGS_MODULE or os.environ.get(ENVIRONMENT_VARIABLE, "")
    lines = settings_lines(module, name, key) if module else []
    if not lines and module and key is not None:
        # The key is missing: name the dict that lacks it.
        lines = settings_lines(module, name, None)
    return f"{lines[-1]} {label}" if lines else label


def api_setting(key: str) -> Any:
    """Return one of DRF's settings as the project sets it (``None`` when unset)."""
    return getattr(settings, "REST_FRAMEWORK", {}).get(key)


# CHECKS
# ------------------------------------------------------------------------------


@checks.register(checks.Tags.security, deploy=True)
def check_api_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check that the API is secure by default: access, throttles, pages, errors, renderers."""
    messages: list[checks.CheckMessage] = []
    permissions = api_setting("DEFAULT_PERMISSION_CLASSES") or []
    if not permissions or any("AllowAny" in str(p) for p in permissions):
        problem = f"DEFAULT_PERMISSION_CLASSES is {permissions!r}"
        messages += PERMISSION(setting("REST_FRAMEWORK", "DEFAULT_PERMISSION_CLASSES"), problem)
    if not api_setting("DEFAULT_THROTTLE_CLASSES"):
        place = setting("REST_FRAMEWORK", "DEFAULT_THROTTLE_CLASSES")
        messages += THROTTLES(place, "no DEFAULT_THROTTLE_CLASSES")
    if api_setting("NUM_PROXIES") is None:
        problem = "NUM_PROXIES is unset, so throttles trust the whole X-Forwarded-For"
        messages += PROXIES(setting("REST_FRAMEWORK", "NUM_PROXIES"), problem)
    if not api_setting("DEFAULT_PAGINATION_CLASS"):
        place = setting("REST_FRAMEWORK", "DEFAULT_PAGINATION_CLASS")
        messages += PAGINATION(place, "no DEFAULT_PAGINATION_CLASS")
    if not api_setting("EXCEPTION_HANDLER"):
        place = setting("REST_FRAMEWORK", "EXCEPTION_HANDLER")
        messages += EXCEPTION_HANDLER(place, "no EXCEPTION_HANDLER")
    renderers = api_setting("DEFAULT_RENDERER_CLASSES") or []
    if not renderers or any("Browsable" in str(r) for r in renderers):
        problem = f"the browsable API is on (DEFAULT_RENDERER_CLASSES is {renderers!r})"
        messages += BROWSABLE_API(setting("REST_FRAMEWORK", "DEFAULT_RENDERER_CLASSES"), problem)
    return messages


@checks.register(checks.Tags.security, deploy=True)
def check_cors(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check that browsers may call the API only from the origins listed.

    An origin of ``*`` in CORS_ALLOWED_ORIGINS is django-cors-headers' own error (E013).
    """
    messages: list[checks.CheckMessage] = []
    for name in ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"):
        if getattr(settings, name, False):
            messages += CORS(setting(name), f"{name} is on")
    for pattern in getattr(settings, "CORS_ALLOWED_ORIGIN_REGEXES", []):
        if ANY_ORIGIN.fullmatch(pattern):
            problem = f"CORS_ALLOWED_ORIGIN_REGEXES has {pattern!r}"
            messages += CORS(setting("CORS_ALLOWED_ORIGIN_REGEXES"), problem)
    return messages


@checks.register(checks.Tags.database, checks.Tags.caches, deploy=True)
def check_services(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check that a deployment keeps its data in PostgreSQL and its cache in Redis."""
    messages: list[checks.CheckMessage] = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        messages += POSTGRESQL(setting("DATABASES", "default"), f"the database engine is {engine}")
    backend = settings.CACHES["default"]["BACKEND"]
    if "redis" not in backend.lower():
        messages += REDIS(setting("CACHES", "default"), f"the cache backend is {backend}")
    return messages


@checks.register(checks.Tags.compatibility, deploy=True)
def check_removed_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check that no setting Django removed is set: it would be silently ignored."""
    return [
        message
        for name, instead in REMOVED_SETTINGS.items()
        if settings.is_overridden(name)
        for message in REMOVED(setting(name), f"{name} is set (use {instead})")
    ]

"""Every DRF endpoint of the URL configuration: one added later is checked too."""

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.admindocs.views import simplify_regex
from rest_framework.views import APIView

from common.checks.base import url_patterns

PLACEHOLDER_ID = str(uuid.UUID(int=0))  # fills every path parameter: such requests may 404


@dataclass(frozen=True)
class Endpoint:
    path: str
    view: type[APIView]
    methods: tuple[str, ...]
    initkwargs: dict[str, Any]
    has_parameters: bool

    def __str__(self) -> str:
        return f"{self.path} ({self.view.__name__})"


def api_endpoints() -> list[Endpoint]:
    """Return every URL served by a DRF view, with the HTTP methods it handles."""
    endpoints = []
    for route, pattern in url_patterns():
        view, path = getattr(pattern.callback, "cls", None), simplify_regex(route)
        # Format suffixes (orders.json) repeat the URL before them.
        if view is None or not issubclass(view, APIView) or re.search(r"<(\w+:)?format>", path):
            continue
        methods = getattr(pattern.callback, "actions", None) or [
            method for method in view.http_method_names if hasattr(view, method)
        ]
        initkwargs = dict(getattr(pattern.callback, "initkwargs", {}))
        path, parameters = re.subn(r"<\w+>", PLACEHOLDER_ID, path)
        endpoints.append(Endpoint(path, view, tuple(methods), initkwargs, parameters > 0))
    return endpoints


def write_endpoints() -> list[tuple[Endpoint, str]]:
    """Return each endpoint with each of its methods that takes a request body."""
    return [
        (endpoint, method)
        for endpoint in api_endpoints()
        for method in endpoint.methods
        if method in ("post", "put", "patch")
    ]

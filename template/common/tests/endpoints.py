"""Every DRF endpoint of the URL configuration, found by walking the resolver.

Tests that must hold for every endpoint iterate over these, so an endpoint added later is
checked without anyone remembering to write its test.
"""

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.admindocs.views import simplify_regex
from rest_framework.views import APIView

from common.checks.base import url_patterns

# Stands in for every path parameter (an object id): such requests may answer 404.
PLACEHOLDER_ID = uuid.UUID(int=0)
WRITE_METHODS = ("post", "put", "patch")
# A format suffix (orders.json), as a regex group or as DRF's path converter.
FORMAT_SUFFIX = re.compile(r"<(\w+:)?format>")


@dataclass(frozen=True)
class Endpoint:
    """One URL and the view behind it."""

    path: str
    view: type[APIView]
    methods: tuple[str, ...]
    initkwargs: dict[str, Any]

    @property
    def has_parameters(self) -> bool:
        """Tell whether the path names an object (its id was filled with a placeholder)."""
        return str(PLACEHOLDER_ID) in self.path

    def __str__(self) -> str:
        """Name the endpoint in test ids."""
        return f"{self.path} ({self.view.__name__})"


def api_endpoints() -> list[Endpoint]:
    """Return every URL served by a DRF view, with the HTTP methods it handles."""
    endpoints = []
    for route, pattern in url_patterns():
        callback = pattern.callback
        view = getattr(callback, "cls", None)
        path = simplify_regex(route)
        # Format suffixes (orders.json) repeat the URL before them.
        if view is None or not issubclass(view, APIView) or FORMAT_SUFFIX.search(path):
            continue
        actions = getattr(callback, "actions", None)
        methods = (
            tuple(actions)
            if actions
            else tuple(method for method in view.http_method_names if hasattr(view, method))
        )
        endpoints.append(
            Endpoint(
                path=re.sub(r"<\w+>", str(PLACEHOLDER_ID), path),
                view=view,
                methods=methods,
                initkwargs=dict(getattr(callback, "initkwargs", {})),
            ),
        )
    return endpoints


def write_endpoints() -> list[tuple[Endpoint, str]]:
    """Return each endpoint with each method of it that takes a request body."""
    return [
        (endpoint, method)
        for endpoint in api_endpoints()
        for method in endpoint.methods
        if method in WRITE_METHODS
    ]

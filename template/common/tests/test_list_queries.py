"""Every list endpoint runs as many queries for a page of five rows as for a page of one.

The endpoints come from the URL configuration and the rows from the app's factories, or
from model-bakery for a model without one, so a list added later is measured with no edit
here. Lists under an object's URL (``/orders/<id>/items/``) need that object and are left
to their own tests.
"""

import importlib.util
import inspect
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from factory.django import DjangoModelFactory
from model_bakery import baker
from rest_framework.test import APIClient

from common.checks.api import page_size_parameter, view_instance
from common.checks.base import Route, dotted, project_apps, routes

# Rows of each one-to-many child created per listed row, so N+1 queries on them show.
CHILDREN_PER_ROW = 2
LARGER_PAGE = 5


def factories() -> dict[type[models.Model], type[DjangoModelFactory]]:
    """Return the factory of each model that has one, from each app's ``tests/factories.py``.

    The modules are imported here, so the answer does not depend on which tests ran first.
    """
    for app in project_apps():
        if importlib.util.find_spec(f"{app.name}.tests.factories") is not None:
            importlib.import_module(f"{app.name}.tests.factories")
    found: dict[type[models.Model], type[DjangoModelFactory]] = {}
    pending = [DjangoModelFactory]
    while pending:
        for factory in pending.pop().__subclasses__():
            pending.append(factory)
            if factory._meta.model is not None and not inspect.isabstract(factory):
                found.setdefault(factory._meta.model, factory)
    return found


def make(model: type[models.Model], count: int, **fields: Any) -> list[models.Model]:
    """Create ``count`` rows of ``model``: with its factory if it has one, else model-bakery."""
    factory = factories().get(model)
    if factory is not None:
        return factory.create_batch(count, **fields)
    return baker.make(model, _quantity=count, **fields)


def create_rows(model: type[models.Model], owner: Any, count: int) -> None:
    """Create ``count`` rows owned by ``owner``, each with a few rows of every child model."""
    owned = {
        f.name: owner
        for f in model._meta.fields
        if f.is_relation and f.related_model is type(owner)
    }
    for row in make(model, count, **owned):
        for relation in model._meta.related_objects:
            if relation.one_to_many and relation.related_model is not type(owner):
                make(relation.related_model, CHILDREN_PER_ROW, **{relation.field.name: row})


def measurable(pagination: type) -> type:
    """Return the pagination, given a page-size parameter if it has none, to ask for 1 and 5."""
    if page_size_parameter(pagination):
        return pagination
    return type(pagination.__name__, (pagination,), {"page_size_query_param": "page_size"})


def queries_per_page(client: APIClient, route: Route, size: int) -> tuple[int, int]:
    """Return the queries a request for a page of ``size`` ran, and the rows it listed."""
    parameter = page_size_parameter(route.view.pagination_class)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(route.path, {parameter: size})
    assert response.status_code == 200, f"{route}: {response.status_code} {response.content!r}"
    return len(queries.captured_queries), len(response.data["results"])


def list_routes() -> list[Route]:
    """Return the paginated lists at a fixed URL (unpaginated ones fail ``manage.py check``)."""
    return [
        route
        for route in routes()
        if route.is_list and "<" not in route.path and route.view.pagination_class is not None
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("route", list_routes(), ids=lambda route: route.path)
def test_list_query_count_is_constant(route: Route) -> None:
    user = make(get_user_model(), 1, is_staff=True)[0]
    client = APIClient()
    client.force_authenticate(user=user)
    create_rows(view_instance(route, "list").get_queryset().model, user, LARGER_PAGE)
    with mock.patch.object(route.view, "pagination_class", measurable(route.view.pagination_class)):
        queries_per_page(client, route, 1)  # warm up: first-request work is not per row
        small, larger = (queries_per_page(client, route, size) for size in (1, LARGER_PAGE))
    assert (small[1], larger[1]) == (1, LARGER_PAGE), f"{route}: pages of {small}, {larger}"
    assert larger[0] == small[0], (
        f"{route}: {small[0]} queries for a page of 1, {larger[0]} for {LARGER_PAGE}: N+1 "
        f"queries. Fetch related rows with select_related()/prefetch_related() and annotate "
        f"computed fields in {dotted(route.view)}'s queryset (see docs/conventions.md)."
    )

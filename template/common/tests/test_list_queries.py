"""Every list endpoint runs as many queries for a page of five rows as for a page of one.

The endpoints come from the URL configuration and the rows from the apps' factories, or from
model-bakery for a model without one, so a list added later is measured with no edit here.
Lists under an object's URL (``/orders/<id>/items/``) are left to their own tests.
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

LARGER_PAGE = 5


def make(model: type[models.Model], count: int, **fields: Any) -> list[models.Model]:
    """Create ``count`` rows of ``model``: with its app's factory if it has one, else bakery."""
    for app in project_apps():
        if importlib.util.find_spec(f"{app.name}.tests.factories") is not None:
            importlib.import_module(f"{app.name}.tests.factories")
    pending = [DjangoModelFactory]
    while pending:
        for factory in pending.pop().__subclasses__():
            if factory._meta.model is model and not inspect.isabstract(factory):
                return factory.create_batch(count, **fields)
            pending.append(factory)
    return baker.make(model, _quantity=count, **fields)


def create_rows(model: type[models.Model], owner: Any) -> None:
    """Create rows owned by ``owner``, each with two rows of every child model (N+1 shows)."""
    owned = {f.name: owner for f in model._meta.fields if f.related_model is type(owner)}
    for row in make(model, LARGER_PAGE, **owned):
        for relation in model._meta.related_objects:
            if relation.one_to_many and relation.related_model is not type(owner):
                make(relation.related_model, 2, **{relation.field.name: row})


def queries_per_page(client: APIClient, route: Route, size: int) -> tuple[int, int]:
    """Return the queries a request for a page of ``size`` ran, and the rows it listed."""
    parameter = page_size_parameter(route.view.pagination_class)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(route.path, {parameter: size})
    assert response.status_code == 200, f"{route}: {response.status_code} {response.content!r}"
    return len(queries.captured_queries), len(response.data["results"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route",
    # Paginated lists at a fixed URL (an unpaginated one fails ``manage.py check``).
    [r for r in routes() if r.is_list and "<" not in r.path and r.view.pagination_class],
    ids=lambda route: route.path,
)
def test_list_query_count_is_constant(route: Route) -> None:
    user = make(get_user_model(), 1, is_staff=True)[0]
    client = APIClient()
    client.force_authenticate(user=user)
    create_rows(view_instance(route, "list").get_queryset().model, user)
    pagination = route.view.pagination_class
    if not page_size_parameter(pagination):  # a page size to ask for 1 and 5
        pagination = type(pagination.__name__, (pagination,), {"page_size_query_param": "size"})
    with mock.patch.object(route.view, "pagination_class", pagination):
        queries_per_page(client, route, 1)  # warm up: first-request work is not per row
        small, larger = (queries_per_page(client, route, size) for size in (1, LARGER_PAGE))
    assert (small[1], larger[1]) == (1, LARGER_PAGE), f"{route}: pages of {small}, {larger}"
    assert larger[0] == small[0], (
        f"{route}: {small[0]} queries for a page of 1, {larger[0]} for {LARGER_PAGE}: N+1 "
        f"queries. Fetch related rows with select_related()/prefetch_related() and annotate "
        f"computed fields in {dotted(route.view)}'s queryset (see docs/conventions.md)."
    )

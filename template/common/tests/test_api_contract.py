"""Contract test: every operation in the OpenAPI schema, fed generated input, keeps its word.

Schemathesis reads the schema the project serves, generates requests for every operation
(valid ones and invalid ones), and sends them to the app in-process as the test user.
Whatever the input, the API must never answer a server error; every status it answers
must be documented (errors included, see ``common.schema``); and every answer must have
the documented shape and content type. New endpoints are covered as soon as they appear in
the schema.
"""

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from apps.users.models import User
from common.tests.helpers import authorization_for

# Enough cases per operation to reach the edges of each input, few enough to stay fast.
CASES_PER_OPERATION = 10

# Read when the tests are collected: spectacular builds the schema without the database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Keep each request from closing the database connection that holds the test's data.

    The requests go through the real WSGI handler, which closes connections between
    requests; inside a test's transaction that would end it (Django's test client
    disconnects the same handler, for the same reason).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=CASES_PER_OPERATION,
    deadline=None,
    # The same cases on every run: a red build always means a changed API, never bad luck.
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_every_operation_honours_the_schema(case: schemathesis.Case, user: User) -> None:
    case.call_and_validate(
        headers={"Authorization": authorization_for(user)},
        # The input-side checks would judge the schema generator, not the API: the schema
        # does not carry every input rule (a list's minimum length, a filter's range), and
        # DRF coerces compatible values (5 for a string field) instead of refusing them.
        excluded_checks=[negative_data_rejection, positive_data_acceptance],
    )

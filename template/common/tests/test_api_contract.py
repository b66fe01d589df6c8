"""Contract test: every operation in the OpenAPI schema, fed generated input, keeps its word.

Schemathesis reads the schema the project serves, generates requests for every operation
(valid ones and invalid ones), and sends them to the app in-process as the test user.
Whatever the input, the API must never answer a server error; every status it answers
must be documented (errors included, see ``common.schema``); and every answer must have
the documented shape and content type. New endpoints are covered as soon as they appear in
the schema.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from apps.users.models import User
from common.tests.helpers import authorization_for

# Enough cases per operation to reach the edges of each input, few enough to stay fast.
CASES_PER_OPERATION = 10

# Read when the tests are collected: spectacular builds the schema without the database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=CASES_PER_OPERATION,
    deadline=None,
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

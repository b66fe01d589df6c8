"""Contract test: every operation in the OpenAPI schema, fed generated input, keeps its word.

Schemathesis sends the app (in-process, as a signed-in staff user) requests generated from
the schema it serves, in every phase (examples, coverage, fuzzing; valid and invalid data)
and as stateful sequences following the schema's links. The API must never answer a server
error, every status and answer must be documented, input the schema calls invalid must be
refused, and input it calls valid must pass every rule a schema can state (DRF's and
Django's own field checks; a serializer's ``validate`` may still refuse it). New endpoints
are covered as soon as they appear in the schema. The cases are the same on every run.
"""

import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import schemathesis
from django import forms
from django.core import validators
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from django.utils.functional import Promise
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from rest_framework import fields
from schemathesis.auths import AuthContext
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import CoverageScenario
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from apps.users.models import User
from apps.users.schema import SESSION_REFERENCE
from apps.users.tests.factories import UserFactory
from apps.users.tests.images import image_upload
from common.schema import DETAIL_SUFFIX
from common.tests.helpers import authorization_for

# The same cases on every run: a red build always means a changed API, never bad luck.
HYPOTHESIS_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
# A real image for valid uploads: the schema can only say that a file is "binary".
IMAGE = image_upload().read()
sent: Counter[tuple[str, str]] = Counter()
operations: set[str] = set()
# Operations whose credentials schemathesis has checked once: the other cases skip it.
auth_enforced: set[str] = set()
signed_in: list[User] = []


def _subclasses(base: type) -> Iterator[type]:
    for subclass in base.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


@cache
def stateable_rule() -> re.Pattern[str]:
    """Match the messages of the rules a schema states: DRF's and Django's own checks.

    Read from the field classes loaded and ``django.core.validators``; a project's own
    validators and ``validate`` methods are not among them.
    """
    messages = [
        message
        for field in [*_subclasses(fields.Field), *_subclasses(forms.Field)]
        if field.__module__.startswith(("rest_framework.", "django.", "django_filters."))
        for message in getattr(field, "default_error_messages", {}).values()
    ]
    for validator in vars(validators).values():
        if isinstance(validator, type):
            by_code = getattr(validator, "messages", None)
            messages += [getattr(validator, "message", None)]
            messages += by_code.values() if isinstance(by_code, dict) else []
    # A message template (``{max_length}``, ``%(limit_value)s``) as a regex.
    patterns = (
        re.sub(r"\\\{\w+\\\}|%\\\(\w+\\\)[sd]", ".+", re.escape(str(message)))
        for message in messages
        if isinstance(message, str | Promise)
    )
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


def _messages(details: object) -> Iterator[str]:
    if isinstance(details, dict | list):
        for item in details.values() if isinstance(details, dict) else details:
            yield from _messages(item)
    else:
        yield str(details)


def input_passes_validation(ctx: Any, response: Any, case: schemathesis.Case) -> None:
    """Check that input the schema calls valid passes every rule a schema can state."""
    if not case.meta.generation.mode.is_positive or response.status_code != 400:
        return
    error = response.json()["error"]
    assert error["code"] != "parse_error", f"Valid input could not be parsed: {response.text}"
    stated = [m for m in _messages(error["details"]) if stateable_rule().fullmatch(m)]
    assert not stated, f"Valid input refused by a rule the schema leaves out: {response.text}"


@schema.auth(refresh_interval=None)
class SignedIn:
    """Sign every case as the test's user; as auth, schemathesis also tries it signed out."""

    def get(self, case: schemathesis.Case, context: Any) -> str | None:
        return authorization_for(signed_in[-1]) if signed_in else None

    def set(self, case: schemathesis.Case, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


def _is_positive(case: schemathesis.Case) -> bool:
    """Tell valid input: schemathesis can fail to negate an upload (any bytes are "binary")."""
    data = case.meta.phase.data
    return (
        case.meta.generation.mode.is_positive
        or data.description == "Positive test case"
        or getattr(data, "scenario", None) == CoverageScenario.VALID_OBJECT
    )


def _prepare(case: schemathesis.Case) -> None:
    """Sign the case in (some are built before their test starts), count it, send images."""
    if not case.operation.schema.is_security_param_negated(case):
        schema.auth.set(case, AuthContext(operation=case.operation, app=None))
    operations.add(case.operation.label)
    sent[case.meta.phase.name, case.meta.generation.mode] += 1
    if _is_positive(case) and isinstance(case.body, dict):
        case.body = {
            name: IMAGE if isinstance(getattr(value, "data", value), bytes) else value
            for name, value in case.body.items()
        }


def _validate(response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
    """Run every check schemathesis has, credentials once per operation."""
    if _is_positive(case):
        case.meta.generation.mode = GenerationMode.POSITIVE
    # Replaced by ``input_passes_validation``: schema-valid input can break a business rule.
    excluded = [positive_data_acceptance]
    if case.operation.label in auth_enforced:
        excluded.append(ignored_auth)
    case.validate_response(
        response, excluded_checks=excluded, additional_checks=[input_passes_validation], **kwargs
    )
    if 200 <= response.status_code < 300:
        auth_enforced.add(case.operation.label)


@pytest.fixture(scope="module", autouse=True)
def _summary(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print what was sent, once the module's tests are done."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    by_phase = ", ".join(f"{phase} {mode}: {n}" for (phase, mode), n in sorted(sent.items()))
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"\nContract test: {len(operations)} operations, {sum(sent.values())} cases "
                f"({by_phase})"
            )


@pytest.fixture(autouse=True)
def _unmeasured(cov: Any) -> Iterator[None]:
    """Leave the generated cases out of the coverage figure: they assert no behaviour."""
    if cov is not None:
        cov.stop()
    yield
    if cov is not None:
        cov.start()


@pytest.fixture(autouse=True)
def staff(db: None) -> Iterator[User]:
    """Sign the cases in as a staff user, who may call every operation.

    The requests go through the real WSGI handler, which closes the database connection
    between requests; kept open, as Django's test client keeps it, for the test's data.
    """
    signed_in.append(UserFactory(is_staff=True))
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield signed_in[-1]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(**HYPOTHESIS_SETTINGS)
def test_every_operation_honours_the_schema(case: schemathesis.Case) -> None:
    _prepare(case)
    _validate(case.call(), case)


def test_linked_operations_honour_the_schema() -> None:
    """Follow the schema's links: create, then read, change, delete; use a session's answer."""
    paths = schema.raw_schema["paths"]
    creates = [
        path
        for path, operations in paths.items()
        if "201" in operations.get("post", {}).get("responses", {})
        and any(other.startswith(path + DETAIL_SUFFIX) for other in paths)
    ]
    linked = [path for path in creates if "links" in paths[path]["post"]["responses"]["201"]]
    assert linked == creates, "common.schema links every create to the created object"
    sessions = [
        response
        for operations in paths.values()
        for operation in operations.values()
        for response in operation["responses"].values()
        if response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
        == SESSION_REFERENCE
    ]
    sign_out = paths[reverse("v1:auth-logout-all")]["post"]["operationId"]
    assert sessions, "logging in answers a session"
    assert all(sign_out in answer.get("links", {}) for answer in sessions), (
        "apps.users.schema links every session to the account's operations"
    )

    class Scenario(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: schemathesis.Case) -> None:
            _prepare(case)

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            kwargs.pop("additional_checks", None)
            _validate(response, case, transport_kwargs=kwargs)

    # At most 10 scenarios: past a few dozen, Hypothesis reports the choice of calls as flaky.
    limits = {"max_examples": min(settings.default.max_examples, 10), "stateful_step_count": 6}
    run_state_machine_as_test(Scenario, settings=settings(**limits, **HYPOTHESIS_SETTINGS))

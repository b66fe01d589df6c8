"""Contract test: every operation in the OpenAPI schema, fed generated input, keeps its word.

Schemathesis reads the schema the project serves and sends the app (in-process, as a
signed-in staff user) requests generated from it in every phase it has: the schema's
examples, coverage (the boundaries of each input: the shortest and longest strings, the
smallest and largest numbers, missing fields, wrong types), fuzzing (random input), each of
them with valid and invalid data, and stateful sequences that follow the schema's links
(create an object, then read, change and delete it; log in, then refresh, sign out or
change the password with the answer's credentials).

Whatever the input, the API must never answer a server error; every status and answer must
be documented (``common.schema`` documents the errors); input the schema calls invalid must
be refused; input it calls valid must pass every rule a schema can state (types, formats,
lengths, bounds, patterns: the checks of DRF's and Django's own fields and validators). A
rule of the endpoint's own (a serializer's ``validate``, a validator the project wrote) may
still refuse it: no schema can state those. New endpoints are covered as soon as they
appear in the schema, with nothing to register or describe. The cases are the same on
every run, and the test prints how many it sent.
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

# The fuzzing phase draws as many random cases per operation and mode as the Hypothesis
# profile says: a few locally, more in CI (see the root conftest.py). The coverage phase adds
# a fixed set per input whatever the profile.

# Stateful scenarios (sequences of linked calls), and calls in each: as many scenarios as the
# profile's cases, but never more than 10. Past a few dozen, schemathesis' choice of the next
# call starts to depend on the calls made before it, which Hypothesis reports as flaky.
SCENARIOS = min(settings.default.max_examples, 10)
STEPS_PER_SCENARIO = 6

# Whose field classes' checks a schema states (a project's own fields state theirs in
# ``common.schema``, or not at all).
LIBRARIES = ("rest_framework.", "django.", "django_filters.")

# The same cases on every run: a red build always means a changed API, never bad luck.
HYPOTHESIS_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}

# Read when the tests are collected: spectacular builds the schema without the database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

# What the tests sent, by phase and by kind of data, for the summary printed at the end.
sent: Counter[tuple[str, str]] = Counter()
operations: set[str] = set()


# A real image for valid uploads: the schema can only say that a file is "binary".
IMAGE = image_upload().read()


def _subclasses(base: type) -> Iterator[type]:
    for subclass in base.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def _as_pattern(message: object) -> str:
    """Turn a message template (``{max_length}``, ``%(limit_value)s``) into a regex."""
    return re.sub(r"\\\{\w+\\\}|%\\\(\w+\\\)[sd]", ".+", re.escape(str(message)))


@cache
def stateable_rule() -> re.Pattern[str]:
    """Match the messages of the rules a schema states: DRF's and Django's own checks.

    Read from the libraries (the error messages of every field class loaded, DRF's
    serializers and relations with the URL configuration; every validator in
    ``django.core.validators``), not listed by hand. A project's own validators and
    ``validate`` methods are not among them.
    """
    messages = [
        message
        for field in [*_subclasses(fields.Field), *_subclasses(forms.Field)]
        if field.__module__.startswith(LIBRARIES)
        for message in getattr(field, "default_error_messages", {}).values()
    ]
    for validator in vars(validators).values():
        if isinstance(validator, type):
            by_code = getattr(validator, "messages", None)
            messages.append(getattr(validator, "message", None))
            messages += by_code.values() if isinstance(by_code, dict) else []
    patterns = (_as_pattern(message) for message in messages if isinstance(message, str | Promise))
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


def _messages(details: object) -> Iterator[str]:
    if isinstance(details, dict):
        details = list(details.values())
    if isinstance(details, list):
        for item in details:
            yield from _messages(item)
    else:
        yield str(details)


def input_passes_validation(ctx: Any, response: Any, case: schemathesis.Case) -> None:
    """Check that input the schema calls valid passes every rule a schema can state.

    It may still break a rule of the endpoint's own (a serializer's ``validate``) or a
    business rule (an unknown product, an order already shipped): the schema cannot know
    those in advance.
    """
    if not case.meta.generation.mode.is_positive or response.status_code != 400:
        return
    error = response.json()["error"]
    assert error["code"] != "parse_error", f"Valid input could not be parsed: {response.text}"
    if error["code"] != "validation_error":
        return
    stated = [
        message for message in _messages(error["details"]) if stateable_rule().fullmatch(message)
    ]
    assert not stated, f"Valid input refused by a rule the schema leaves out: {response.text}"


# The user the cases are sent as: each test's own staff user (see ``staff``).
signed_in: list[User] = []


@schema.auth(refresh_interval=None)
class SignedIn:
    """Send every case as the current test's user, the way a client signs its requests.

    Given as schemathesis auth, so the checks know the credentials and try each
    operation without them too.
    """

    def get(self, case: schemathesis.Case, context: Any) -> str | None:
        """Return the Authorization header of the test's user (none while collecting)."""
        return authorization_for(signed_in[-1]) if signed_in else None

    def set(self, case: schemathesis.Case, data: str, context: Any) -> None:
        """Put the header on the case."""
        case.headers = {**(case.headers or {}), "Authorization": data}


def _is_positive(case: schemathesis.Case) -> bool:
    """Tell whether the case is valid input.

    Schemathesis can fail to negate an upload's body (any bytes are "binary") and then
    sends it valid, described as valid ("Positive test case", "Valid object") but still
    marked negative.
    """
    data = case.meta.phase.data
    return (
        case.meta.generation.mode.is_positive
        or data.description == "Positive test case"
        or getattr(data, "scenario", None) == CoverageScenario.VALID_OBJECT
    )


def _is_file(value: object) -> bool:
    return isinstance(value, bytes) or isinstance(getattr(value, "data", None), bytes)


def _prepare(case: schemathesis.Case) -> None:
    """Sign the case in, count it, and send valid uploads as real images.

    The schema only says that an upload is "binary".
    """
    # The coverage phase builds its cases without the auth, and some cases are built
    # before their test starts (with the previous test's user, rolled back since). So
    # every case is signed in here, unless it leaves its credentials out on purpose.
    if not case.operation.schema.is_security_param_negated(case):
        schema.auth.set(case, AuthContext(operation=case.operation, app=None))
    operations.add(case.operation.label)
    sent[case.meta.phase.name, case.meta.generation.mode] += 1
    if _is_positive(case) and isinstance(case.body, dict):
        case.body = {name: IMAGE if _is_file(value) else value for name, value in case.body.items()}


# Operations whose credentials schemathesis has already checked (see ``_validate``).
auth_enforced: set[str] = set()


def _validate(response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
    """Run every check schemathesis has on the answer.

    After an operation's first success, schemathesis sends that request again without
    credentials and with wrong ones, which must be refused. Whether a view checks
    credentials does not depend on the input, so once per operation is enough (the
    schemathesis command line does the same); the other cases skip the two extra requests.
    """
    if _is_positive(case):
        case.meta.generation.mode = GenerationMode.POSITIVE
    # Replaced by ``input_passes_validation``: schema-valid input can break a rule.
    excluded = [positive_data_acceptance]
    if case.operation.label in auth_enforced:
        excluded.append(ignored_auth)
    case.validate_response(
        response,
        excluded_checks=excluded,
        additional_checks=[input_passes_validation],
        **kwargs,
    )
    if 200 <= response.status_code < 300:
        auth_enforced.add(case.operation.label)


@pytest.fixture(scope="module", autouse=True)
def _summary(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print what was sent once the module's tests are done (failures fail the tests)."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    by_phase = ", ".join(f"{phase} {mode}: {n}" for (phase, mode), n in sorted(sent.items()))
    failed = request.session.testsfailed
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(
            f"Contract test: {len(operations)} operations, {sum(sent.values())} cases "
            f"({by_phase}); failed tests so far: {failed}",
        )


@pytest.fixture(autouse=True)
def _unmeasured(cov: Any) -> Iterator[None]:
    """Leave the contract test out of the coverage figure.

    The coverage gate is earned by tests that assert what the code does; a line that a
    generated case happens to reach is not tested by it (the figure is the same without
    these cases). Tracing them also costs more than sending them: ``pytest --cov`` of the
    default project took 26 s of CPU with this fixture and 32 s without it (median of three
    runs each, 98.43% either way).
    """
    if cov is None:  # coverage is off (plain pytest, or --no-cov)
        yield
        return
    cov.stop()
    yield
    cov.start()


@pytest.fixture
def staff(db: None) -> User:
    """Return a staff user, who may call every operation of the schema, and sign in as it."""
    user = UserFactory(is_staff=True)
    signed_in.append(user)
    return user


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
@settings(**HYPOTHESIS_SETTINGS)
@pytest.mark.django_db
def test_every_operation_honours_the_schema(case: schemathesis.Case, staff: User) -> None:
    _prepare(case)
    _validate(case.call(), case)


def _session_answers(paths: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the answers that carry a session (logging in, ...), by operation."""
    return {
        f"{method.upper()} {path}": response
        for path, operations in paths.items()
        for method, operation in operations.items()
        for response in operation["responses"].values()
        if response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
        == SESSION_REFERENCE
    }


@pytest.mark.django_db
def test_linked_operations_honour_the_schema(staff: User) -> None:
    """Follow the schema's links: create objects, then read, change and delete them; from
    an answer that carries a session, use its credentials.

    The test first checks that no create operation lacks its links, and that every
    session leads to the account's operations (signing out everywhere, at least).
    """
    paths = schema.raw_schema["paths"]
    creates = [
        path
        for path, operations in paths.items()
        if "201" in operations.get("post", {}).get("responses", {})
        and any(other.startswith(path + DETAIL_SUFFIX) for other in paths)
    ]
    linked = [path for path in creates if "links" in paths[path]["post"]["responses"]["201"]]
    assert linked == creates, "common.schema links every create to the created object"
    sessions = _session_answers(paths)
    sign_out = paths[reverse("v1:auth-logout-all")]["post"]["operationId"]
    unlinked = [
        name for name, answer in sessions.items() if sign_out not in answer.get("links", {})
    ]
    assert sessions, "logging in answers a session"
    assert unlinked == [], "apps.users.schema links every session to the account's operations"

    class Scenario(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: schemathesis.Case) -> None:
            _prepare(case)

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            kwargs.pop("additional_checks", None)
            _validate(response, case, transport_kwargs=kwargs)

    run_state_machine_as_test(
        Scenario,
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS_PER_SCENARIO,
            **HYPOTHESIS_SETTINGS,
        ),
    )

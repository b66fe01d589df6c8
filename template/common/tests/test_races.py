"""No unique constraint reaches a service's caller as an ``IntegrityError`` (a 500).

Each app's ``tests/conflicts.py`` lists, for every unique field and unique constraint of its
models, how a service meets it: a concurrent request saving the same value between the
service's check and its write, or a caller that skips the serializers. Each must end in the
service's own error, with the surrounding transaction still usable. A new unique
constraint fails ``test_every_unique_constraint_has_its_conflicts`` until it is listed.
"""

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction

from apps.users.models import User
from apps.users.tests.factories import UserFactory
from common.exceptions import ServiceError
from common.services import recheck_on_conflict
from common.tests.races import Conflict, project_conflicts

CONFLICTS = project_conflicts()


def unique_constraints(model: type[models.Model]) -> set[str]:
    """Name the model's unique fields (its key aside), field sets and constraints."""
    names = {field.name for field in model._meta.fields if field.unique and not field.primary_key}
    names |= {", ".join(fields) for fields in model._meta.unique_together}
    names |= {
        constraint.name
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
    }
    return {f"{model._meta.label}.{name}" for name in names}


def test_every_unique_constraint_has_its_conflicts() -> None:
    project_models = [
        model
        for model in apps.get_models()
        if model.__module__.split(".")[0] in {"apps", "common"} and not model._meta.proxy
    ]
    constraints = set().union(*(unique_constraints(model) for model in project_models))
    listed = {conflict.constraint for conflict in CONFLICTS}

    assert not constraints - listed, (
        f"unique constraints no service is shown to meet: {sorted(constraints - listed)}; add a "
        "Conflict for each to CONFLICTS in its app's tests/conflicts.py (see common/tests/races.py)"
    )
    assert not listed - constraints, (
        f"conflicts listed for constraints that no longer exist: {sorted(listed - constraints)}; "
        "remove or rename them in the app's tests/conflicts.py"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "conflict",
    [pytest.param(conflict, id=conflict.meet.__name__) for conflict in CONFLICTS],
)
def test_the_service_answers_with_its_error_and_the_transaction_goes_on(
    conflict: Conflict,
) -> None:
    with transaction.atomic():
        earlier = UserFactory()

        with pytest.raises(ServiceError) as excinfo:
            conflict.meet()

        assert excinfo.value.code == conflict.code
        # Only the refused write was undone: the transaction still takes queries, and
        # what it wrote before is still there.
        assert User.objects.filter(pk=earlier.pk).exists()
    assert User.objects.filter(pk=earlier.pk).exists()


@pytest.mark.django_db
def test_an_integrity_error_the_check_does_not_explain_is_raised(user: User) -> None:
    with transaction.atomic():
        with pytest.raises(IntegrityError), recheck_on_conflict(check=lambda: None):
            UserFactory(email=user.email)

        assert User.objects.filter(email=user.email).count() == 1

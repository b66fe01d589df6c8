"""How the users' services meet their unique constraints (see ``common/tests/races.py``)."""

from apps.users.services import user_create
from apps.users.tests.factories import UserFactory
from common.tests.races import Conflict, check_misses_the_rival

PASSWORD = "s3cret-pass-for-tests"
EMAIL_CHECK = "apps.users.services.user_get_by_email"


def user_created_after_a_rival() -> object:
    UserFactory(email="ada@example.com")
    with check_misses_the_rival(EMAIL_CHECK, free=None):
        return user_create(email="ada@example.com", password=PASSWORD)


def user_created_after_a_rival_in_another_spelling() -> object:
    # The column holds canonical addresses only, so its own index refuses this one too.
    UserFactory(email="ADA@example.com")
    with check_misses_the_rival(EMAIL_CHECK, free=None):
        return user_create(email="ada@\uff45xample.com", password=PASSWORD)


CONFLICTS = [
    Conflict("users.User.email", "email_taken", user_created_after_a_rival),
    Conflict("users.User.email", "email_taken", user_created_after_a_rival_in_another_spelling),
]

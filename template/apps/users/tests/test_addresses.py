"""One canonical e-mail: every spelling of an address meets the same account everywhere.

The spellings are the ones that once slipped between the parts of the project: NFKC
(Django's ``clean()``) against the address as typed, and Python's ``lower()`` against the
database's ``UPPER()``. Each is tried at registration, at the database's unique index, at
login and in the login throttle's key.
"""

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.users.addresses import canonical_email
from apps.users.models import User
from apps.users.selectors import user_get_by_email
from apps.users.services import EMAIL_TAKEN_CODE, user_create, user_register
from apps.users.tests.factories import UserFactory
from apps.users.throttling import AdminLoginAccountThrottle, LoginAccountThrottle
from common.exceptions import ConflictError

PASSWORD = UserFactory.PASSWORD
IDN = "bob@b\u00fccher.example"
# (registered address, another spelling of the same address)
SPELLINGS = [
    pytest.param("bob@example.com", "bob@\uff45xample.com", id="fullwidth-e"),
    pytest.param("missis@example.com", "mi\u017fsis@example.com", id="long-s"),
    pytest.param("kelvin@example.com", "\u212aelvin@example.com", id="kelvin-sign"),
    pytest.param(IDN, "bob@bu\u0308cher.example", id="nfd-idn"),
    pytest.param(IDN, "bob@xn--bcher-kva.example", id="punycode-idn"),
    pytest.param("bob@example.com", " BOB@Example.COM ", id="case-and-space"),
]
# A different letter, and so a different address and account: the dotless i.
DOTLESS = ("missis@example.com", "m\u0131ssis@example.com")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("bob@\uff45xample.com", "bob@example.com"),
        ("mi\u017fsis@example.com", "missis@example.com"),
        ("\u212aelvin@example.com", "kelvin@example.com"),
        ("bob@bu\u0308cher.example", IDN),
        ("bob@xn--bcher-kva.example", IDN),
        ("Bob@B\u00dcCHER.Example", IDN),
        ("bob@example\u3002com", "bob@example.com"),
        ("m\u0131ssis@example.com", "m\u0131ssis@example.com"),
        ("stra\u00dfe@example.com", "strasse@example.com"),
        ("no-at-sign", "no-at-sign"),
        ("a\ud800@example.com", "a\ud800@example.com"),
    ],
)
def test_canonical_email(address: str, expected: str) -> None:
    assert canonical_email(address) == expected
    assert canonical_email(expected) == expected


@pytest.mark.django_db
class TestOneAccountPerAddress:
    @pytest.mark.parametrize(("address", "spelling"), SPELLINGS)
    def test_registration_and_the_database_refuse_another_spelling(
        self, address: str, spelling: str
    ) -> None:
        user = user_create(email=address, password=PASSWORD)

        with pytest.raises(ConflictError) as excinfo:
            user_create(email=spelling, password=PASSWORD)
        # A sign-up gets the answer a free address gets (its owner is warned by mail).
        assert user_register(email=spelling, password=PASSWORD) is None
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create(email=spelling)

        assert excinfo.value.code == EMAIL_TAKEN_CODE
        assert list(User.objects.all()) == [user]

    @pytest.mark.parametrize(("address", "spelling"), SPELLINGS)
    def test_login_and_lookup_find_the_account(self, address: str, spelling: str) -> None:
        user = UserFactory(email=address)

        assert user_get_by_email(email=spelling) == user
        assert authenticate(username=spelling, password=PASSWORD) == user

    def test_the_dotless_i_is_another_address(self) -> None:
        address, spelling = DOTLESS
        user = UserFactory(email=address)

        assert user_get_by_email(email=spelling) is None
        assert authenticate(username=spelling, password=PASSWORD) is None
        assert user_create(email=spelling, password=PASSWORD) != user


@pytest.mark.parametrize(
    ("address", "spelling"), [*SPELLINGS, pytest.param(*DOTLESS, id="dotless-i")]
)
def test_the_login_throttles_key_an_address_as_the_login_finds_it(
    address: str, spelling: str
) -> None:
    factory = APIRequestFactory()
    throttle = LoginAccountThrottle()

    def key(email: str) -> str | None:
        request = factory.post("/", {"email": email}, format="json")
        return throttle.get_cache_key(Request(request, parsers=[JSONParser()]), view=None)

    same_account = canonical_email(address) == canonical_email(spelling)
    assert (key(address) == key(spelling)) is same_account
    admin_request = factory.post("/", {"username": spelling}, format="multipart")
    assert AdminLoginAccountThrottle().get_cache_key(admin_request, view=None) == key(spelling)

"""One canonical e-mail: every spelling of an address meets the same account everywhere.

The spellings are the ones that once slipped between the parts of the project: NFKC
(Django's ``clean()``) against the address as typed, and Python's ``lower()`` against the
database's ``UPPER()``.
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


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("Bob@B\u00dcCHER.Example", IDN),
        ("bob@example\u3002com", "bob@example.com"),
        ("m\u0131ssis@example.com", "m\u0131ssis@example.com"),
        ("stra\u00dfe@example.com", "strasse@example.com"),
        ("no-at-sign", "no-at-sign"),
        ("a\ud800@example.com", "a\ud800@example.com"),
        # A label over 63 characters, which IDNA refuses: the domain is folded as it is.
        ("Bob@" + "X" * 64 + ".example", "bob@" + "x" * 64 + ".example"),
    ],
)
def test_canonical_email(address: str, expected: str) -> None:
    assert canonical_email(address) == expected
    assert canonical_email(expected) == expected


def throttle_key(email: str) -> str | None:
    request = APIRequestFactory().post("/", {"email": email}, format="json")
    key = LoginAccountThrottle().get_cache_key(Request(request, parsers=[JSONParser()]), None)
    admin_request = APIRequestFactory().post("/", {"username": email}, format="multipart")
    assert AdminLoginAccountThrottle().get_cache_key(admin_request, view=None) == key
    return key


@pytest.mark.django_db
@pytest.mark.parametrize(("address", "spelling"), SPELLINGS)
def test_every_spelling_meets_the_one_account(address: str, spelling: str) -> None:
    user = UserFactory(email=address)
    assert canonical_email(spelling) == user.email
    assert user_get_by_email(email=spelling) == user
    assert authenticate(username=spelling, password=PASSWORD) == user
    assert throttle_key(spelling) == throttle_key(address)
    with pytest.raises(ConflictError) as excinfo:
        user_create(email=spelling, password=PASSWORD)
    assert excinfo.value.code == EMAIL_TAKEN_CODE
    # A sign-up gets the answer a free address gets (its owner is warned by mail).
    assert user_register(email=spelling, password=PASSWORD) is None
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email=spelling)
    assert list(User.objects.all()) == [user]


@pytest.mark.django_db
def test_the_dotless_i_is_another_address() -> None:
    # A different letter, which mail servers deliver elsewhere: another address and account.
    address, spelling = "missis@example.com", "m\u0131ssis@example.com"
    user = UserFactory(email=address)
    assert user_get_by_email(email=spelling) is None
    assert authenticate(username=spelling, password=PASSWORD) is None
    assert throttle_key(spelling) != throttle_key(address)
    # The throttle's cache holds no address, only a keyed hash of it.
    assert "missis" not in throttle_key(address)
    assert user_create(email=spelling, password=PASSWORD) != user

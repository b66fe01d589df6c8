"""Factories for the users app."""

import factory
from factory.django import DjangoModelFactory

from apps.users.models import User

# The longest address taken (254 characters, as RFC 5321 allows), valid in every part.
LONGEST_EMAIL = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 61}"


class UserFactory(DjangoModelFactory):
    """A saved, active user with a verified address and a known password."""

    # The longest password taken (128 characters), with spaces at both ends that no layer
    # may trim: every sign-in of the suite proves both.
    PASSWORD = f" {'correct-horse-battery-staple' * 5:.126} "

    class Meta:
        model = User
        exclude = ("PASSWORD",)  # for tests to log in with, not a model field
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    email_verified = True
    # Past the small integers CPython shares: a check comparing generations by identity
    # (``is``) instead of value fails with these users.
    session_generation = 1000
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone_number = factory.Faker("numerify", text="+1##########")
    password = factory.django.Password(PASSWORD)

from django.apps import AppConfig


class UsersConfig(AppConfig):
    """Accounts: the custom user model, registration and the profile endpoints."""

    name = "apps.users"
    label = "users"

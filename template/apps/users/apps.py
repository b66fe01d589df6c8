from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class UsersConfig(AppConfig):
    """Accounts: the custom user model, registration and the profile endpoints."""

    name = "apps.users"
    label = "users"


class GuardedAdminConfig(admin_apps.AdminConfig):
    """Django's admin, served by the site whose login is throttled (``admin_site``)."""

    # Not the users app's own configuration: that stays UsersConfig.
    default = False
    default_site = "apps.users.admin_site.GuardedAdminSite"

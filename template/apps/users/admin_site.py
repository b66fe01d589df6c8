"""The admin site, with its login form throttled as the API's login is.

Django's admin login has no limit of its own: a password could be guessed there without
end, past both of the API's login throttles. Here each attempt is counted by the same two
throttles, in the same budgets: per client (the ``auth`` scope) and per account
(``login_account``). An attempt over either is refused before the password is checked,
with a 429, a ``Retry-After`` header and the login form saying when to try again.

The admin's path (``DJANGO_ADMIN_URL``) and whether it is served at all
(``DJANGO_ADMIN_ENABLED``) are settings: see ``config/urls.py``.
"""

import math
from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from apps.users.throttling import AdminLoginAccountThrottle, AdminLoginClientThrottle


def login_throttle_wait(request: HttpRequest) -> int | None:
    """Count a login attempt; return the seconds to wait if it is one too many, else None."""
    throttles = (AdminLoginClientThrottle(), AdminLoginAccountThrottle())
    # Every throttle counts the attempt it allows, as DRF's views do.
    refused = [throttle for throttle in throttles if not throttle.allow_request(request, None)]
    if not refused:
        return None
    return math.ceil(max(throttle.wait() or 0 for throttle in refused))


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, refusing an attempt over the login throttles' rates."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _("Too many login attempts. Try again in %(wait)d seconds."),
    }

    def clean(self) -> dict[str, Any]:
        """Refuse an attempt over the rates, unchecked; else authenticate as Django's form does."""
        wait = login_throttle_wait(self.request)
        if wait is not None:
            self.request.login_throttle_wait = wait  # type: ignore[union-attr]
            raise ValidationError(
                self.error_messages["throttled"], code="throttled", params={"wait": wait}
            )
        return super().clean()


class GuardedAdminSite(admin.AdminSite):
    """Django's admin site; its login form is throttled, and a refusal is a 429."""

    login_form = ThrottledAdminAuthenticationForm

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Show or process the login form; answer 429 when the attempt was throttled."""
        response = super().login(request, extra_context)
        wait = getattr(request, "login_throttle_wait", None)
        if wait is not None:
            response.status_code = 429
            response["Retry-After"] = str(wait)
        return response

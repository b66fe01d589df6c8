"""The user admin, keyed on e-mail instead of username, writing through the services."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.users.models import User
from apps.users.selectors import user_get
from apps.users.services import (
    user_create,
    user_end_sessions,
    user_set_avatar,
    user_update_by_staff,
)
from common.admin import ServiceAdmin
from common.exceptions import NotFoundError

USER_GONE = "This user was deleted meanwhile."

# What staff edit on a user's page besides the avatar, groups and permissions.
STAFF_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "phone_number",
    "is_active",
    "is_staff",
    "is_superuser",
)


class PasswordChangeForm(AdminPasswordChangeForm):
    """Django's form for setting a user's password, ending their sessions like the API."""

    def save(self, commit: bool = True) -> User:  # noqa: FBT001, FBT002 (Django's signature)
        """Set the password, then end every session of the user (tokens included)."""
        user = super().save(commit=commit)
        if commit:
            user_end_sessions(user=user)
        return user


@admin.register(User)
class UserAdmin(ServiceAdmin, DjangoUserAdmin):
    """The user admin, keyed on e-mail instead of username.

    Users are added by ``user_create`` and changed by ``user_update_by_staff`` and
    ``user_set_avatar`` (see ``common.admin.ServiceAdmin``); groups and permissions are
    saved by the form, after the user. A password is changed on Django's own page, whose
    form ends the user's sessions as a change through the API does.
    """

    change_password_form = PasswordChangeForm

    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "phone_number", "avatar")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(
        self,
        request: HttpRequest,
        obj: User,
        form: forms.ModelForm,
        change: bool,  # noqa: FBT001 (Django's signature)
    ) -> None:
        """Add or change the user through the services.

        ``obj`` holds the form's values, not yet saved; once added, it takes the new row's
        key, which the admin's log entry and redirect use. A change works on the user as
        stored, so ``user_set_avatar`` still knows which file to delete.
        """
        if not change:
            data = form.cleaned_data
            obj.pk = user_create(email=data["email"], password=data["password1"]).pk
            return
        user = user_get(user_id=obj.pk)
        if user is None:
            raise NotFoundError(USER_GONE)
        user_update_by_staff(
            user=user, **{field: form.cleaned_data[field] for field in STAFF_FIELDS}
        )
        if "avatar" in form.changed_data:
            user_set_avatar(user=user, avatar=form.cleaned_data["avatar"] or None)

"""Every admin page that writes does so through the services (see ``common.admin``)."""

import inspect

from django.contrib import admin
from django.test import RequestFactory

from apps.users.models import User
from common.admin import ServiceAdmin


def writes(model_admin: admin.ModelAdmin) -> bool:
    """Tell whether a superuser may add rows on the admin's pages or change a field."""
    request = RequestFactory().get("/")
    request.user = User(is_staff=True, is_superuser=True)
    model = model_admin.model
    can_add = model_admin.has_add_permission(request) and model_admin.get_form(request).base_fields
    can_change = (
        model_admin.has_change_permission(request)
        and model_admin.get_form(request, model(), change=True).base_fields
    )
    return bool(can_add or can_change)


def calls_a_service(model_admin: admin.ModelAdmin) -> bool:
    """Tell whether the admin's ``save_model`` is its own and calls a ``services`` function."""
    save_model = type(model_admin).save_model
    if save_model in (admin.ModelAdmin.save_model, ServiceAdmin.save_model):
        return False
    called = (save_model.__globals__.get(name) for name in save_model.__code__.co_names)
    return any(inspect.isfunction(obj) and obj.__module__.endswith("services") for obj in called)


def test_admin_pages_that_write_save_through_the_services() -> None:
    project = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model.__module__.split(".")[0] in {"apps", "common"}
    ]
    offenders = [
        type(model_admin).__qualname__
        for model_admin in project
        if writes(model_admin)
        and not (isinstance(model_admin, ServiceAdmin) and calls_a_service(model_admin))
    ]

    assert User in {model_admin.model for model_admin in project}
    assert not offenders, (
        "These admins write without a service: derive them from common.admin.ServiceAdmin "
        f"and call the services in save_model: {offenders}"
    )

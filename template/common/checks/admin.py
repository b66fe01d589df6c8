"""Conventions for the admin: its pages write through the services, as the API does."""

import inspect
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core import checks
from django.http import HttpRequest

from common.admin import ServiceAdmin
from common.checks.base import Rule, dotted, is_project_code, project_models, where

ADMIN_SERVICE = Rule(
    "E030",
    "admin pages that add or change rows save through the services",
    "Derive the admin from common.admin.ServiceAdmin and call the service in save_model; "
    "for an inline, make it read-only or call the service in the admin's save_formset.",
)


def superuser_request() -> HttpRequest:
    """Return a request by a superuser who is never saved: who may do anything on a page."""
    request = HttpRequest()
    request.method = "GET"
    request.user = get_user_model()(is_staff=True, is_superuser=True)
    return request


def writes(model_admin: admin.ModelAdmin, request: HttpRequest) -> bool:
    """Tell whether a superuser may add rows or change a field on the admin's pages."""
    add_form = model_admin.get_form(request)
    change_form = model_admin.get_form(request, model_admin.model(), change=True)
    return bool(
        (model_admin.has_add_permission(request) and add_form.base_fields)
        or (model_admin.has_change_permission(request) and change_form.base_fields),
    )


def calls_a_service(method: Any) -> bool:
    """Tell whether a method written in the project calls a function of a services module.

    The names the method's code loads are looked up in its module, so a service imported
    under another name, or its module imported whole (``services.order_create``), counts.
    """
    if not is_project_code(method):
        return False
    called = [method.__globals__.get(name) for name in method.__code__.co_names]
    called += [
        getattr(module, name, None)
        for module in called
        if inspect.ismodule(module)
        for name in method.__code__.co_names
    ]
    return any(inspect.isfunction(obj) and obj.__module__.endswith("services") for obj in called)


def editable_inlines(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
) -> list[admin.options.InlineModelAdmin]:
    """Return the inlines on which a superuser may add, change or delete rows of an object.

    Their formsets save the rows themselves (``save_formset``), past any service.
    """
    obj = model_admin.model()
    found = []
    for inline in model_admin.get_inline_instances(request, obj):
        fields = inline.get_formset(request, obj).form.base_fields
        if (
            (inline.has_add_permission(request, obj) and fields)
            or (inline.has_change_permission(request, obj) and fields)
            or (inline.can_delete and inline.has_delete_permission(request, obj))
        ):
            found.append(inline)
    return found


@checks.register(checks.Tags.admin)
def check_admin(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check that the admin pages of the project's models write through its services."""
    messages: list[checks.CheckMessage] = []
    request = superuser_request()
    for model in project_models():
        if not admin.site.is_registered(model):
            continue
        model_admin = admin.site.get_model_admin(model)
        label, name, place = model._meta.label, type(model_admin).__name__, where(type(model_admin))
        saves_through_a_service = isinstance(model_admin, ServiceAdmin) and calls_a_service(
            type(model_admin).save_model,
        )
        if writes(model_admin, request) and not saves_through_a_service:
            messages += ADMIN_SERVICE(
                place, f"{name} adds or changes {label} rows without a service"
            )
        if not calls_a_service(type(model_admin).save_formset):
            for inline in editable_inlines(model_admin, request):
                messages += ADMIN_SERVICE(
                    place,
                    f"{name}'s inline {dotted(type(inline))} edits "
                    f"{inline.model._meta.label} rows directly (no service in save_formset)",
                )
    return messages

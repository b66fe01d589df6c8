"""The base of the admin pages that write: they save through the services, as the API does."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse

from common.exceptions import ServiceError


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose ``save_model`` calls a service; a refusal is a form error.

    Subclasses write ``save_model`` with the service's create or update call, so staff meet
    the rules the API meets. The form checks first what it can (its own unique checks, the
    services' selectors in ``clean_*``), so a refusal usually shows before anything is
    written. What the form cannot see is a concurrent request taking a unique value between
    its check and the write: the service then raises ``ServiceError`` from ``save_model``,
    where the admin has no way to show an error and would answer a 500. A service that
    validates what the form cannot (an upload's content, say) raises Django's
    ``ValidationError`` there too. So ``changeform_view`` catches both: the view's
    transaction has been rolled back, nothing was written, and the page is built again from
    the same POST with the service's message as the form's error, shown like any other
    validation error.
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Show the form again, with the service's message, when the service refuses."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ServiceError, ValidationError) as error:
            request.service_error = error  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self,
        request: HttpRequest,
        obj: models.Model | None = None,
        **kwargs: Any,
    ) -> type[forms.ModelForm]:
        """Return the page's form; after a refused write, one that shows the refusal."""
        form = super().get_form(request, obj, **kwargs)
        error = getattr(request, "service_error", None)
        if error is None:
            return form
        return type(form.__name__, (RefusedFormMixin, form), {"service_error": error})


class RefusedFormMixin(forms.ModelForm):
    """A form that is invalid with the service's message, if nothing else made it so.

    Its own checks usually see the conflict by now (the other request has committed its
    row) and name the field; the service's message is added only when they do not.
    """

    service_error: ServiceError | ValidationError

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors:
            return
        error = self.service_error
        if isinstance(error, ValidationError):
            has_fields = hasattr(error, "error_dict")
            by_field = error.message_dict if has_fields else {"": error.messages}
            for name, field_messages in by_field.items():
                self.add_error(name if name in self.fields else None, field_messages)
            return
        field = next((name for name in error.details if name in self.fields), None)
        self.add_error(field, error.message)

"""Permissions shared by the apps."""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class IsOwner(BasePermission):
    """Allow access only to objects the requesting user owns.

    The owner is read from the attribute named by the view's ``owner_field``
    (``"user"`` by default).
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        """Require an authenticated user before any object is looked up."""
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        """Compare the object's owner with the requesting user."""
        owner_field = getattr(view, "owner_field", "user")
        return getattr(obj, f"{owner_field}_id", None) == request.user.pk


class IsAdminOrReadOnly(BasePermission):
    """Anyone may read; only staff may write."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        """Let safe methods through; require staff for the others."""
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_staff)

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        """Apply the same rule to single objects."""
        return self.has_permission(request, view)

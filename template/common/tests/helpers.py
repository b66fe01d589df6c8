"""Assertions shared by the API tests of every app."""

from rest_framework.response import Response


def assert_error(response: Response, status_code: int, code: str) -> None:
    """Check the status and that the body is the error envelope with ``code``."""
    assert response.status_code == status_code, response.data
    assert set(response.data) == {"error"}
    assert set(response.data["error"]) == {"code", "message", "details"}
    assert response.data["error"]["code"] == code

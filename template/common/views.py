"""Views that belong to no app: the health checks.

Two probes, two questions. Liveness (``/api/health/live/``): is this process able to answer
at all? It touches neither the database nor Redis, so an outage of either does not make an
orchestrator restart every pod at once (restarts cannot fix a database). Readiness
(``/api/health/``): should this process get traffic now? It checks the database and the
cache, and fails as soon as the process begins to shut down.
"""

import logging

from django.core.cache import cache
from django.db import DatabaseError, connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.shutdown import shutting_down

logger = logging.getLogger(__name__)

HEALTH_CACHE_KEY = "health-check"


def log_failed_check(check: str, exc: Exception) -> None:
    """Log one line naming the failed check and the error, without a traceback.

    Probes come every few seconds: a traceback each time would bury every other log line,
    and it says nothing the error's own message does not.
    """
    reason = " ".join(str(exc).split()) or "no message"
    logger.error("Health check failed: %s unavailable (%s: %s)", check, type(exc).__name__, reason)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        log_failed_check("database", exc)
        return False
    return True


def _cache_ok() -> bool:
    try:
        cache.set(HEALTH_CACHE_KEY, "ok", timeout=5)
        return cache.get(HEALTH_CACHE_KEY) == "ok"
    except Exception as exc:  # noqa: BLE001
        # Cache backends raise their client's own errors (redis.ConnectionError, ...).
        log_failed_check("cache", exc)
        return False


# Load balancers probe every few seconds: throttled, the app would be taken out of service.
# Probes ask one fixed URL, whatever the API version.
class HealthView(APIView):  # conventions: allow E011 E016 -- probes
    """Report whether this process should get traffic; for load balancers and probes.

    ``HealthView.as_view(liveness=True)`` is the liveness probe: it only proves that a
    worker answers.
    """

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()
    liveness = False

    @extend_schema(
        summary="Health check",
        tags=["health"],
        responses={
            (200, "application/json"): inline_serializer(
                name="Health",
                fields={
                    "status": serializers.CharField(),
                    "checks": serializers.DictField(child=serializers.CharField()),
                },
            ),
        },
    )
    def get(self, request: Request) -> Response:
        """Check each dependency (none for liveness); answer 503 if any fails."""
        if self.liveness:
            checks = {}
        elif shutting_down():
            # Stopping: the database answering changes nothing, so it is not asked.
            checks = {"shutdown": "in progress"}
        else:
            checks = {
                "database": "ok" if _database_ok() else "unavailable",
                "cache": "ok" if _cache_ok() else "unavailable",
            }
        healthy = all(value == "ok" for value in checks.values())
        return Response(
            {"status": "ok" if healthy else "unavailable", "checks": checks},
            status=status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE,
        )

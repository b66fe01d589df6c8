"""Throughput of the generated order list under gunicorn on PostgreSQL, against a ceiling.

Renders the default project, seeds PostgreSQL with ``--orders`` orders (3 items each) for
one user, serves it with gunicorn (production settings, ``--workers`` workers), and for a
fixed time sends requests from ``--clients`` threads to:

- ``/api/v1/orders/?page_size=100``: the generated ViewSet (JWT auth, filters, pagination,
  selector with prefetches and the item-count subquery, nested serializers);
- ``/bench/orders/``: a hand-written Django view returning the same page's JSON from one
  ``.values()`` query plus the items, no DRF: the ceiling for this stack;
- ``/api/health/``: database + cache round trip, no auth.

Prints requests/s and latency percentiles for each. Needs PostgreSQL and Redis on
127.0.0.1 (as the template's service tests do).
Usage: python bench/api_throughput.py [--orders 20000] [--seconds 10] [--clients 4]
"""

from __future__ import annotations

import argparse
import http
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432"

BENCH_URLS = '''
"""URLs of the benchmark: the project's own, plus a hand-written ceiling view."""

from django.http import JsonResponse
from django.urls import include, path

from apps.orders.models import Order, OrderItem


def orders_ceiling(request):
    user_id = request.GET["user"]
    orders = list(
        Order.objects.filter(user_id=user_id)
        .order_by("-created_at")
        .values("id", "status", "total_amount", "notes", "created_at")[:100]
    )
    items = OrderItem.objects.filter(order_id__in=[o["id"] for o in orders]).values(
        "order_id", "product_id", "product__name", "quantity", "unit_price"
    )
    by_order = {}
    for item in items:
        by_order.setdefault(item["order_id"], []).append(item)
    for order in orders:
        order["items"] = by_order.get(order["id"], [])
        order["item_count"] = len(order["items"])
    count = Order.objects.filter(user_id=user_id).count()
    return JsonResponse({"count": count, "results": orders}, json_dumps_params={"default": str})


urlpatterns = [
    path("bench/orders/", orders_ceiling),
    path("", include("config.urls")),
]
'''

BENCH_SETTINGS = """
from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = []  # noqa: F405
"""

SEED = """
import random
from decimal import Decimal
from django.contrib.auth import get_user_model
from apps.orders.models import Order, OrderItem, Product

User = get_user_model()
user = User.objects.create_user(email="bench@example.com", password="bench-password-1")
products = Product.objects.bulk_create(
    [Product(name=f"Product {n}", sku=f"SKU-{n}", price=Decimal("9.99")) for n in range(50)]
)
orders = Order.objects.bulk_create(
    [Order(user=user, total_amount=Decimal("29.97")) for _ in range(ORDERS)], batch_size=2000
)
OrderItem.objects.bulk_create(
    [
        OrderItem(order=order, product=product, quantity=1, unit_price=Decimal("9.99"))
        for order in orders
        for product in random.sample(products, 3)
    ],
    batch_size=5000,
)
print(user.pk)
"""


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(project: Path, env: dict[str, str], *args: str) -> str:
    """Run ``python <args>`` in the project and return its output."""
    result = subprocess.run(
        [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def load(port: int, path: str, headers: dict[str, str], seconds: float, clients: int) -> None:
    """Send requests from ``clients`` threads for ``seconds``; print throughput and latency."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            # gunicorn's sync workers close the connection after each response.
            start = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                errors += response.status != http.HTTPStatus.OK

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"{path:40} {len(latencies) / wall:8.1f} req/s   p50 {quantiles[49] * 1000:6.1f} ms   "
        f"p95 {quantiles[94] * 1000:6.1f} ms   non-200: {errors}"
    )


def main() -> int:
    """Render, seed, serve and measure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    database = f"drf_bench_{uuid.uuid4().hex[:8]}"
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        project = Path(workdir) / "project"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "copier",
                "copy",
                "--trust",
                "--defaults",
                "--skip-tasks",
                "--quiet",
                "--vcs-ref",
                "HEAD",
                "--data",
                "project_name=Bench API",
                "--data",
                "run_setup=false",
                str(TEMPLATE_ROOT),
                str(project),
            ],
            check=True,
        )
        (project / "bench_urls.py").write_text(BENCH_URLS)
        (project / "bench_settings.py").write_text(BENCH_SETTINGS)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"{POSTGRES}/{database}",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "REDIS_URL": "redis://127.0.0.1:6379/14",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database], check=True)
        server = None
        try:
            run(project, env, "manage.py", "migrate", "--noinput")
            seed = SEED.replace("ORDERS", str(args.orders))
            # The shell prints a line about its automatic imports before the user's id.
            user_id = run(project, env, "manage.py", "shell", "-c", seed).splitlines()[-1]
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--config",
                    "config/gunicorn.py",
                ],
                cwd=project,
                stdout=subprocess.DEVNULL,
                env={
                    **env,
                    "PORT": str(port),
                    "WEB_CONCURRENCY": str(args.workers),
                    "GUNICORN_LOG_LEVEL": "warning",
                },
            )
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            body = json.dumps({"email": "bench@example.com", "password": "bench-password-1"})
            connection.request(
                "POST", "/api/v1/auth/login/", body, {"Content-Type": "application/json"}
            )
            response = connection.getresponse()
            token = json.loads(response.read())["access"]
            auth = {"Authorization": f"Bearer {token}"}
            print(
                f"{args.orders} orders x 3 items, page of 100, gunicorn {args.workers} workers, "
                f"{args.clients} clients, {args.seconds:.0f} s each"
            )
            load(port, "/api/v1/orders/?page_size=100", auth, args.seconds, args.clients)
            load(port, f"/bench/orders/?user={user_id}", {}, args.seconds, args.clients)
            load(port, "/api/health/", {}, args.seconds, args.clients)
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", database], check=False
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

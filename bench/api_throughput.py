"""Throughput of the generated API under gunicorn on PostgreSQL, against hand-written views.

Renders the default project, seeds PostgreSQL with ``--orders`` orders of 3 items for one
user and ``--products`` products, runs ``VACUUM ANALYZE`` (so the planner has statistics
even where autovacuum is off), and serves it with gunicorn (production settings,
``--workers`` sync workers). The load comes from ``wrk`` (a separate process, ``--latency``),
authenticated as the seeded user with the project's own token.

Each endpoint is measured against a like-for-like baseline served by the same gunicorn:
a hand-written Django view (no DRF) that authenticates the same token with the same
authentication class, answers the same pagination envelope (``count``, ``next``,
``previous``, ``results``) and the same fields, byte for byte. The script checks that
before measuring: the two bodies must be equal JSON (pagination links compared with the
baseline's path swapped for the API's; ids and timestamps masked for create) and the
table shows both sizes. The baseline views and their URL module are written into the
rendered copy only.

Endpoints: the orders list at page sizes 20 and 100, one order, placing an order (POST)
and the products list (page of 100); ``--only NAME`` keeps the endpoints whose name contains
NAME. The orders lists are also served by the template's former hand-built read path
(``HAND_BUILT_VIEWS``, written into the rendered copy only), checked for the same body and
measured in the same rounds, against the same baseline. Each endpoint's servers run
``--rounds`` times, one after the other; the table shows the median of the rounds, and the
median of the rounds' ratios to the baseline. Queries per request are counted
once per endpoint, in-process with Django's test client against the same database.

Needs PostgreSQL and Redis on 127.0.0.1 (as the template's service tests do) and ``wrk``.
Usage: python bench/api_throughput.py [--orders 20000] [--seconds 5] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432"

BASELINE_VIEWS = '''
"""Hand-written baselines: the JSON of the API's endpoints, with Django alone."""

import json
import uuid
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.settings import api_settings

from apps.orders.models import Order, OrderItem, Product

# The token authentication the API uses (JWT or DRF's token), on the plain request.
AUTHENTICATION = api_settings.DEFAULT_AUTHENTICATION_CLASSES[0]()
ORDER_COLUMNS = (
    "id", "status", "total_amount", "notes", "cancellation_reason", "created_at", "updated_at"
)
ITEM_COLUMNS = ("order_id", "id", "product_id", "product__name", "product__sku", "quantity",
                "unit_price")
PRODUCT_COLUMNS = ("id", "name", "sku", "description", "price", "is_active", "created_at")
STATUS_LABELS = dict(Order.Status.choices)


def respond(data, status=200):
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body, status=status, content_type="application/json")


def utc(value):
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def authenticate(request):
    found = AUTHENTICATION.authenticate(request)
    return None if found is None else found[0]


def link(request, number):
    scheme, netloc, path, query, fragment = urlsplit(request.build_absolute_uri())
    params = dict(parse_qsl(query, keep_blank_values=True))
    params.pop("page", None)
    if number > 1:
        params["page"] = str(number)
    return urlunsplit((scheme, netloc, path, urlencode(sorted(params.items())), fragment))


def page(request, rows, count_rows, represent):
    size = min(int(request.GET.get("page_size", 20)), 100)
    number = int(request.GET.get("page", 1))
    count = count_rows.count()
    start = (number - 1) * size
    return respond({
        "count": count,
        "next": link(request, number + 1) if start + size < count else None,
        "previous": link(request, number - 1) if number > 1 else None,
        "results": represent(list(rows[start:start + size])),
    })


def orders_shown(rows, email):
    lines = {}
    items = OrderItem.objects.filter(order_id__in=[row[0] for row in rows]).order_by("created_at")
    for order_id, pk, product_id, name, sku, quantity, unit_price in items.values_list(
        *ITEM_COLUMNS
    ):
        lines.setdefault(order_id, []).append({
            "id": str(pk),
            "product": {"id": str(product_id), "name": name, "sku": sku},
            "quantity": quantity,
            "unit_price": str(unit_price),
            "line_total": str(unit_price * quantity),
        })
    shown = []
    for pk, status, total, notes, reason, created_at, updated_at in rows:
        order_lines = lines.get(pk, [])
        shown.append({
            "id": str(pk),
            "user_email": email,
            "status": status,
            "status_display": STATUS_LABELS[status],
            "total_amount": str(total),
            "notes": notes,
            "cancellation_reason": reason,
            "item_count": len(order_lines),
            "items": order_lines,
            "created_at": utc(created_at),
            "updated_at": utc(updated_at),
        })
    return shown


def products_shown(rows):
    return [
        {
            "id": str(pk),
            "name": name,
            "sku": sku,
            "description": description,
            "price": str(price),
            "is_active": is_active,
            "created_at": utc(created_at),
        }
        for pk, name, sku, description, price, is_active, created_at in rows
    ]


def unauthorized():
    return respond({"detail": "Authentication credentials were not provided."}, status=401)


def refused(message):
    return respond({"detail": message}, status=400)


@csrf_exempt
def orders(request):
    user = authenticate(request)
    if user is None:
        return unauthorized()
    if request.method == "POST":
        return place_order(request, user)
    mine = Order.objects.filter(user=user)
    rows = mine.order_by("-created_at").values_list(*ORDER_COLUMNS)
    return page(request, rows, mine, lambda rows: orders_shown(rows, user.email))


def order(request, pk):
    user = authenticate(request)
    if user is None:
        return unauthorized()
    rows = list(Order.objects.filter(user=user, pk=pk).values_list(*ORDER_COLUMNS))
    if not rows:
        return respond({"detail": "Not found."}, status=404)
    return respond(orders_shown(rows, user.email)[0])


def place_order(request, user):
    try:
        data = json.loads(request.body)
        items = data["items"]
        notes = data.get("notes", "")
        quantities = {uuid.UUID(item["product_id"]): item["quantity"] for item in items}
    except (ValueError, KeyError, TypeError, AttributeError):
        return refused("Malformed order.")
    if not 1 <= len(items) <= 50 or len(quantities) != len(items):
        return refused("Between 1 and 50 lines, one per product.")
    if not isinstance(notes, str) or len(notes) > 2000:
        return refused("Notes are text of at most 2000 characters.")
    if any(type(q) is not int or not 1 <= q <= 1000 for q in quantities.values()):
        return refused("A quantity is a whole number from 1 to 1000.")
    with transaction.atomic():
        products = Product.objects.filter(pk__in=list(quantities), is_active=True).in_bulk()
        if len(products) != len(quantities):
            return refused("A product is not for sale.")
        lines = [
            OrderItem(product=products[pk], quantity=quantity, unit_price=products[pk].price)
            for pk, quantity in quantities.items()
        ]
        total = sum((line.unit_price * line.quantity for line in lines), Decimal("0.00"))
        placed = Order.objects.create(user=user, notes=notes, total_amount=total)
        for line in lines:
            line.order = placed
        OrderItem.objects.bulk_create(lines)
    shown = {
        "id": str(placed.pk),
        "user_email": user.email,
        "status": placed.status,
        "status_display": STATUS_LABELS[placed.status],
        "total_amount": str(placed.total_amount),
        "notes": placed.notes,
        "cancellation_reason": placed.cancellation_reason,
        "item_count": len(lines),
        "items": [
            {
                "id": str(line.pk),
                "product": {
                    "id": str(line.product.pk),
                    "name": line.product.name,
                    "sku": line.product.sku,
                },
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "line_total": str(line.unit_price * line.quantity),
            }
            for line in lines
        ],
        "created_at": utc(placed.created_at),
        "updated_at": utc(placed.updated_at),
    }
    return respond(shown, status=201)


def products(request):
    user = authenticate(request)
    if user is None:
        return unauthorized()
    shown = Product.objects.all() if user.is_staff else Product.objects.filter(is_active=True)
    rows = shown.order_by("name").values_list(*PRODUCT_COLUMNS)
    return page(request, rows, shown, products_shown)
'''

# The order list as the template built it by hand until common.lists replaced it: its own
# .values() columns, the requester's e-mail as a constant, a representation function.
# Measured next to the API and the baseline, so one run shows what the generic path costs.
HAND_BUILT_VIEWS = '''
"""The order list's former hand-built read path, as a view of the project's viewset."""

from collections import defaultdict

from django.db.models import EmailField, Value
from rest_framework import serializers

from apps.orders.models import Order, OrderItem
from apps.orders.views import OrderViewSet

ORDER_LIST_COLUMNS = (
    "id", "status", "total_amount", "notes", "cancellation_reason", "created_at", "updated_at"
)
ORDER_LINE_COLUMNS = (
    "order_id", "id", "product_id", "product__name", "product__sku", "quantity", "unit_price"
)
STATUS_LABELS = dict(Order.Status.choices)
_timestamp = serializers.DateTimeField().to_representation


def order_list_values(*, user):
    owner = Value(user.email, output_field=EmailField())
    return Order.objects.filter(user=user).values(*ORDER_LIST_COLUMNS, user_email=owner)


def order_lines(*, order_ids):
    lines = defaultdict(list)
    rows = OrderItem.objects.filter(order_id__in=list(order_ids)).values(*ORDER_LINE_COLUMNS)
    for line in rows:
        lines[line["order_id"]].append(line)
    return lines


def _order_data(order, lines):
    return {
        "id": str(order["id"]),
        "user_email": order["user_email"],
        "status": order["status"],
        "status_display": STATUS_LABELS.get(order["status"], order["status"]),
        "total_amount": str(order["total_amount"]),
        "notes": order["notes"],
        "cancellation_reason": order["cancellation_reason"],
        "item_count": len(lines),
        "items": [
            {
                "id": str(line["id"]),
                "product": {
                    "id": str(line["product_id"]),
                    "name": line["product__name"],
                    "sku": line["product__sku"],
                },
                "quantity": line["quantity"],
                "unit_price": str(line["unit_price"]),
                "line_total": str(line["unit_price"] * line["quantity"]),
            }
            for line in lines
        ],
        "created_at": _timestamp(order["created_at"]),
        "updated_at": _timestamp(order["updated_at"]),
    }


class HandBuiltOrderList(OrderViewSet):
    def list(self, request, *args, **kwargs):
        orders = self.paginate_queryset(self.filter_queryset(order_list_values(user=request.user)))
        lines = order_lines(order_ids=[order["id"] for order in orders])
        return self.get_paginated_response([_order_data(o, lines.get(o["id"], [])) for o in orders])


orders = HandBuiltOrderList.as_view({"get": "list"})
'''

BENCH_URLS = '''
"""The project's URLs, plus the hand-written baselines under /baseline/."""

from django.urls import include, path

import bench_baseline
import bench_hand_built

urlpatterns = [
    path("hand-built/orders/", bench_hand_built.orders),
    path("baseline/orders/", bench_baseline.orders),
    path("baseline/orders/<uuid:pk>/", bench_baseline.order),
    path("baseline/products/", bench_baseline.products),
    path("", include("config.urls")),
]
'''

BENCH_SETTINGS = """
from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = []  # noqa: F405
"""

SEED = """
import json
import random
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.db import connection
from apps.orders.models import Order, OrderItem, Product

random.seed(12)
User = get_user_model()
# Verified: only a verified address signs in (older renders have no such field, and ignore it).
verified = {"email_verified": True} if hasattr(User, "email_verified") else {}
user = User.objects.create_user(email="bench@example.com", password="bench-password-1", **verified)
products = Product.objects.bulk_create(
    [
        Product(
            name=f"Product {n:05}",
            sku=f"SKU-{n:05}",
            description=f"The product number {n}, for the benchmark.",
            price=Decimal(random.randint(100, 99999)) / 100,
        )
        for n in range(PRODUCTS)
    ]
)
orders = Order.objects.bulk_create(
    [Order(user=user, total_amount=Decimal("0.00")) for _ in range(ORDERS)], batch_size=2000
)
OrderItem.objects.bulk_create(
    [
        OrderItem(
            order=order, product=product, quantity=random.randint(1, 5), unit_price=product.price
        )
        for order in orders
        for product in random.sample(products, 3)
    ],
    batch_size=5000,
)
with connection.cursor() as cursor:
    # One order a minute, the lines a millisecond apart: the lists' orderings have no ties,
    # so the API and the baselines list the same rows in the same order.
    cursor.execute(
        "UPDATE orders_order o SET created_at = now() - n.rank * interval '1 minute', "
        "updated_at = now() - n.rank * interval '1 minute' "
        "FROM (SELECT id, row_number() OVER (ORDER BY id) AS rank FROM orders_order) n "
        "WHERE o.id = n.id"
    )
    cursor.execute(
        "UPDATE orders_orderitem i SET created_at = o.created_at + n.rank * interval '1 ms' "
        "FROM (SELECT id, row_number() OVER (PARTITION BY order_id ORDER BY id) AS rank "
        "FROM orders_orderitem) n, orders_order o WHERE i.id = n.id AND o.id = i.order_id"
    )
    cursor.execute(
        "UPDATE orders_order o SET total_amount = t.total FROM (SELECT order_id, "
        "sum(quantity * unit_price) AS total FROM orders_orderitem GROUP BY order_id) t "
        "WHERE o.id = t.order_id"
    )
    # Autovacuum may be off or late: give the planner its statistics now.
    cursor.execute("VACUUM ANALYZE")
print(json.dumps({"user": str(user.pk), "order": str(orders[0].pk),
                  "products": [str(p.pk) for p in products[:3]]}))
"""

# Counts each endpoint's queries with Django's test client, in-process on the same database.
PROBE = """
import json
import os
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

client = Client(HTTP_AUTHORIZATION=os.environ["BENCH_AUTH"], HTTP_HOST="127.0.0.1")
counts = {}
for method, path, body in json.loads(os.environ["BENCH_REQUESTS"]):
    with CaptureQueriesContext(connection) as queries:
        if method == "POST":
            response = client.post(path, body, content_type="application/json")
        else:
            response = client.get(path)
    assert response.status_code < 300, (path, response.status_code)
    counts[path] = len(queries)
print(json.dumps(counts))
"""

# An endpoint: its name, its method, and who serves it (the API first, the baseline second).
Endpoint = tuple[str, str, list[tuple[str, str]]]
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(project: Path, env: dict[str, str], *args: str) -> str:
    """Run ``python <args>`` in the project and return the last line of its output."""
    result = subprocess.run(
        [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, check=True
    )
    # The shell prints a line about its automatic imports before the script's output.
    return result.stdout.strip().splitlines()[-1]


def request(
    port: int, method: str, path: str, auth: str, body: str | None = None
) -> tuple[int, bytes]:
    """Send one request to the server; return the status and the body."""
    http_request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body.encode() if body is not None else None,
        method=method,
        headers={"Authorization": auth, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(http_request, timeout=30) as response:  # noqa: S310 (loopback)
        return response.status, response.read()


def masked(value: object) -> object:
    """Return a placed order with the new ids and timestamps (its own and its lines') masked."""
    if isinstance(value, list):
        return [masked(item) for item in value]
    if not isinstance(value, dict):
        return value
    new = {"id", "created_at", "updated_at"}
    return {
        key: "*" if key in new else item if key == "product" else masked(item)
        for key, item in value.items()
    }


def compare_bodies(
    port: int, auth: str, endpoints: list[Endpoint], order_body: str
) -> dict[str, int] | None:
    """Check that every server of an endpoint answers the API's JSON; return the body sizes."""
    sizes: dict[str, int] = {}
    for name, method, servers in endpoints:
        body = order_body if method == "POST" else None
        (_, api_path), *others = servers
        _, api = request(port, method, api_path, auth, body)
        sizes[api_path] = len(api)
        api_json = masked(json.loads(api)) if method == "POST" else json.loads(api)
        for _, path in others:
            _, other = request(port, method, path, auth, body)
            sizes[path] = len(other)
            # The pagination links name each one's own path.
            prefix = path.split("/")[1]
            other_json = json.loads(other.replace(f"/{prefix}/".encode(), b"/api/v1/"))
            if method == "POST":
                other_json = masked(other_json)
            if other_json != api_json:
                print(f"{name}: {path} answers another body than the API", file=sys.stderr)
                print(api.decode(), other.decode(), sep="\n", file=sys.stderr)
                return None
    return sizes


def wrk(url: str, auth: str, seconds: float, connections: int, script: Path | None) -> dict:
    """Load ``url`` with wrk; return req/s, p50 and p99 in ms, and the error count."""
    command = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds:.0f}s",
        "--timeout",
        "30s",
        "--latency",
        "--header",
        f"Authorization: {auth}",
    ]
    if script is not None:
        command += ["--script", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def latency(percentile: str) -> float:
        found = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        if found is None:
            message = f"no {percentile}% latency in wrk's output:\n{output}"
            raise ValueError(message)
        return float(found.group(1)) * UNITS[found.group(2)]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)$", output, re.M)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def main() -> int:  # noqa: PLR0912, PLR0915
    """Render, seed, serve, check the baselines and measure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--template", type=Path, default=TEMPLATE_ROOT)
    parser.add_argument("--only", help="measure only the endpoints whose name contains this")
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
                str(args.template),
                str(project),
            ],
            check=True,
        )
        (project / "bench_baseline.py").write_text(BASELINE_VIEWS)
        (project / "bench_hand_built.py").write_text(HAND_BUILT_VIEWS)
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
            "JWT_ACCESS_TOKEN_LIFETIME_MINUTES": "600",
        }
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database], check=True)
        server = None
        try:
            # The baseline and hand-built views written in for the bench break the
            # conventions on purpose (no DRF, no version prefix): the checks would refuse.
            run(project, env, "manage.py", "migrate", "--noinput", "--skip-checks")
            seed = SEED.replace("ORDERS", str(args.orders)).replace("PRODUCTS", str(args.products))
            seeded = json.loads(run(project, env, "manage.py", "shell", "-c", seed))
            server_log = Path(workdir) / "gunicorn.log"
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
                stderr=server_log.open("w"),
                env={
                    **env,
                    "PORT": str(port),
                    "WEB_CONCURRENCY": str(args.workers),
                    "GUNICORN_LOG_LEVEL": "warning",
                    # No worker restarts in the middle of a measurement.
                    "GUNICORN_MAX_REQUESTS": "0",
                },
            )
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            login = json.dumps({"email": "bench@example.com", "password": "bench-password-1"})
            _, body = request(port, "POST", "/api/v1/auth/login/", "", login)
            auth = f"Bearer {json.loads(body)['access']}"

            order_body = json.dumps(
                {
                    "items": [
                        {"product_id": pk, "quantity": n + 1}
                        for n, pk in enumerate(seeded["products"])
                    ],
                    "notes": "",
                }
            )
            endpoints: list[Endpoint] = [
                (name, method, [("API", f"/api/v1/{path}"), ("baseline", f"/baseline/{path}")])
                for name, method, path in (
                    ("orders list, page of 20", "GET", "orders/?page_size=20"),
                    ("orders list, page of 100", "GET", "orders/?page_size=100"),
                    ("order detail", "GET", f"orders/{seeded['order']}/"),
                    ("products list, page of 100", "GET", "products/?page_size=100"),
                    ("order create", "POST", "orders/"),
                )
                if args.only is None or args.only in name
            ]
            for name, _, servers in endpoints:
                if name.startswith("orders list"):
                    path = servers[0][1].removeprefix("/api/v1/")
                    servers.append(("former hand-built list", f"/hand-built/{path}"))

            sizes = compare_bodies(port, auth, endpoints, order_body)
            if sizes is None:
                return 1

            probed = [
                (method, path, order_body)
                for _, method, servers in endpoints
                for _, path in servers
            ]
            probe_env = {**env, "BENCH_AUTH": auth, "BENCH_REQUESTS": json.dumps(probed)}
            queries = json.loads(run(project, probe_env, "manage.py", "shell", "-c", PROBE))

            post_script = Path(workdir) / "post.lua"
            post_script.write_text(
                'wrk.method = "POST"\n'
                f"wrk.body = {json.dumps(order_body)}\n"
                'wrk.headers["Content-Type"] = "application/json"\n'
            )
            results: dict[str, list[dict]] = {}
            # Reads first: placing orders grows the list the reads count.
            for _ in range(args.rounds):
                for _, method, servers in endpoints:
                    for _, path in servers:
                        results.setdefault(path, []).append(
                            wrk(
                                f"http://127.0.0.1:{port}{path}",
                                auth,
                                args.seconds,
                                args.connections,
                                post_script if method == "POST" else None,
                            )
                        )

            print(
                f"{args.orders} orders x 3 items, {args.products} products, gunicorn "
                f"{args.workers} sync workers, wrk 1 thread {args.connections} connections, "
                f"{args.rounds} rounds of {args.seconds:.0f} s (medians; the ratio: median of "
                "the rounds' ratios)"
            )
            print(
                "| endpoint | served by | req/s | p50 ms | p99 ms | queries | bytes | "
                "vs baseline |\n|---|---|---|---|---|---|---|---|"
            )
            failed = False
            for name, _, servers in endpoints:
                baseline_runs = results[servers[1][1]]
                for served_by, path in servers:
                    runs = results[path]
                    # Each round measures them back to back: the ratio of a round is the
                    # least disturbed by other load on the machine.
                    ratios = [
                        run["rps"] / baseline["rps"]
                        for run, baseline in zip(runs, baseline_runs, strict=True)
                    ]
                    errors = sum(run["errors"] for run in runs)
                    failed |= bool(errors)
                    ratio = "" if served_by == "baseline" else f"{statistics.median(ratios):.2f}x"
                    print(
                        f"| {name} | {served_by} | "
                        f"{statistics.median(run['rps'] for run in runs):.1f} | "
                        f"{statistics.median(run['p50'] for run in runs):.1f} | "
                        f"{statistics.median(run['p99'] for run in runs):.1f} | "
                        f"{queries[path]} | {sizes[path]} | {ratio} |"
                        + (f" {errors} non-2xx" if errors else "")
                    )
                    if any(run["socket_errors"] for run in runs):
                        print(f"  socket errors: {[run['socket_errors'] for run in runs]}")
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
                errors = [line for line in server_log.read_text().splitlines() if "ERROR" in line]
                if errors:
                    print("gunicorn logged errors:", *errors[:10], sep="\n", file=sys.stderr)
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", database], check=False
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

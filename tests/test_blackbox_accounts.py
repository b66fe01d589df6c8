"""Black-box tier, accounts: the account flows over gunicorn, as a client sees them.

The deployment, its PostgreSQL database, Redis and the servers are those of
``tests/test_blackbox.py`` (imported, not copied): the all-options project with production
settings, e-mails written to files the tests read as the owner of the address would.

- One refresh token yields exactly one successor when 20 clients send it at once to
  gunicorn with 4 workers; the others count as reuse, which ends every session of the
  account (the successor included).
- The whole life of an account: register, the e-mail, verify, log in, change the password
  (the old refresh and access tokens answer 401), reset it by e-mail, log in, sign out
  everywhere.
- Register-then-login tells nothing: a taken address and a free one get the same answers.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import redis
import requests

from tests import test_blackbox
from tests.conftest import combo_id
from tests.test_blackbox import (
    ANSWERS,
    PASSWORD,
    UNTHROTTLED_RATE,
    Deployment,
    LiveProject,
    log_in,
    serving,
    sign_up,
    throttle_variables,
)

# The black-box tier's fixtures, shared by name: this module uses the same deployment.
cache = test_blackbox.cache
database = test_blackbox.database
s3_endpoint = test_blackbox.s3_endpoint
deployment = test_blackbox.deployment
live = test_blackbox.live

pytestmark = [pytest.mark.services, pytest.mark.xdist_group(combo_id(ANSWERS))]

RACERS = 20
RACE_WORKERS = "4"
# Races in a row: without the row lock, 9 races in 10 forked (up to 4 successors of one token).
ROUNDS = 5
NEW_PASSWORD = "a-brand-new-passphrase-77"
RESET_PASSWORD = "reset-by-e-mail-passphrase-88"


@pytest.fixture(scope="module")
def racing(deployment: Deployment, cache: redis.Redis) -> Iterator[LiveProject]:
    """Serve the project with 4 workers and every throttle rate raised, for the race."""
    rates = dict.fromkeys(throttle_variables(deployment.project), UNTHROTTLED_RATE)
    with serving(deployment, "gunicorn-race", WEB_CONCURRENCY=RACE_WORKERS, **rates) as (
        url,
        log,
    ):
        yield LiveProject(
            url=url,
            secret_key=deployment.env["DJANGO_SECRET_KEY"],
            log=log,
            workdir=deployment.workdir,
        )


@pytest.fixture
def fresh_budget(cache: redis.Redis) -> Iterator[None]:
    """Count every throttle from zero during the test, and after it.

    The servers share Redis, so the race's requests count against the production-rate
    server's budget for the same client too.
    """
    test_blackbox._clear_throttling(cache)
    yield
    test_blackbox._clear_throttling(cache)


def _outstanding_tokens(deployment: Deployment, address: str) -> int:
    """Count the refresh tokens ever issued to ``address`` (simplejwt's outstanding table)."""
    with psycopg.connect(deployment.env["DATABASE_URL"]) as db:
        row = db.execute(
            "SELECT count(*) FROM token_blacklist_outstandingtoken AS token"
            " JOIN users ON users.id = token.user_id WHERE users.email = %s",
            (address,),
        ).fetchone()
    assert row is not None
    return row[0]


def _error(response: requests.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, (response.request.url, response.text[:2000])
    return response.json()["error"]


@pytest.mark.usefixtures("fresh_budget")
def test_one_refresh_token_yields_one_successor_under_20_concurrent_requests(
    racing: LiveProject, deployment: Deployment
) -> None:
    """Race ``ROUNDS`` times: a first race on cold workers rarely forks even without a lock."""
    address = "racer@example.com"
    sign_up(racing, address)
    for _ in range(ROUNDS):
        tokens = log_in(racing, address)
        issued = _outstanding_tokens(deployment, address)
        answers = _race(racing, tokens["refresh"])

        statuses = Counter(answer.status_code for answer in answers)
        assert statuses == {200: 1, 401: RACERS - 1}, (statuses, racing.server_errors())
        # Nothing was issued but the one successor.
        assert _outstanding_tokens(deployment, address) == issued + 1
        successor = next(answer.json() for answer in answers if answer.status_code == 200)
        # The reuses ended every session of the account, the successor's too.
        again = racing.request(
            "POST", "/api/v1/auth/refresh/", json={"refresh": successor["refresh"]}
        )
        assert _error(again, 401)["code"] == "token_not_valid"
        bearer = {"Authorization": f"Bearer {successor['access']}"}
        _error(racing.request("GET", "/api/v1/users/me/", headers=bearer), 401)
    assert racing.server_errors() == []


def _race(live: LiveProject, refresh_token: str) -> list[requests.Response]:
    """Send ``refresh_token`` to the refresh endpoint from ``RACERS`` clients at once."""
    start = threading.Barrier(RACERS)

    def refresh(_: int) -> requests.Response:
        start.wait()
        return live.request("POST", "/api/v1/auth/refresh/", json={"refresh": refresh_token})

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(refresh, range(RACERS)))


@pytest.mark.usefixtures("fresh_budget")
def test_an_account_lives_from_registration_to_signing_out_everywhere(live: LiveProject) -> None:
    address = "lifecycle@example.com"
    body = {"email": address, "password": PASSWORD, "password_confirm": PASSWORD}
    registered = live.request("POST", "/api/v1/auth/register/", json=body)
    assert registered.status_code == 202, registered.text
    credentials = {"email": address, "password": PASSWORD}
    # Before the link is followed, the right password gets the wrong password's answer.
    early = live.request("POST", "/api/v1/auth/login/", json=credentials)
    wrong = live.request(
        "POST", "/api/v1/auth/login/", json={**credentials, "password": "wrong-guess"}
    )
    assert _error(early, 401) == _error(wrong, 401)

    verify = {"token": live.link_token(address)}
    assert live.request("POST", "/api/v1/auth/email/verify/", json=verify).status_code == 204
    old = log_in(live, address)

    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    changed = live.request(
        "POST",
        "/api/v1/auth/password/change/",
        json=change,
        headers={"Authorization": f"Bearer {old['access']}"},
    )
    assert changed.status_code == 200, changed.text
    new = changed.json()
    stale = live.request("POST", "/api/v1/auth/refresh/", json={"refresh": old["refresh"]})
    assert _error(stale, 401)["code"] == "token_not_valid"
    bearer = {"Authorization": f"Bearer {old['access']}"}
    _error(live.request("GET", "/api/v1/users/me/", headers=bearer), 401)
    bearer = {"Authorization": f"Bearer {new['access']}"}
    assert live.request("GET", "/api/v1/users/me/", headers=bearer).status_code == 200

    reset = live.request("POST", "/api/v1/auth/password/reset/", json={"email": address})
    assert reset.status_code == 202, reset.text
    confirm = {
        "uid": live.link_token(address, "uid"),
        "token": live.link_token(address),
        "new_password": RESET_PASSWORD,
    }
    confirmed = live.request("POST", "/api/v1/auth/password/reset/confirm/", json=confirm)
    assert confirmed.status_code == 204, confirmed.text
    _error(live.request("GET", "/api/v1/users/me/", headers=bearer), 401)
    reused = live.request("POST", "/api/v1/auth/password/reset/confirm/", json=confirm)
    assert _error(reused, 400)["code"] == "invalid_link"
    _error(live.request("POST", "/api/v1/auth/login/", json=credentials), 401)
    last = log_in(live, address, RESET_PASSWORD)

    bearer = {"Authorization": f"Bearer {last['access']}"}
    assert live.request("POST", "/api/v1/auth/logout/all/", headers=bearer).status_code == 204
    _error(live.request("GET", "/api/v1/users/me/", headers=bearer), 401)
    ended = live.request("POST", "/api/v1/auth/refresh/", json={"refresh": last["refresh"]})
    _error(ended, 401)
    assert live.server_errors() == []


@pytest.mark.usefixtures("fresh_budget")
def test_register_then_log_in_tells_nothing_about_the_address(live: LiveProject) -> None:
    password = "squatters-passphrase-31"
    answers = []
    # alice@example.com is registered (the served fixture's); nobody has the other one.
    for address in ("alice@example.com", "free-address@example.com"):
        body = {"email": address, "password": password, "password_confirm": password}
        registered = live.request("POST", "/api/v1/auth/register/", json=body)
        credentials = {"email": address, "password": password}
        login = live.request("POST", "/api/v1/auth/login/", json=credentials)
        answers.append((registered.status_code, registered.json(), login.status_code, login.json()))

    assert answers[0] == answers[1]
    assert answers[0][2] == 401


@pytest.mark.usefixtures("fresh_budget")
def test_the_mail_endpoints_answer_the_same_for_any_address(live: LiveProject) -> None:
    for path in ("/api/v1/auth/email/resend/", "/api/v1/auth/password/reset/"):
        answers = {
            address: live.request("POST", path, json={"email": address})
            for address in ("bob@example.com", "nobody-here@example.com")
        }
        bodies = {(answer.status_code, answer.text) for answer in answers.values()}
        assert len(bodies) == 1, (path, bodies)
        assert next(iter(bodies))[0] == 202

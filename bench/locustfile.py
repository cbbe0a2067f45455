"""Load shapes for `make bench` (driven by bench/run.py; locust headless, gevent).

BENCH_SCENARIO picks the shape, the same number of users and no think time in all:
  cast   representatives cast and change their agency's position (POST .../positions/)
  mixed  the same casts, plus the decision list, a decision page and the dashboard (GET)
  floor  the framework's floor: POST /bench-floor/ (one INSERT behind DRF token auth)

BENCH_USERS_FILE is the JSON written by run.py (representatives with token, session key and
agency; the hot decisions). Each successful cast's receipt is written to
BENCH_RECEIPTS_FILE when the test stops, so that run.py can check the ledger against it.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from typing import Any

from locust import FastHttpUser, constant, events, task

SCENARIO = os.environ.get("BENCH_SCENARIO", "cast")
with open(os.environ["BENCH_USERS_FILE"], encoding="utf-8") as handle:
    SETUP: dict[str, Any] = json.load(handle)
REPS: list[dict[str, Any]] = SETUP["representatives"]
HOT: list[int] = SETUP["hot_decisions"]
_next_rep = itertools.count()
RECEIPTS: list[str] = []
CAST_STATUS: dict[str, int] = {}

# Changing positions, never an objection (which would break silence for everyone and is
# not what most casts are); concur_with_reservation carries its statement.
VALUES = [
    ("concur", ""),
    ("abstain", ""),
    ("concur_with_reservation", "Subject to the budget cycle of our agency."),
]


@events.test_stop.add_listener
def _dump(**_: Any) -> None:
    path = os.environ.get("BENCH_RECEIPTS_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"receipts": RECEIPTS, "cast_status": CAST_STATUS}, out)


class Representative(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.rep = REPS[next(_next_rep) % len(REPS)]
        self.api_headers = {
            "Authorization": f"Token {self.rep['token']}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self.page_headers = {"Cookie": f"sessionid={self.rep['session']}"}

    def _cast(self) -> None:
        decision = random.choice(HOT)  # noqa: S311 - load shape, not security
        value, statement = random.choice(VALUES)  # noqa: S311
        body = json.dumps({"value": value, "statement": statement})
        with self.client.post(
            f"/api/v1/decisions/{decision}/positions/",
            data=body,
            headers=self.api_headers,
            name="cast",
            catch_response=True,
        ) as response:
            key = str(response.status_code)
            CAST_STATUS[key] = CAST_STATUS.get(key, 0) + 1
            if response.status_code == 201:
                RECEIPTS.append(response.json()["receipt"])
                response.success()
            else:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")

    def _page(self, url: str, name: str) -> None:
        with self.client.get(
            url, headers=self.page_headers, name=name, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"{response.status_code} on {url}")

    @task(4)
    def cast_or_floor(self) -> None:
        if SCENARIO == "floor":
            with self.client.post(
                "/bench-floor/",
                data=json.dumps({"value": random.choice(VALUES)[0]}),  # noqa: S311
                headers=self.api_headers,
                name="floor",
                catch_response=True,
            ) as response:
                if response.status_code == 201:
                    response.success()
                else:
                    response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
        else:
            self._cast()

    @task(1)
    def decision_list(self) -> None:
        if SCENARIO == "mixed":
            self._page("/decisions/", "decision list")
        else:
            self.cast_or_floor()

    @task(1)
    def decision_page(self) -> None:
        if SCENARIO == "mixed":
            self._page(f"/decisions/{random.choice(HOT)}/", "decision page")  # noqa: S311
        else:
            self.cast_or_floor()

    @task(1)
    def dashboard(self) -> None:
        if SCENARIO == "mixed":
            self._page("/secretariat/my-agency/", "dashboard")
        else:
            self.cast_or_floor()

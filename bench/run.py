"""`make bench`: the load benchmark against the framework's floor (issue 8, item 1).

1. Creates a fresh PostgreSQL database (BENCH_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/isecg_bench), migrates, seeds 27 agencies with four
   representatives each (tokens and sessions) through the services.
2. For each size (100, then 10,000 decisions, in the same run): seeds decisions (20 "hot"
   ones through consensus.services, the rest in bulk with the same rows the services
   write: electorate, opening event, positions on a valid SHA-256 chain), measures the
   decision list and the dashboards in-process (time and queries), then runs locust
   headless against gunicorn (2 workers, production settings): `cast`, `mixed` and the
   `floor` (bench/floor), BENCH_DURATION seconds each with BENCH_USERS users.
3. Checks that no position was lost or duplicated and that every ledger verifies, reads
   the gunicorn (and Celery) workers' RSS, writes bench/results/<date>.json and .png and
   prints a summary. Targets are reported as met or not; the exit status is non-zero
   only when the benchmark itself fails.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/isecg_bench")
DURATION = int(os.environ.get("BENCH_DURATION", "60"))
USERS = int(os.environ.get("BENCH_USERS", "20"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100,10000").split(",")]
HOT_DECISIONS = 20
REPS_PER_AGENCY = 4
MEASURE_REPEAT = 15
WARMUP = int(os.environ.get("BENCH_WARMUP", "20"))  # s of unrecorded load before each phase
TARGETS = {
    "cast_throughput_ratio_min": 0.8,
    "cast_p95_ratio_max": 1.5,
    "errors": 0,
    "page_cost_ratio_max": 1.3,
    "worker_rss_mb_max": 150,
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_database() -> None:
    import psycopg2
    from psycopg2 import sql

    url = urlparse(DB_URL)
    name = url.path.lstrip("/")
    admin = psycopg2.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password or None,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def server_env(var_dir: Path) -> dict[str, str]:
    """Production settings over plain http on 127.0.0.1 (no Redis: kombu's file broker)."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="isecg.settings.production",
        DATABASE_URL=DB_URL,
        SECRET_KEY=secrets.token_urlsafe(64),
        ISECG_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        ISECG_BENCH_FLOOR="1",
        ISECG_REQUIRE_2FA_FOR_SECRETARIAT="false",
        ISECG_VAR_DIR=str(var_dir),
        STATIC_ROOT=str(var_dir / "static"),
        MEDIA_ROOT=str(var_dir / "media"),
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    return env


# --- seeding --------------------------------------------------------------------------


def seed_people() -> dict[str, Any]:
    """27 agencies (the demo facts), four representatives each, a secretariat user."""
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    from agencies import services as agency_services
    from agencies.demo_data import AGENCIES
    from agencies.models import Agency, RepresentativeKind
    from isecg.models import User
    from secretariat.services import secretariat_member_appoint

    for fact in AGENCIES[:27]:
        agency_services.agency_register_historical(
            name=fact.name,
            acronym=fact.acronym,
            country=fact.country,
            website=fact.website,
            framework_contributor=fact.framework_contributor,
            joined_on=fact.joined_on,
            source="Benchmark data (agencies.demo_data).",
        )
    secretariat = User.objects.create(username="bench.secretariat")
    secretariat.set_unusable_password()
    secretariat.save()
    # ToR IV: the role is the member record (agencies.roles.is_secretariat).
    secretariat_member_appoint(
        actor=None,
        user=secretariat,
        proposed_by=Agency.objects.get(acronym="ESA"),
        role="Benchmark secretariat",
        attested_voluntary_unpaid=True,
    )
    kinds = [
        RepresentativeKind.HEAD_OF_DELEGATION,
        RepresentativeKind.REPRESENTATIVE,
        RepresentativeKind.REPRESENTATIVE,
        RepresentativeKind.ALTERNATE,
    ]
    reps: list[dict[str, Any]] = []
    agencies = list(Agency.objects.order_by("pk"))
    for agency in agencies:
        for number in range(REPS_PER_AGENCY):
            user = User.objects.create(
                username=f"{agency.acronym.lower()}.rep{number}",
                email=f"{agency.acronym.lower()}.rep{number}@bench.invalid",
            )
            user.set_unusable_password()
            user.save()
            agency_services.representative_designate(
                actor=None,
                agency=agency,
                user=user,
                kind=kinds[number % len(kinds)],
                title="Benchmark representative",
                attested_agency_staff=True,
                attested_no_conflict=True,
                attestation_note="Benchmark data.",
            )
            session = SessionStore()
            session["_auth_user_id"] = str(user.pk)
            session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
            session["_auth_user_hash"] = user.get_session_auth_hash()
            session.create()
            reps.append(
                {
                    "username": user.username,
                    "agency": agency.acronym,
                    "agency_id": agency.pk,
                    "token": Token.objects.create(user=user).key,
                    "session": session.session_key,
                }
            )
    # The last agency stands aside from the load: it holds a standing objection on every
    # hot decision, so that explicit consensus never closes one early under the load.
    sentinel = agencies[-1]
    return {
        "secretariat_id": secretariat.pk,
        "sentinel": {"agency_id": sentinel.pk, "username": f"{sentinel.acronym.lower()}.rep0"},
        "representatives": [r for r in reps if r["agency_id"] != sentinel.pk],
    }


def seed_hot(people: dict[str, Any]) -> list[int]:
    """Open decisions through the services; the sentinel agency objects on each."""
    from agencies.models import Agency
    from consensus import services
    from isecg.models import User

    sentinel_user = User.objects.get(username=people["sentinel"]["username"])
    sentinel = Agency.objects.get(pk=people["sentinel"]["agency_id"])
    deadline = dt.datetime(2027, 6, 30, 12, tzinfo=dt.UTC)
    ids = []
    for number in range(HOT_DECISIONS):
        decision = services.motion_propose(
            actor=None,
            title=f"Benchmark motion {number + 1}: joint statement on lunar surface operations",
            text="The agencies endorse the **joint statement** as circulated.",
            deadline=deadline,
        )
        services.position_cast(
            actor=sentinel_user,
            decision=decision,
            agency=sentinel,
            value="object",
            statement="Our agency needs another review cycle.",
        )
        ids.append(decision.pk)
    return ids


def seed_bulk(count: int, rng: Any) -> None:
    """`count` more decisions with the rows the services write, inserted in bulk.

    Each has a Motion subject, an electorate snapshot of the 27 agencies, an `opened`
    event and a few positions on a valid ledger chain. Openings spread over eight years
    and each runs 7 to 60 days, so about 1 % are still open (the hot decisions add 20).
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from agencies.models import Agency
    from consensus import ledger
    from consensus.models import (
        GENESIS_HASH,
        Decision,
        DecisionEvent,
        ElectorateMember,
        Motion,
        MotionState,
        Position,
        PositionEvent,
    )

    agency_ids = list(Agency.objects.order_by("pk").values_list("pk", flat=True))
    motion_type = ContentType.objects.get_for_model(Motion)
    now = dt.datetime.now(dt.UTC)
    batch = 1000
    outcomes = [("adopted", MotionState.ADOPTED), ("blocked", MotionState.BLOCKED)]
    outcomes.append(("lapsed", MotionState.LAPSED))
    done = 0
    while done < count:
        size = min(batch, count - done)
        with transaction.atomic():
            plans = []
            for _ in range(size):
                opened = now - dt.timedelta(
                    days=rng.randint(1, 3000), seconds=rng.randint(0, 86400)
                )
                # As in operation: a decision runs 7 to 60 days and the sweep closes it
                # once its deadline passes, so the record grows with closed decisions
                # and only the recent ones are open.
                deadline = opened + dt.timedelta(days=rng.randint(7, 60))
                closed = deadline <= now
                outcome, motion_state = (
                    rng.choice(outcomes) if closed else ("", MotionState.PROPOSED)
                )
                plans.append((opened, deadline, closed, outcome, motion_state))
            motions = Motion.objects.bulk_create(
                [
                    Motion(
                        title=f"Bulk motion {done + i + 1}",
                        text="A question put to the agencies.",
                        state=p[4],
                        created_at=p[0],
                        decided_at=p[1] if p[2] else None,
                    )
                    for i, p in enumerate(plans)
                ]
            )
            decisions = Decision.objects.bulk_create(
                [
                    Decision(
                        subject_content_type=motion_type,
                        subject_object_id=motion.pk,
                        kind="motion",
                        title=motion.title,
                        text=motion.text,
                        procedure="explicit",
                        opened_at=p[0],
                        deadline=p[1],
                        state="closed" if p[2] else "open",
                        outcome=p[3],
                        outcome_reason="Benchmark data." if p[2] else "",
                        closed_at=p[1] if p[2] else None,
                    )
                    for motion, p in zip(motions, plans, strict=True)
                ]
            )
            members, opened_events, events = [], [], []
            for decision in decisions:
                members += [
                    ElectorateMember(decision=decision, agency_id=a, included_at=decision.opened_at)
                    for a in agency_ids
                ]
                opened_events.append(
                    DecisionEvent(
                        decision=decision,
                        kind="opened",
                        data={"procedure": "explicit", "electorate": len(agency_ids)},
                        at=decision.opened_at,
                    )
                )
                prev = GENESIS_HASH
                for seq, agency_id in enumerate(rng.sample(agency_ids, rng.randint(0, 12)), 1):
                    fields = {
                        "decision_id": decision.pk,
                        "seq": seq,
                        "agency_id": agency_id,
                        "value": rng.choice(["concur", "abstain", "concur"]),
                        "statement": "",
                        "cast_by_id": None,
                        "on_behalf": False,
                        "evidence": "",
                        "at": decision.opened_at + dt.timedelta(hours=seq),
                        "prev_hash": prev,
                    }
                    prev = ledger.compute_hash(**fields)
                    events.append(PositionEvent(**fields, hash=prev))
            ElectorateMember.objects.bulk_create(members, batch_size=5000)
            DecisionEvent.objects.bulk_create(opened_events, batch_size=5000)
            events = PositionEvent.objects.bulk_create(events, batch_size=5000)
            Position.objects.bulk_create(
                [
                    Position(
                        decision_id=e.decision_id,
                        agency_id=e.agency_id,
                        value=e.value,
                        statement="",
                        event=e,
                        updated_at=e.at,
                    )
                    for e in events
                ],
                batch_size=5000,
            )
        done += size


# --- in-process page costs ------------------------------------------------------------


def measure_pages(people: dict[str, Any]) -> dict[str, Any]:
    """Median time and query count of each list page, as a representative and the secretariat."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from isecg.models import User

    rep = User.objects.get(username=people["representatives"][0]["username"])
    secretariat = User.objects.get(pk=people["secretariat_id"])
    pages = {
        "decision list (page)": ("/decisions/", rep),
        "decision list (API)": ("/api/v1/decisions/", rep),
        "dashboard (representative)": ("/secretariat/my-agency/", rep),
        "dashboard (secretariat)": ("/secretariat/", secretariat),
    }
    out: dict[str, Any] = {}
    for name, (url, user) in pages.items():
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(user)
        for _ in range(2):
            client.get(url)
        timings, queries, status = [], 0, 0
        for _ in range(MEASURE_REPEAT):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
            queries, status = len(captured), response.status_code
        out[name] = {
            "url": url,
            "status": status,
            "queries": queries,
            "median_ms": round(statistics.median(timings), 2),
            # The cost: other processes on the machine only ever add time to a run.
            "min_ms": round(min(timings), 2),
        }
    return out


# --- the server and the load ----------------------------------------------------------


def start_server(env: dict[str, str], port: int, logs: Path) -> subprocess.Popen[bytes]:
    command = [
        str(BIN / "gunicorn"),
        "isecg.wsgi:application",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
    ]
    server = subprocess.Popen(  # noqa: S603
        command,
        cwd=ROOT,
        env=env,
        stdout=open(logs / "gunicorn.log", "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {logs / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def start_worker(env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603
        [str(BIN / "celery"), "-A", "isecg", "worker", "--pool=solo", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=open(logs / "celery.log", "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def run_locust(
    scenario: str,
    port: int,
    users_file: Path,
    work: Path,
    env: dict[str, str],
    duration: int = DURATION,
) -> dict[str, Any]:
    prefix = work / f"locust_{scenario}_{int(time.time())}"
    receipts = Path(f"{prefix}_receipts.json")
    locust_env = {**env, "BENCH_SCENARIO": scenario, "BENCH_USERS_FILE": str(users_file)}
    locust_env["BENCH_RECEIPTS_FILE"] = str(receipts)
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "--users",
        str(USERS),
        "--spawn-rate",
        str(USERS),
        "--run-time",
        f"{duration}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
    ]
    log(f"locust {scenario}: {USERS} users, {duration} s")
    completed = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=locust_env, capture_output=True, text=True, timeout=duration + 120
    )
    (work / f"locust_{scenario}.log").write_text(completed.stdout + completed.stderr)
    if completed.returncode != 0:
        raise RuntimeError(f"locust {scenario} failed: {completed.stderr[-2000:]}")
    stats: dict[str, Any] = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
                "mean_ms": round(float(row["Average Response Time"]), 1),
            }
    failures = []
    failures_csv = Path(f"{prefix}_failures.csv")
    if failures_csv.exists():
        with open(failures_csv, encoding="utf-8") as handle:
            failures = [dict(row) for row in csv.DictReader(handle)][:10]
    result: dict[str, Any] = {"scenario": scenario, "endpoints": stats, "failures": failures}
    if receipts.exists():
        result["casts"] = json.loads(receipts.read_text())
    return result


# --- checks ---------------------------------------------------------------------------


def check_positions() -> dict[str, Any]:
    """Each current Position is the agency's last PositionEvent; none lost, none twice."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH last AS (
                SELECT DISTINCT ON (decision_id, agency_id) id, decision_id, agency_id, value, statement
                FROM consensus_positionevent ORDER BY decision_id, agency_id, seq DESC
            )
            SELECT
              (SELECT count(*) FROM last),
              (SELECT count(*) FROM consensus_position),
              (SELECT count(*) FROM last l LEFT JOIN consensus_position p
                 ON p.decision_id = l.decision_id AND p.agency_id = l.agency_id
               WHERE p.id IS NULL OR p.event_id <> l.id OR p.value <> l.value
                  OR p.statement <> l.statement),
              (SELECT count(*) FROM (SELECT 1 FROM consensus_position
                 GROUP BY decision_id, agency_id HAVING count(*) > 1) d)
            """
        )
        last, positions, mismatched, duplicated = cursor.fetchone()
    return {
        "agency_decision_pairs_with_events": last,
        "positions": positions,
        "mismatched": mismatched,
        "duplicated": duplicated,
        "ok": last == positions and mismatched == 0 and duplicated == 0,
    }


def check_receipts(receipts: list[str], before: set[str], created: int) -> dict[str, Any]:
    """Every receipt a client got is in the ledger; every event created was answered."""
    from consensus.models import PositionEvent

    distinct = set(receipts)
    known = set(
        PositionEvent.objects.filter(hash__in=list(distinct)).values_list("hash", flat=True)
    )
    new = distinct - before
    return {
        "successful_casts": len(receipts),
        "distinct_receipts": len(distinct),
        "events_created": created,
        "receipts_missing_from_ledger": len(distinct - known),
        "ok": known == distinct and len(new) == created,
    }


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


# --- report ---------------------------------------------------------------------------


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def floor_reference(scenarios: dict[str, Any]) -> dict[str, float]:
    """The floor's figures as the mean of its runs before and after the casts."""
    runs = [
        scenarios[name]["endpoints"]["floor"]
        for name in ("floor", "floor_after")
        if name in scenarios
    ]
    keys = ("rps", "p50_ms", "p95_ms", "p99_ms")
    return {key: round(statistics.fmean(run[key] for run in runs), 1) for key in keys}


def summarise(phases: list[dict[str, Any]], pages: dict[int, Any]) -> dict[str, Any]:
    sizes = sorted(pages)
    verdicts: dict[str, Any] = {}
    for phase in phases:
        cast = phase["scenarios"]["cast"]["endpoints"]["cast"]
        floor = floor_reference(phase["scenarios"])
        phase["floor_reference"] = floor
        mixed_cast = phase["scenarios"]["mixed"]["endpoints"].get("cast", {})
        phase["ratios"] = {
            "cast_throughput_to_floor": ratio(cast["rps"], floor["rps"]),
            "cast_p95_to_floor": ratio(cast["p95_ms"], floor["p95_ms"]),
            "cast_p50_to_floor": ratio(cast["p50_ms"], floor["p50_ms"]),
            "cast_p99_to_floor": ratio(cast["p99_ms"], floor["p99_ms"]),
            "mixed_cast_throughput_to_floor": ratio(mixed_cast.get("rps", 0), floor["rps"]),
            "mixed_cast_p95_to_floor": ratio(mixed_cast.get("p95_ms", 0), floor["p95_ms"]),
        }
        errors = sum(s["endpoints"]["Aggregated"]["errors"] for s in phase["scenarios"].values())
        tag = f"{phase['decisions']} decisions"
        verdicts[f"cast throughput >= 0.8x floor ({tag})"] = (
            phase["ratios"]["cast_throughput_to_floor"] or 0
        ) >= TARGETS["cast_throughput_ratio_min"]
        verdicts[f"cast p95 <= 1.5x floor ({tag})"] = (
            phase["ratios"]["cast_p95_to_floor"] or 99
        ) <= TARGETS["cast_p95_ratio_max"]
        verdicts[f"0 errors ({tag})"] = errors == 0
        phase["errors"] = errors
    cost: dict[str, Any] = {}
    if len(sizes) >= 2:
        small, large = pages[sizes[0]], pages[sizes[-1]]
        for name in small:
            cost[name] = {
                "time_ratio": ratio(large[name]["min_ms"], small[name]["min_ms"]),
                "queries": [small[name]["queries"], large[name]["queries"]],
            }
            verdicts[f"{name} at {sizes[-1]} <= 1.3x at {sizes[0]}"] = (
                cost[name]["time_ratio"] or 99
            ) <= TARGETS["page_cost_ratio_max"] and large[name]["queries"] <= small[name]["queries"]
    return {"page_cost_ratios": cost, "verdicts": verdicts}


def chart(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 5))
    labels, rps, p50, p95, p99 = [], [], [], [], []
    for phase in result["phases"]:
        for scenario, data in phase["scenarios"].items():
            for name, stats in data["endpoints"].items():
                if name == "Aggregated" or (scenario == "mixed" and name != "cast"):
                    continue
                labels.append(f"{name}\n{scenario}\n{phase['decisions']}")
                rps.append(stats["rps"])
                p50.append(stats["p50_ms"])
                p95.append(stats["p95_ms"])
                p99.append(stats["p99_ms"])
    x = range(len(labels))
    axes[0].bar(x, rps, color="#3b6ea5")
    axes[0].set_xticks(list(x), labels, fontsize=7)
    axes[0].set_title("Throughput (requests/s)")
    width = 0.27
    axes[1].bar([i - width for i in x], p50, width, label="p50")
    axes[1].bar(list(x), p95, width, label="p95")
    axes[1].bar([i + width for i in x], p99, width, label="p99")
    axes[1].set_xticks(list(x), labels, fontsize=7)
    axes[1].set_title("Latency (ms)")
    axes[1].legend()
    sizes = sorted(int(s) for s in result["pages"])
    names = list(result["pages"][str(sizes[0])])
    for offset, size in enumerate(sizes):
        values = [result["pages"][str(size)][n]["min_ms"] for n in names]
        axes[2].bar([i + offset * 0.4 for i in range(len(names))], values, 0.4, label=f"{size}")
    axes[2].set_xticks(
        [i + 0.2 for i in range(len(names))], [n.replace(" (", "\n(") for n in names], fontsize=7
    )
    axes[2].set_title("Page cost in-process (fastest of 15, ms) by decisions")
    axes[2].legend()
    fig.suptitle(f"ISECG load benchmark {result['date']} ({result['duration_s']} s per scenario)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="isecg-bench-"))
    env = server_env(work)
    os.environ.update({**env, "ALLOWED_HOSTS": "127.0.0.1,testserver"})
    os.environ.pop("REDIS_URL", None) if "REDIS_URL" not in env else None
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    log(f"fresh database {urlparse(DB_URL).path.lstrip('/')}; work files in {work}")
    create_database()

    import random

    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    from consensus import ledger
    from consensus.models import Decision, PositionEvent

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    log("seeding 27 agencies and their representatives")
    people = seed_people()
    rng = random.Random(8)  # noqa: S311 - reproducible data, not security
    server = worker = None
    phases: list[dict[str, Any]] = []
    pages: dict[int, Any] = {}
    checks: dict[str, Any] = {"receipts": []}
    port = free_port()
    try:
        hot: list[int] = []
        for size in SIZES:
            existing = Decision.objects.count()
            log(f"seeding decisions up to {size}")
            if not hot:
                hot = seed_hot(people)
                existing = Decision.objects.count()
            if size > existing:
                seed_bulk(size - existing, rng)
            # Each phase starts from the same state: fresh statistics, dirty pages written.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
                cursor.execute("CHECKPOINT")
            pages[size] = measure_pages(people)
            for name, figures in pages[size].items():
                log(
                    f"  {name}: {figures['queries']} queries, fastest {figures['min_ms']} ms,"
                    f" median {figures['median_ms']} ms"
                )
            users_file = work / "users.json"
            users_file.write_text(json.dumps({**people, "hot_decisions": hot}))
            if server is None:
                log(f"starting gunicorn (2 workers) on 127.0.0.1:{port} and a Celery worker")
                server = start_server(env, port, work)
                worker = start_worker(env, work)
            if WARMUP:  # connections, caches and the server's lazy imports, unrecorded
                run_locust("mixed", port, users_file, work, env, duration=WARMUP)
            phase: dict[str, Any] = {"decisions": Decision.objects.count(), "scenarios": {}}
            # The floor runs before and after the casts; their mean is the reference, so a
            # drift in the machine's speed during the phase does not land on one side only.
            for scenario in ("floor", "cast", "floor_after", "mixed"):
                before = set(PositionEvent.objects.values_list("hash", flat=True))
                result = run_locust(scenario.removesuffix("_after"), port, users_file, work, env)
                created = PositionEvent.objects.count() - len(before)
                if "casts" in result and not scenario.startswith("floor"):
                    receipt_check = check_receipts(result["casts"]["receipts"], before, created)
                    receipt_check.update(
                        phase=size, scenario=scenario, status=result["casts"]["cast_status"]
                    )
                    checks["receipts"].append(receipt_check)
                result.pop("casts", None)
                phase["scenarios"][scenario] = result
                agg = result["endpoints"]["Aggregated"]
                log(
                    f"  {scenario}: {agg['rps']} req/s, p50 {agg['p50_ms']} p95 {agg['p95_ms']}"
                    f" p99 {agg['p99_ms']} ms, {agg['errors']} errors"
                )
            phases.append(phase)
        if server is None:
            raise RuntimeError("no size phase ran (BENCH_SIZES is empty)")
        rss = {"gunicorn_workers_mb": [rss_mb(pid) for pid in children(server.pid)]}
        if worker is not None and worker.poll() is None:
            rss["celery_worker_mb"] = [
                rss_mb(worker.pid),
                *(rss_mb(c) for c in children(worker.pid)),
            ]
    finally:
        for process in (server, worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)

    checks["positions"] = check_positions()
    ledgers = ledger.verify_all()
    checks["ledgers"] = {
        "decisions": len(ledgers),
        "events": sum(c.length for c in ledgers),
        "broken": [c.decision_id for c in ledgers if not c.verified][:20],
        "ok": all(c.verified for c in ledgers),
    }
    today = dt.datetime.now(dt.UTC).date().isoformat()
    result = {
        "date": today,
        "duration_s": DURATION,
        "users": USERS,
        "setup": {
            "server": "gunicorn 2 sync workers, isecg.settings.production, PostgreSQL",
            "agencies": 27,
            "representatives": 27 * REPS_PER_AGENCY,
            "hot_decisions": HOT_DECISIONS,
            "load": "locust headless (FastHttpUser, no think time)",
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
        },
        "targets": TARGETS,
        "phases": phases,
        "pages": {str(k): v for k, v in pages.items()},
        "rss": rss,
        "checks": checks,
    }
    result.update(summarise(phases, pages))
    worst_rss = max(rss["gunicorn_workers_mb"] + rss.get("celery_worker_mb", [0]))
    result["verdicts"][f"worker RSS <= 150 MB (max {worst_rss} MB)"] = worst_rss <= 150
    result["verdicts"]["no position lost or duplicated"] = checks["positions"]["ok"] and all(
        r["ok"] for r in checks["receipts"]
    )
    result["verdicts"]["every ledger verifies"] = checks["ledgers"]["ok"]
    result["elapsed_s"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{today}.json").write_text(json.dumps(result, indent=2) + "\n")
    chart(result, RESULTS / f"{today}.png")
    print_summary(result)
    shutil.rmtree(work, ignore_errors=True) if os.environ.get("BENCH_KEEP") != "1" else None
    return 0


def print_summary(result: dict[str, Any]) -> None:
    print("\n=== ISECG load benchmark", result["date"], "===")
    for phase in result["phases"]:
        print(f"\n{phase['decisions']} decisions:")
        for scenario, data in phase["scenarios"].items():
            for name, s in data["endpoints"].items():
                print(
                    f"  {scenario:<6} {name:<14} {s['rps']:>8} req/s  p50 {s['p50_ms']:>6} "
                    f"p95 {s['p95_ms']:>6} p99 {s['p99_ms']:>6} ms  errors {s['errors']}"
                )
        print("  floor reference (mean of the runs before and after the casts):", end=" ")
        print(json.dumps(phase["floor_reference"]))
        print("  ratios to the floor:", json.dumps(phase["ratios"]))
    print("\npage cost (in-process, fastest and median of", MEASURE_REPEAT, "):")
    for size, figures in result["pages"].items():
        for name, f in figures.items():
            print(
                f"  {size:>6} {name:<28} {f['queries']:>3} queries"
                f" fastest {f['min_ms']:>8} ms  median {f['median_ms']:>8} ms"
            )
    print("RSS (MB):", json.dumps(result["rss"]))
    print("\ntargets:")
    for name, met in result["verdicts"].items():
        print(f"  [{'met' if met else 'NOT met'}] {name}")
    print(f"\nwritten: bench/results/{result['date']}.json and .png ({result['elapsed_s']} s)")


if __name__ == "__main__":
    sys.exit(main())

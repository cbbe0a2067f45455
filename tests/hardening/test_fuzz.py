"""API fuzzing (issue 8, item 5): schemathesis against /api/v1/schema/, in process.

Every operation of the OpenAPI schema gets a few generated requests (valid and
invalid inputs, derandomised so CI runs are repeatable) as each role: anonymous,
a representative, the secretariat, an API client token. The app must answer every
one without a server error, with a status the schema documents and a body that
conforms to it. Requests go through Django's WSGI application in this process, so
they run inside the test's transaction.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

# About 2 minutes per role: run in .ci/run's PostgreSQL pass (where NUL bytes and
# integer overflows really reach a strict database), or anywhere with ISECG_FUZZ=1.
pytestmark = [
    # Autocommit per request, as in production: on PostgreSQL one failed statement
    # inside a test-wide transaction would poison every later request.
    pytest.mark.django_db(transaction=True),
    pytest.mark.real_stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres")
        and not os.environ.get("ISECG_FUZZ"),
        reason="slow: runs on PostgreSQL (.ci/run) or with ISECG_FUZZ=1",
    ),
]

MAX_EXAMPLES = int(os.environ.get("ISECG_FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
ROLES = ["anonymous", "rep_a", "secretariat", "api_client"]


@pytest.fixture
def world(users: dict[str, Any]) -> dict[str, Any]:
    """A little of everything, so generated ids sometimes hit real rows."""
    from consensus import services as consensus_services

    consensus_services.motion_propose(
        actor=None,
        title="Fuzz",
        text="A motion.",
        deadline=timezone.now() + dt.timedelta(days=5),
        procedure="explicit",
    )
    return users


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_survives_generated_input(world: dict[str, Any], role: str) -> None:
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app)
    user = world[role]
    headers: dict[str, str] = {}
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        headers["Authorization"] = f"Token {token.key}"
    failures: list[str] = []
    operations = _operations(schema)
    assert len(operations) > 50, len(operations)
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time
            )
            @given(case=strategy)
            def run(case: Any) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                continue  # no invalid input exists for this operation (e.g. no parameters)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # collect every operation's failure, then report
                first = str(exc).strip().splitlines()[:14]
                failures.append(f"{mode} {operation.label}:\n    " + "\n    ".join(first))
    assert not failures, f"{len(failures)} failing operations as {role}:\n" + "\n".join(failures)

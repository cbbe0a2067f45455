"""The consensus demo data: three motions, idempotent."""

from __future__ import annotations

import io
from typing import Any

import pytest

from consensus import demo
from consensus.ledger import verify_all
from consensus.models import Decision, Motion
from tests.factories import AgencyFactory, make_representative, make_secretariat

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent(frozen: Any) -> None:
    make_secretariat("secretariat")
    nasa = AgencyFactory(acronym="NASA")
    esa = AgencyFactory(acronym="ESA")
    AgencyFactory(acronym="JAXA")
    make_representative(nasa, "nasa.hod")
    make_representative(esa, "esa.hod")
    demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    assert Motion.objects.count() == 3
    silence = Decision.objects.get(title=demo.SILENCE_TITLE)
    assert (silence.procedure, silence.state) == ("silence", "open")
    explicit = Decision.objects.get(title=demo.EXPLICIT_TITLE)
    assert explicit.state == "open"
    assert explicit.positions.count() == 2
    adopted = Decision.objects.get(title=demo.ADOPTED_TITLE)
    assert adopted.outcome == "adopted"
    assert adopted.events.filter(kind="extended").exists()
    assert all(check.verified for check in verify_all())

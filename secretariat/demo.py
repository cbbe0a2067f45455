"""Demo: the secretariat user, proposed by ESA (the secretariat is hosted at ESA ESTEC)."""

from __future__ import annotations

from typing import Any

from agencies.models import Agency
from isecg.models import User
from secretariat.services import secretariat_member_appoint


def seed(*, stdout: Any) -> None:
    user = User.objects.filter(username="secretariat").first()
    esa = Agency.objects.filter(acronym="ESA").first()
    if user is None or esa is None:
        return
    secretariat_member_appoint(
        actor=None,
        user=user,
        proposed_by=esa,
        role="Executive Secretary (demo)",
        attested_voluntary_unpaid=True,
    )

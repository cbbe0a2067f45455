"""Demo decisions: an open silence procedure, an open explicit motion and an adopted one.

Idempotent: each motion is found by its title and created once. The texts are demo
texts (marked as such), not records of real ISECG decisions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, AgencyStatus
from consensus import services
from consensus.models import Motion, Procedure
from isecg.models import User

DEMO_NOTE = "\n\n*Demo data: an illustrative motion, not a record of an ISECG decision.*"

SILENCE_TITLE = "Welcome the updated Global Exploration Roadmap supplement (demo)"
SILENCE_TEXT = (
    "The ISECG Participating Agencies **welcome** the supplement to the Global Exploration "
    "Roadmap prepared by the working group, and ask the secretariat to publish it on the "
    "ISECG website.\n\nUnder the silence procedure the text is adopted at the deadline "
    "unless an agency objects."
)
EXPLICIT_TITLE = "Hold the next plenary as a hybrid meeting (demo)"
EXPLICIT_TEXT = (
    "The next ISECG plenary is held as a hybrid meeting so that every agency can take part. "
    "The host agency provides a teleconference bridge.\n\n"
    "- agencies confirm attendance four weeks ahead;\n- documents circulate two weeks ahead."
)
ADOPTED_TITLE = "Adopt the annual report outline (demo)"
ADOPTED_TEXT = (
    "The ISECG adopts the outline of its annual report as circulated by the secretariat. "
    "The chair, supported by the secretariat, issues the report (ToR III.2.2)."
)


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _agency(acronym: str) -> Agency | None:
    return Agency.objects.filter(acronym=acronym, status=AgencyStatus.PARTICIPATING).first()


def seed(*, stdout: Any) -> None:
    secretariat = _user("secretariat")
    now = timezone.now()
    with transaction.atomic():
        if not Motion.objects.filter(title=SILENCE_TITLE).exists():
            services.motion_propose(
                actor=secretariat,
                title=SILENCE_TITLE,
                text=SILENCE_TEXT + DEMO_NOTE,
                deadline=now + dt.timedelta(days=2),
                procedure=Procedure.SILENCE,
            )
            stdout.write("consensus: opened a silence-procedure motion (deadline in 2 days).")

        if not Motion.objects.filter(title=EXPLICIT_TITLE).exists():
            decision = services.motion_propose(
                actor=secretariat,
                title=EXPLICIT_TITLE,
                text=EXPLICIT_TEXT + DEMO_NOTE,
                deadline=now + dt.timedelta(days=9),
                procedure=Procedure.EXPLICIT,
            )
            for username, acronym, value, statement in (
                ("nasa.hod", "NASA", "concur", ""),
                (
                    "esa.hod",
                    "ESA",
                    "concur_with_reservation",
                    "ESA asks that the bridge be open to advisors as well.",
                ),
            ):
                user, agency = _user(username), _agency(acronym)
                if user is not None and agency is not None:
                    services.position_cast(
                        actor=user,
                        decision=decision,
                        agency=agency,
                        value=value,
                        statement=statement,
                    )
            stdout.write("consensus: opened an explicit motion with two positions.")

        if not Motion.objects.filter(title=ADOPTED_TITLE).exists():
            decision = services.motion_propose(
                actor=secretariat,
                title=ADOPTED_TITLE,
                text=ADOPTED_TEXT + DEMO_NOTE,
                deadline=now + dt.timedelta(days=14),
                procedure=Procedure.EXPLICIT,
            )
            services.decision_extend(
                actor=secretariat,
                decision=decision,
                deadline=now + dt.timedelta(days=21),
                reason="More time for agencies to consult internally (demo).",
            )
            members = list(decision.electorate.select_related("agency").order_by("agency__acronym"))
            for index, member in enumerate(members):
                value = "abstain" if index % 9 == 4 else "concur"
                services.position_record_on_behalf(
                    actor=secretariat,
                    decision=decision,
                    agency=member.agency,
                    value=value,
                    evidence="Demo: stated by the head of delegation at the plenary.",
                )
            decision.refresh_from_db()
            stdout.write(
                f"consensus: a motion decided by consensus ({decision.outcome or 'open'})."
            )

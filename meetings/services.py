"""Chair terms (ToR III.2.2). Meetings, venues and minutes arrive with issue 6."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from agencies.models import Agency, AgencyStatus
from agencies.roles import is_secretariat
from isecg.errors import ConflictError, PermissionDeniedError, ValidationFailed
from isecg.models import User
from isecg.services import audit_record
from meetings.models import ChairTerm


def chair_term_start(
    *, actor: User | None, agency: Agency, starts_on: dt.date, note: str = ""
) -> ChairTerm:
    """ToR III.2.2: the chairmanship rotates; starting a term ends the previous one.

    Starting a term for the agency that already holds the open one is a no-op.
    """
    if actor is not None and not is_secretariat(actor):
        raise PermissionDeniedError("Only the secretariat records chair terms.")
    if agency.status != AgencyStatus.PARTICIPATING:
        raise ConflictError(
            f"{agency.acronym} is not a participating agency; it cannot chair ISECG.",
            code="not_participating",
        )
    with transaction.atomic():
        current = ChairTerm.objects.select_for_update().filter(ends_on__isnull=True).first()
        if current is not None:
            if current.agency_id == agency.pk:
                return current
            if starts_on < current.starts_on:
                raise ValidationFailed(
                    "A new term cannot start before the current one began.",
                    code="invalid_date",
                    field="starts_on",
                )
            current.ends_on = starts_on
            current.save(update_fields=["ends_on"])
            audit_record(actor=actor, action="chair_term.ended", obj=current)
        term = ChairTerm.objects.create(
            agency=agency, starts_on=starts_on, note=note, created_by=actor
        )
        audit_record(
            actor=actor,
            action="chair_term.started",
            obj=term,
            data={"agency": agency.acronym, "starts_on": starts_on.isoformat()},
        )
    return term

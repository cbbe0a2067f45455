"""The record check's companion (ToR III.2.1): every power to act for an agency has a
current designation behind it; `verify_ledger` and the nightly sweep report any other."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from guardian.shortcuts import assign_perm

from agencies.roles import ACT_FOR_AGENCY
from consensus.services import ledger_verify_sweep
from isecg.models import AuditEvent, Notification
from tests.factories import UserFactory


def test_designated_representatives_pass(users: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command("verify_ledger", stdout=out, stderr=io.StringIO())
    assert "verified" in out.getvalue()
    assert ledger_verify_sweep() == []
    assert not Notification.objects.filter(key__startswith="designations:").exists()


def test_a_hand_made_grant_is_reported(users: dict[str, Any], agency_a: Any) -> None:
    intruder = UserFactory(username="intruder")
    assign_perm(ACT_FOR_AGENCY, intruder, agency_a)

    err = io.StringIO()
    with pytest.raises(CommandError, match="without a designation"):
        call_command("verify_ledger", stdout=io.StringIO(), stderr=err)
    assert "[permission_without_designation] intruder may act for AAA" in err.getvalue()

    ledger_verify_sweep()
    ledger_verify_sweep()  # once a day, not once a run
    notices = Notification.objects.filter(key__startswith="designations:")
    assert {n.recipient.username for n in notices} == {"secretariat"}
    assert "intruder may act for AAA" in notices.get().body
    assert AuditEvent.objects.filter(action="agencies.permission_without_designation").count() == 1

"""The cast's reads under the decision's lock (consensus.selectors, fixed SQL)."""

from __future__ import annotations

from typing import Any

import pytest

from consensus import selectors, services
from consensus.models import GENESIS_HASH, PositionEvent
from isecg.errors import PermissionDeniedError


def test_ledger_head_follows_the_last_entry(
    users: dict, agency_a: Any, agency_b: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    assert not PositionEvent.objects.filter(decision=decision).exists()
    assert selectors.ledger_head(decision.pk) is None
    first = services.position_cast(
        actor=users["rep_a"], decision=decision, agency=agency_a, value="concur"
    )
    assert first.prev_hash == GENESIS_HASH
    assert selectors.ledger_head(decision.pk) == (first.seq, first.hash)
    second = services.position_cast(
        actor=users["rep_b"], decision=decision, agency=agency_b, value="abstain"
    )
    assert second.prev_hash == first.hash
    assert selectors.ledger_head(decision.pk) == (second.seq, second.hash) == (2, second.hash)


def test_electorate_with_positions_one_row_per_member(
    users: dict, agency_a: Any, agency_b: Any, chair_agency: Any, open_motion: Any, frozen: Any
) -> None:
    decision = open_motion()
    services.position_cast(actor=users["rep_a"], decision=decision, agency=agency_a, value="concur")
    event = services.position_cast(
        actor=users["rep_b"], decision=decision, agency=agency_b, value="object", statement="No."
    )
    services.electorate_exclude_agency(actor=None, agency=agency_b, reason="Withdrew")
    rows = {row[0]: row for row in selectors.electorate_with_positions(decision.pk)}
    assert set(rows) == {agency_a.pk, agency_b.pk, chair_agency.pk}
    a, b, chair = rows[agency_a.pk], rows[agency_b.pk], rows[chair_agency.pk]
    assert a[1] is None and a[4:6] == ("concur", "")
    assert b[1] is not None and b[2] == "Withdrew"  # excluded; its position stays on record
    assert b[3:] == (decision.positions.get(agency=agency_b).pk, "object", "No.", event.pk)
    assert chair[1] is None and chair[3:] == (None, None, None, None)  # not yet responded

    # The excluded agency is refused, with the reason it was excluded.
    with pytest.raises(PermissionDeniedError) as refused:
        services.position_cast(
            actor=users["rep_b"], decision=decision, agency=agency_b, value="concur"
        )
    assert refused.value.code == "not_in_electorate" and "Withdrew" in refused.value.detail

"""The pure tally: exhaustive tables and hypothesis properties (no database)."""

from __future__ import annotations

import datetime as dt
import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consensus import tally as rules
from consensus.tally import tally

DEADLINE = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
BEFORE = DEADLINE - dt.timedelta(hours=1)
AFTER = DEADLINE
TWO_THIRDS = Fraction(2, 3)

procedures = st.sampled_from([rules.EXPLICIT, rules.SILENCE])
quorums = st.builds(lambda d, n: Fraction(min(n, d), d), st.integers(1, 12), st.integers(1, 12))
values = st.sampled_from(rules.VALUES)
instants = st.sampled_from([BEFORE, AFTER, DEADLINE + dt.timedelta(days=3)])


@st.composite
def scenarios(draw: st.DrawFn) -> dict:
    size = draw(st.integers(0, 12))
    electorate = list(range(1, size + 1))
    responders = draw(
        st.lists(st.sampled_from(electorate), unique=True) if electorate else st.just([])
    )
    positions = {agency: draw(values) for agency in responders}
    return {
        "procedure": draw(procedures),
        "quorum": draw(quorums),
        "electorate": electorate,
        "positions": positions,
        "deadline": DEADLINE,
        "now": draw(instants),
    }


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_a_standing_objection_never_yields_adopted(s: dict) -> None:
    result = tally(**s)
    if any(v == rules.OBJECT for v in s["positions"].values()):
        assert result.outcome != rules.ADOPTED
        assert not result.may_close_early
        assert result.blocking


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_silence_without_objection_at_deadline_is_adopted(s: dict) -> None:
    s = {**s, "procedure": rules.SILENCE, "now": AFTER}
    s["positions"] = {a: v for a, v in s["positions"].items() if v != rules.OBJECT}
    assert tally(**s).outcome == rules.ADOPTED


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_silence_with_objection_at_deadline_is_blocked(s: dict) -> None:
    s = {**s, "procedure": rules.SILENCE, "now": AFTER}
    if s["electorate"]:
        s["positions"] = {**s["positions"], s["electorate"][0]: rules.OBJECT}
        assert tally(**s).outcome == rules.BLOCKED


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 12), quorums, st.data())
def test_explicit_all_responded_without_objection_closes_early_adopted(
    size: int, quorum: Fraction, data: st.DataObject
) -> None:
    electorate = list(range(size))
    non_objecting = [rules.CONCUR, rules.CONCUR_WITH_RESERVATION, rules.ABSTAIN, rules.RECUSE]
    positions = {a: data.draw(st.sampled_from(non_objecting)) for a in electorate}
    # At least one agency is eligible (not recused).
    positions[0] = data.draw(st.sampled_from(non_objecting[:3]))
    result = tally(
        procedure=rules.EXPLICIT,
        quorum=quorum,
        electorate=electorate,
        positions=positions,
        deadline=DEADLINE,
        now=BEFORE,
    )
    assert result.may_close_early
    assert result.outcome == rules.ADOPTED
    assert result.not_responded == ()


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_recusals_leave_the_quorum_denominator(s: dict) -> None:
    result = tally(**s)
    recused = sum(1 for v in s["positions"].values() if v == rules.RECUSE)
    assert result.eligible == len(s["electorate"]) - recused
    assert result.quorum_required == -(
        -s["quorum"].numerator * result.eligible // s["quorum"].denominator
    )
    assert len(result.recused) == recused


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_explicit_below_quorum_at_deadline_lapses(s: dict) -> None:
    s = {**s, "procedure": rules.EXPLICIT, "now": AFTER}
    s["positions"] = {a: v for a, v in s["positions"].items() if v != rules.OBJECT}
    result = tally(**s)
    if result.explicit_responses < result.quorum_required or result.eligible == 0:
        assert result.outcome == rules.LAPSED
    else:
        assert result.outcome == rules.ADOPTED


@settings(max_examples=500, deadline=None)
@given(scenarios(), st.data())
def test_adding_a_concurrence_never_turns_adopted_into_anything_else(
    s: dict, data: st.DataObject
) -> None:
    before = tally(**s)
    if before.outcome != rules.ADOPTED:
        return
    candidates = [a for a in s["electorate"] if s["positions"].get(a) != rules.CONCUR]
    if not candidates:
        return
    agency = data.draw(st.sampled_from(candidates))
    after = tally(**{**s, "positions": {**s["positions"], agency: rules.CONCUR}})
    assert after.outcome == rules.ADOPTED


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_still_open_before_deadline_unless_early_close(s: dict) -> None:
    s = {**s, "now": BEFORE}
    result = tally(**s)
    assert (result.outcome is None) == (not result.may_close_early)
    if s["procedure"] == rules.SILENCE:
        assert result.outcome is None


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_counts_partition_the_electorate(s: dict) -> None:
    result = tally(**s)
    assert sum(result.counts.values()) == len(result.responded)
    assert set(result.responded) | set(result.not_responded) == set(s["electorate"])
    assert not set(result.responded) & set(result.not_responded)


def test_positions_outside_the_electorate_do_not_count() -> None:
    result = tally(
        procedure=rules.EXPLICIT,
        quorum=TWO_THIRDS,
        electorate=[1, 2],
        positions={1: rules.CONCUR, 2: rules.CONCUR, 3: rules.OBJECT},
        deadline=DEADLINE,
        now=BEFORE,
    )
    assert result.outcome == rules.ADOPTED
    assert result.blocking == ()


@pytest.mark.parametrize("bad", [Fraction(0), Fraction(4, 3), Fraction(-1, 2)])
def test_quorum_must_be_in_0_1(bad: Fraction) -> None:
    with pytest.raises(ValueError):
        tally(
            procedure=rules.EXPLICIT,
            quorum=bad,
            electorate=[1],
            positions={},
            deadline=DEADLINE,
            now=BEFORE,
        )


def test_unknown_procedure_or_value_is_refused() -> None:
    with pytest.raises(ValueError):
        tally(
            procedure="vote",
            quorum=TWO_THIRDS,
            electorate=[1],
            positions={},
            deadline=DEADLINE,
            now=BEFORE,
        )
    with pytest.raises(ValueError):
        tally(
            procedure=rules.EXPLICIT,
            quorum=TWO_THIRDS,
            electorate=[1],
            positions={1: "maybe"},
            deadline=DEADLINE,
            now=BEFORE,
        )


def _expected(procedure: str, combo: tuple[str | None, ...], now: dt.datetime) -> str | None:
    """The rules of DESIGN.md written out plainly, for the exhaustive table."""
    cast = [v for v in combo if v is not None]
    objection = rules.OBJECT in cast
    recused = cast.count(rules.RECUSE)
    eligible = len(combo) - recused
    explicit = sum(1 for v in cast if v in rules.EXPLICIT_RESPONSES)
    required = -(-2 * eligible // 3)
    everyone = None not in combo
    if now < DEADLINE:
        if procedure == rules.EXPLICIT and everyone and not objection and eligible > 0:
            return rules.ADOPTED
        return None
    if objection:
        return rules.BLOCKED
    if procedure == rules.SILENCE:
        return rules.ADOPTED
    return rules.ADOPTED if eligible > 0 and explicit >= required else rules.LAPSED


@pytest.mark.parametrize("size", [1, 2, 3, 4])
@pytest.mark.parametrize("procedure", [rules.EXPLICIT, rules.SILENCE])
@pytest.mark.parametrize("now", [BEFORE, AFTER])
def test_exhaustive_table_small_electorates(size: int, procedure: str, now: dt.datetime) -> None:
    """Every combination of positions (including no answer) for up to four agencies."""
    options: list[str | None] = [None, *rules.VALUES]
    for combo in itertools.product(options, repeat=size):
        positions = {i: v for i, v in enumerate(combo) if v is not None}
        result = tally(
            procedure=procedure,
            quorum=TWO_THIRDS,
            electorate=range(size),
            positions=positions,
            deadline=DEADLINE,
            now=now,
        )
        assert result.outcome == _expected(procedure, combo, now), (procedure, combo, now)


@pytest.mark.parametrize(
    ("eligible", "quorum", "required"),
    [
        (27, Fraction(2, 3), 18),
        (26, Fraction(2, 3), 18),
        (3, Fraction(2, 3), 2),
        (1, Fraction(2, 3), 1),
        (0, Fraction(2, 3), 0),
        (10, Fraction(1, 2), 5),
        (11, Fraction(1, 2), 6),
        (7, Fraction(1, 1), 7),
    ],
)
def test_quorum_is_ceil_of_fraction(eligible: int, quorum: Fraction, required: int) -> None:
    assert rules.quorum_required(quorum, eligible) == required


def test_explicit_with_everyone_recused_lapses() -> None:
    result = tally(
        procedure=rules.EXPLICIT,
        quorum=TWO_THIRDS,
        electorate=[1, 2],
        positions={1: rules.RECUSE, 2: rules.RECUSE},
        deadline=DEADLINE,
        now=AFTER,
    )
    assert result.outcome == rules.LAPSED
    assert result.eligible == 0


def test_result_is_frozen() -> None:
    result = tally(
        procedure=rules.SILENCE,
        quorum=TWO_THIRDS,
        electorate=[1],
        positions={},
        deadline=DEADLINE,
        now=AFTER,
    )
    with pytest.raises(AttributeError):
        result.outcome = "blocked"  # type: ignore[misc]

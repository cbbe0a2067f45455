"""REST API for decisions: list, detail with tally, positions, open/extend/withdraw, ledger.

Thin adapters: input through plain serializers, then one service or selector. Who may
do what is decided by the services (chair/secretariat open, extend and withdraw;
representatives cast for their own agency; the secretariat records on behalf).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency
from agencies.roles import represented_agencies
from consensus import seal, selectors, services, verification
from consensus.models import (
    Decision,
    DecisionKind,
    DecisionSeal,
    DecisionState,
    Outcome,
    PositionValue,
    Procedure,
)
from consensus.record import HASH_ALGORITHM
from consensus.rendering import render_markdown
from isecg.api.schema import READ_ERRORS, WRITE_ERRORS
from isecg.errors import PermissionDeniedError, ValidationFailed
from isecg.http import actor

# --- output ---------------------------------------------------------------------------


class TallySerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField(allow_null=True, help_text="What the rules say now.")
    counts = serializers.DictField(child=serializers.IntegerField())
    electorate_size = serializers.IntegerField()
    eligible = serializers.IntegerField(help_text="Electorate minus recused agencies.")
    explicit_responses = serializers.IntegerField()
    quorum_required = serializers.IntegerField()
    quorum_met = serializers.BooleanField()
    responded_count = serializers.IntegerField()
    not_responded_count = serializers.SerializerMethodField()
    may_close_early = serializers.BooleanField()
    deadline_passed = serializers.BooleanField()
    reason = serializers.CharField()

    def get_not_responded_count(self, obj: Any) -> int:
        return len(obj.not_responded)


class SubjectSerializer(serializers.Serializer[Any]):
    type = serializers.CharField()
    id = serializers.IntegerField()


class DecisionSerializer(serializers.ModelSerializer[Decision]):
    quorum = serializers.SerializerMethodField()
    subject = serializers.SerializerMethodField()
    tally = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "kind",
            "title",
            "procedure",
            "quorum",
            "state",
            "outcome",
            "outcome_reason",
            "opened_at",
            "deadline",
            "closed_at",
            "round_number",
            "previous_round",
            "subject",
            "tally",
            "url",
        ]
        read_only_fields = fields

    def get_quorum(self, obj: Decision) -> str:
        return f"{obj.quorum_numerator}/{obj.quorum_denominator}"

    @extend_schema_field(SubjectSerializer(allow_null=True))
    def get_subject(self, obj: Decision) -> dict[str, Any] | None:
        if obj.subject_content_type is None:
            return None
        return {"type": obj.subject_content_type.model, "id": obj.subject_object_id}

    @extend_schema_field(TallySerializer)
    def get_tally(self, obj: Decision) -> dict[str, Any]:
        return dict(TallySerializer(selectors.decision_tally(obj)).data)

    def get_url(self, obj: Decision) -> str:
        return services.decision_url(obj)


class AgencyRowSerializer(serializers.Serializer[Any]):
    agency = serializers.CharField(help_text="Acronym.")
    excluded = serializers.BooleanField()
    exclusion_reason = serializers.CharField()
    position = serializers.CharField(allow_null=True)
    statement = serializers.CharField()
    cast_at = serializers.DateTimeField(allow_null=True)
    on_behalf = serializers.BooleanField()
    receipt = serializers.CharField(allow_null=True)


class HistorySerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    agency = serializers.CharField(allow_null=True)
    value = serializers.CharField(allow_null=True)
    note = serializers.CharField()
    actor = serializers.CharField(allow_null=True)


class DecisionDetailSerializer(DecisionSerializer):
    text = serializers.CharField()
    text_html = serializers.SerializerMethodField()
    agencies = serializers.SerializerMethodField()
    not_responded = serializers.SerializerMethodField()
    blocking = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta(DecisionSerializer.Meta):
        fields = [
            *DecisionSerializer.Meta.fields,
            "text",
            "text_html",
            "agencies",
            "not_responded",
            "blocking",
            "history",
        ]
        read_only_fields = fields

    def get_text_html(self, obj: Decision) -> str:
        return render_markdown(obj.text)

    @extend_schema_field(AgencyRowSerializer(many=True))
    def get_agencies(self, obj: Decision) -> list[dict[str, Any]]:
        return [dict(row) for row in agency_rows(obj)]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_not_responded(self, obj: Decision) -> list[str]:
        return [
            row["agency"]
            for row in agency_rows(obj)
            if row["position"] is None and not row["excluded"]
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_blocking(self, obj: Decision) -> list[str]:
        return [
            row["agency"]
            for row in agency_rows(obj)
            if row["position"] == PositionValue.OBJECT and not row["excluded"]
        ]

    @extend_schema_field(HistorySerializer(many=True))
    def get_history(self, obj: Decision) -> list[dict[str, Any]]:
        return history(obj)


def agency_rows(decision: Decision) -> list[dict[str, Any]]:
    """One row per electorate agency (uses the detail selector's prefetches)."""
    cached = getattr(decision, "_agency_rows", None)
    if cached is not None:
        return cached
    positions = {p.agency_id: p for p in decision.positions.all()}
    rows = []
    for member in decision.electorate.all():
        position = positions.get(member.agency_id)
        rows.append(
            {
                "agency": member.agency.acronym,
                "agency_id": member.agency_id,
                "excluded": member.excluded_at is not None,
                "exclusion_reason": member.exclusion_reason,
                "position": position.value if position else None,
                "position_label": position.get_value_display() if position else "",
                "statement": position.statement if position else "",
                "cast_at": position.event.at if position else None,
                "cast_by": str(position.event.cast_by)
                if position and position.event.cast_by
                else "",
                "on_behalf": position.event.on_behalf if position else False,
                "evidence": position.event.evidence if position else "",
                "receipt": position.event.hash if position else None,
            }
        )
    decision._agency_rows = rows  # type: ignore[attr-defined]
    return rows


def history(decision: Decision) -> list[dict[str, Any]]:
    """Decision events and position events, merged in time order."""
    items = [
        {
            "at": event.at,
            "kind": event.kind,
            "agency": event.data.get("agency") if isinstance(event.data, dict) else None,
            "value": None,
            "note": event.note,
            "actor": str(event.actor) if event.actor else None,
        }
        for event in decision.events.all()
    ]
    items += [
        {
            "at": event.at,
            "kind": "position_recorded" if event.on_behalf else "position_cast",
            "agency": event.agency.acronym,
            "value": event.value,
            "note": event.statement,
            "actor": str(event.cast_by) if event.cast_by else None,
        }
        for event in decision.position_events.all()
    ]
    return sorted(items, key=lambda item: item["at"])


class LedgerEntrySerializer(serializers.Serializer[Any]):
    seq = serializers.IntegerField()
    decision = serializers.IntegerField(source="decision_id")
    agency = serializers.IntegerField(source="agency_id")
    agency_acronym = serializers.CharField(source="agency.acronym")
    value = serializers.CharField()
    statement = serializers.CharField()
    cast_by = serializers.IntegerField(source="cast_by_id", allow_null=True)
    on_behalf = serializers.BooleanField()
    evidence = serializers.CharField()
    at = serializers.DateTimeField()
    prev_hash = serializers.CharField()
    hash = serializers.CharField()


class ProblemSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Stable code, e.g. position_mismatch.")
    message = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])


class SealSerializer(serializers.Serializer[Any]):
    algorithm = serializers.CharField()
    message = serializers.CharField(help_text="The canonical JSON that is signed.")
    signature = serializers.CharField(help_text="Ed25519 signature of `message`, base64.")
    key_id = serializers.CharField()
    sealed_at = serializers.CharField()
    retroactive = serializers.BooleanField()


class LedgerSerializer(serializers.Serializer[Any]):
    decision = serializers.IntegerField()
    verified = serializers.BooleanField(
        help_text="The whole record verifies: chain, current positions, outcome and seal."
    )
    length = serializers.IntegerField()
    broken_at = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField(help_text="Every error in words, on one line.")
    problems = ProblemSerializer(many=True)
    head = serializers.CharField()
    algorithm = serializers.CharField()
    sealed = serializers.BooleanField()
    seal = SealSerializer(allow_null=True)
    entries = LedgerEntrySerializer(many=True)


class PublicKeySerializer(serializers.Serializer[Any]):
    algorithm = serializers.CharField()
    key_id = serializers.CharField()
    pem = serializers.CharField(help_text="SubjectPublicKeyInfo PEM.")
    raw_base64 = serializers.CharField(help_text="The 32 raw bytes of the key, base64.")


class ReceiptSerializer(serializers.Serializer[Any]):
    seq = serializers.IntegerField()
    agency = serializers.CharField(source="agency.acronym")
    value = serializers.CharField()
    statement = serializers.CharField()
    on_behalf = serializers.BooleanField()
    at = serializers.DateTimeField()
    prev_hash = serializers.CharField()
    receipt = serializers.CharField(source="hash", help_text="SHA-256 of this ledger entry.")
    decision_state = serializers.CharField(source="decision.state")
    decision_outcome = serializers.CharField(source="decision.outcome")


# --- input ----------------------------------------------------------------------------


class OpenSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=[DecisionKind.MOTION], default=DecisionKind.MOTION)
    title = serializers.CharField(max_length=200)
    text = serializers.CharField()
    deadline = serializers.DateTimeField()
    procedure = serializers.ChoiceField(choices=Procedure.choices, default=Procedure.EXPLICIT)
    quorum_numerator = serializers.IntegerField(default=2, min_value=1)
    quorum_denominator = serializers.IntegerField(default=3, min_value=1)


class PositionInSerializer(serializers.Serializer[Any]):
    agency = serializers.CharField(
        required=False, help_text="Acronym; optional when you represent one agency only."
    )
    value = serializers.ChoiceField(choices=PositionValue.choices)
    statement = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Objection grounds (required for object) or reservation (required for "
        "concur_with_reservation). A plain concur takes none: 400 "
        "`statement_needs_reservation`.",
    )


class OnBehalfSerializer(PositionInSerializer):
    agency = serializers.CharField(help_text="Acronym.")
    evidence = serializers.CharField(
        allow_blank=True, help_text='e.g. "email from head of delegation, 3 May".'
    )


class ExtendSerializer(serializers.Serializer[Any]):
    deadline = serializers.DateTimeField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class WithdrawSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True)


class NewRoundSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    text = serializers.CharField()
    deadline = serializers.DateTimeField()


# --- the viewset ----------------------------------------------------------------------


class DecisionFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=DecisionState.choices)
    kind = django_filters.ChoiceFilter(choices=DecisionKind.choices)
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)
    procedure = django_filters.ChoiceFilter(choices=Procedure.choices)
    awaiting = django_filters.ChoiceFilter(
        choices=[("mine", "Awaiting a position from an agency I represent")],
        method="filter_awaiting",
    )

    class Meta:
        model = Decision
        fields = ["state", "kind", "outcome", "procedure", "awaiting"]

    def filter_awaiting(self, queryset: QuerySet[Decision], name: str, value: str) -> Any:
        return selectors.decisions_awaiting(self.request.user, queryset)


def _agency_for(user: Any, acronym: str | None) -> Agency:
    if acronym:
        agency = Agency.objects.filter(acronym__iexact=acronym).first()
        if agency is None:
            raise ValidationFailed(f"No agency {acronym!r}.", code="unknown_agency", field="agency")
        return agency
    # One query; it primes the ids cached on the user for the service's represents() check.
    mine = represented_agencies(user)
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise PermissionDeniedError("You do not represent an agency.", code="not_your_agency")
    raise ValidationFailed("Say which agency.", code="required", field="agency")


class DecisionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Decision]
):
    """Consensus decisions (ToR III.2.2). Signed-in users read; services decide who writes."""

    permission_classes = [IsAuthenticated]
    filterset_class = DecisionFilter
    ordering_fields = ["deadline", "opened_at", "closed_at"]
    search_fields = ["title"]

    def get_queryset(self) -> QuerySet[Decision]:
        return selectors.decisions_visible_to(self.request.user)

    def get_serializer_class(self) -> Any:
        return DecisionDetailSerializer if self.action == "retrieve" else DecisionSerializer

    def _decision(self, pk: Any) -> Decision:
        if not (str(pk).isascii() and str(pk).isdigit()):
            raise_not_found()
        decision = selectors.decision_detail(self.request.user, int(pk))
        if decision is None:
            raise_not_found()
        return decision  # type: ignore[return-value]

    def _detail_response(self, pk: int, status_code: int = 200) -> Response:
        decision = self._decision(pk)
        return Response(DecisionDetailSerializer(decision).data, status=status_code)

    @extend_schema(summary="List decisions", responses={200: DecisionSerializer, **READ_ERRORS})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="A decision with its tally, per-agency positions and history",
        responses={200: DecisionDetailSerializer, **READ_ERRORS},
    )
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(DecisionDetailSerializer(self._decision(pk)).data)

    @extend_schema(
        summary="Open a motion for consensus (chair or secretariat)",
        request=OpenSerializer,
        responses={201: DecisionDetailSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = _valid(OpenSerializer, request)
        decision = services.motion_propose(
            actor=actor(request),
            title=data["title"],
            text=data["text"],
            deadline=data["deadline"],
            procedure=data["procedure"],
            quorum=(data["quorum_numerator"], data["quorum_denominator"]),
        )
        return self._detail_response(decision.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cast your agency's position (a representative of an agency in the electorate)",
        description="Returns the ledger entry; its `receipt` is the agency's SHA-256 receipt. "
        "400 `grounds_required` / `statement_required` / `statement_needs_reservation`; "
        "403 `not_your_agency` / `not_in_electorate`; 409 `decision_closed` / `deadline_passed`. "
        "No confirmation step: that is the decision page's.",
        request=PositionInSerializer,
        responses={201: ReceiptSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def positions(self, request: Request, pk: Any = None) -> Response:
        # Every signed-in user sees every decision: the service's own locked read is the
        # existence check (404 decision_not_found), so the decision is read only once.
        decision_id = _decision_id(pk)
        data = _valid(PositionInSerializer, request)
        agency = _agency_for(request.user, data.get("agency"))
        event = services.position_cast(
            actor=actor(request),
            decision=decision_id,
            agency=agency,
            value=data["value"],
            statement=data["statement"],
        )
        return Response(ReceiptSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record a position on an agency's behalf (secretariat, with evidence)",
        request=OnBehalfSerializer,
        responses={201: ReceiptSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="record-on-behalf")
    def record_on_behalf(self, request: Request, pk: Any = None) -> Response:
        decision = get_object_or_404(self.get_queryset(), pk=pk)
        data = _valid(OnBehalfSerializer, request)
        event = services.position_record_on_behalf(
            actor=actor(request),
            decision=decision,
            agency=_agency_for(request.user, data["agency"]),
            value=data["value"],
            statement=data["statement"],
            evidence=data["evidence"],
        )
        return Response(ReceiptSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Extend the deadline before it passes (chair or secretariat)",
        request=ExtendSerializer,
        responses={200: DecisionDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: Any = None) -> Response:
        decision = get_object_or_404(self.get_queryset(), pk=pk)
        data = _valid(ExtendSerializer, request)
        services.decision_extend(
            actor=actor(request),
            decision=decision,
            deadline=data["deadline"],
            reason=data["reason"],
        )
        return self._detail_response(decision.pk)

    @extend_schema(
        summary="Withdraw an open decision (chair or secretariat)",
        request=WithdrawSerializer,
        responses={200: DecisionDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        decision = get_object_or_404(self.get_queryset(), pk=pk)
        data = _valid(WithdrawSerializer, request)
        services.decision_withdraw(actor=actor(request), decision=decision, reason=data["reason"])
        return self._detail_response(decision.pk)

    @extend_schema(
        summary="Open a new round on a revised text after a blocked decision",
        request=NewRoundSerializer,
        responses={201: DecisionDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="new-round")
    def new_round(self, request: Request, pk: Any = None) -> Response:
        decision = get_object_or_404(self.get_queryset(), pk=pk)
        data = _valid(NewRoundSerializer, request)
        new = services.decision_new_round(
            actor=actor(request),
            decision=decision,
            text=data["text"],
            deadline=data["deadline"],
            title=data["title"],
        )
        return self._detail_response(new.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="The position ledger and whether the decision's whole record verifies",
        description="Each entry's `hash` is SHA-256 over the canonical JSON (sorted keys, "
        "separators `,` and `:`) of decision, seq, agency, value, statement, cast_by, "
        "on_behalf, evidence, at (UTC ISO 8601 with microseconds) and prev_hash. `verified` "
        "covers the whole record: the chain, each current position against its agency's last "
        "entry, a closed decision's outcome against the tally of the ledger, and the seal. "
        "`problems` lists each problem with a stable `code`.",
        responses={200: LedgerSerializer, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def ledger(self, request: Request, pk: Any = None) -> Response:
        decision = get_object_or_404(self.get_queryset(), pk=pk)
        events = list(decision.position_events.select_related("agency").order_by("seq", "id"))
        check = verification.verify_decision_record(decision)
        sealed = DecisionSeal.objects.filter(decision=decision).first()
        return Response(
            LedgerSerializer(
                {
                    "decision": decision.pk,
                    "verified": check.verified,
                    "length": check.length,
                    "broken_at": check.broken_at,
                    "problem": check.problem,
                    "problems": [p.as_dict() for p in check.problems],
                    "head": check.head,
                    "algorithm": HASH_ALGORITHM,
                    "sealed": check.sealed,
                    "seal": verification.seal_document(sealed),
                    "entries": events,
                }
            ).data
        )

    @extend_schema(
        summary="The decision's exportable record (JSON bundle), to verify offline",
        description="The decision, its electorate, every ledger entry with its hash fields, "
        "the seal and the public key id. Check it with `manage.py verify_record` or as "
        'README "Verifying a decision record" describes.',
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def record(self, request: Request, pk: Any = None) -> Response:
        decision = get_object_or_404(self.get_queryset().prefetch_related(None), pk=pk)
        response = Response(verification.record_bundle(decision))
        response["Content-Disposition"] = (
            f'attachment; filename="decision-{decision.pk}-record.json"'
        )
        return response


class PublicKeyView(APIView):
    """The public key that verifies every decision's seal (anyone may read it)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        summary="The public key of the record's seals (Ed25519)",
        responses={200: PublicKeySerializer},
    )
    def get(self, request: Request) -> Response:
        info = seal.public_key_info()
        return Response(PublicKeySerializer(info).data)


def _decision_id(pk: Any) -> int:
    if not (str(pk).isascii() and str(pk).isdigit()) or int(pk) > 2**63 - 1:
        raise_not_found()
    return int(pk)


def raise_not_found() -> None:
    from rest_framework.exceptions import NotFound

    raise NotFound("No such decision.")


def _valid(serializer_class: type[serializers.Serializer[Any]], request: Request) -> Any:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data

"""REST API of the meetings app: thin adapters over meetings.services and meetings.selectors.

Reads need a signed-in user; every write is checked by its service (secretariat, chair,
or a representative acting for their own agency), so refusals are 403 from one place.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency
from consensus.models import Decision
from isecg.api.schema import READ_ERRORS, WRITE_ERRORS, error
from isecg.errors import ValidationFailed
from isecg.http import actor
from isecg.models import User
from meetings import calendar, selectors, services
from meetings.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    CalendarFeedToken,
    ChairNomination,
    ChairTerm,
    Meeting,
    MeetingKind,
    MeetingState,
    Minutes,
    TeleconferenceSeries,
    VenueProposal,
)
from meetings.recurrence import explain


class SignedInServiceChecks(BasePermission):
    """Signed-in users only; what each may change is decided by the service (403)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)


class AgencyField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "acronym")
        kwargs.setdefault("queryset", Agency.objects.all())
        super().__init__(**kwargs)


# --- serializers ---------------------------------------------------------------------------


class MeetingSerializer(serializers.ModelSerializer[Meeting]):
    hosts: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", many=True, read_only=True
    )
    starts_at_local = serializers.SerializerMethodField()
    ends_at_local = serializers.SerializerMethodField()
    moved = serializers.BooleanField(read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "title",
            "kind",
            "state",
            "starts_at",
            "ends_at",
            "time_zone",
            "starts_at_local",
            "ends_at_local",
            "dates_uncertain",
            "city",
            "country",
            "venue",
            "dial_in",
            "hosts",
            "associated_event",
            "series",
            "occurrence_key",
            "moved",
            "notes",
        ]
        read_only_fields = fields

    def get_starts_at_local(self, obj: Meeting) -> str:
        return obj.local_starts_at.isoformat()

    def get_ends_at_local(self, obj: Meeting) -> str:
        return obj.local_ends_at.isoformat()


class MeetingWriteSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    time_zone = serializers.CharField(max_length=64, default="UTC")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    dial_in = serializers.CharField(required=False, allow_blank=True, default="")
    hosts = AgencyField(many=True, required=False, default=list)
    associated_event = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class MeetingUpdateSerializer(MeetingWriteSerializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Why the dates change: required when starts_at or ends_at changes.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


class VenueChangeSerializer(serializers.Serializer[Any]):
    host_agencies = AgencyField(many=True)
    chair_agency = AgencyField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The host that assumes the chair (required with several hosts).",
    )
    city = serializers.CharField(max_length=100)
    country = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    reason = serializers.CharField(allow_blank=True)
    statement = serializers.CharField(required=False, allow_blank=True, default="")
    cost_acknowledged = serializers.BooleanField(default=False)


class MeetingCancelSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        allow_blank=True, help_text="Why the meeting is cancelled (required)."
    )
    host_agency = AgencyField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The host that withdraws its offer to host (required with several hosts).",
    )
    evidence = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "The secretariat, recording a host's withdrawal on its behalf: the letter or email "
            "received from the host (required then)."
        ),
    )


class VenueWithdrawSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        allow_blank=True, help_text="Why the proposal is withdrawn (required)."
    )
    agency = AgencyField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "The proposing agency that withdraws its offer (required when you could act for "
            "several)."
        ),
    )
    evidence = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "The secretariat, recording a proposing agency's withdrawal on its behalf: the "
            "letter or email received from the agency (required then)."
        ),
    )


class MeetingCancellationSerializer(serializers.Serializer[Any]):
    """ToR III.2.2: how the meeting was cancelled (`meetings.selectors.meeting_cancellation`)."""

    at = serializers.DateTimeField(help_text="When the cancellation was recorded.")
    by = serializers.IntegerField(
        source="by.pk", allow_null=True, help_text="The user who recorded it (null: the system)."
    )
    by_name = serializers.CharField()
    basis = serializers.ChoiceField(
        choices=[
            ("host_withdrawal", "A host withdrew its offer to host an agreed meeting"),
            ("venue_proposal_withdrawn", "The proposers withdrew the venue proposal"),
            ("chair_or_secretariat", "The chair or the secretariat (no venue decision)"),
            ("", "Not recorded"),
        ]
    )
    host_agency = serializers.CharField(
        allow_null=True, help_text="Acronym of the agency that withdrew its offer."
    )
    on_behalf = serializers.BooleanField(
        help_text="The secretariat recorded the agency's withdrawal on its behalf."
    )
    reason = serializers.CharField()
    evidence = serializers.CharField(help_text="The letter or email received (on behalf only).")


class AgendaItemSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    decision = serializers.PrimaryKeyRelatedField(
        queryset=Decision.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    product_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A product (products app)."
    )
    product_title = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {
            "id": instance.pk,
            "position": instance.position,
            "title": instance.title,
            "description": instance.description,
            "decision": instance.decision_id,
            "product_id": int(instance.product_object_id) if instance.product_object_id else None,
            "product_title": instance.product_title,
        }


class AgendaOrderSerializer(serializers.Serializer[Any]):
    items = serializers.ListField(child=serializers.IntegerField())


class AgendaWithdrawSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        allow_blank=True, help_text="Why the item is taken off the agenda (required)."
    )


class WithdrawnAgendaItemSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    position = serializers.IntegerField(help_text="The number the item had on the agenda.")
    title = serializers.CharField()
    withdrawn_at = serializers.DateTimeField()
    withdrawn_by = serializers.IntegerField(source="withdrawn_by_id", allow_null=True)
    withdrawal_reason = serializers.CharField()


class AttendanceSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    agency = AgencyField()
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())


class AdvisorSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    agency = AgencyField()
    name = serializers.CharField(max_length=200)
    affiliation = serializers.CharField(max_length=200)
    expertise = serializers.CharField(max_length=300)
    conflict_of_interest_statement = serializers.CharField()
    notified_at = serializers.DateTimeField(read_only=True)
    late_notice = serializers.BooleanField(read_only=True)


class ActionItemSerializer(serializers.ModelSerializer[ActionItem]):
    owner_agency = AgencyField()

    class Meta:
        model = ActionItem
        fields = ["id", "meeting", "title", "owner_agency", "due_on", "status", "closed_at"]
        read_only_fields = ["id", "meeting", "status", "closed_at"]


class ActionStatusSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ActionItemStatus.choices)


class MeetingDetailSerializer(MeetingSerializer):
    agenda = serializers.SerializerMethodField()
    attendances = serializers.SerializerMethodField()
    advisors = serializers.SerializerMethodField()
    action_items = ActionItemSerializer(many=True, read_only=True)
    cancellation = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [
            *MeetingSerializer.Meta.fields,
            "agenda",
            "attendances",
            "advisors",
            "action_items",
            "cancellation",
        ]
        read_only_fields = fields

    @extend_schema_field(MeetingCancellationSerializer(allow_null=True))
    def get_cancellation(self, obj: Meeting) -> dict[str, Any] | None:
        """Who cancelled the meeting, on whose behalf, why and the evidence; null unless
        cancelled (ToR III.2.2)."""
        cancellation = selectors.meeting_cancellation(obj)
        if cancellation is None:
            return None
        return dict(MeetingCancellationSerializer(cancellation).data)

    def get_agenda(self, obj: Meeting) -> list[dict[str, Any]]:
        return [
            {
                "id": item.pk,
                "position": item.position,
                "title": item.title,
                "description": item.description,
                "decision": item.decision_id,
                "product_id": int(item.product_object_id) if item.product_object_id else None,
                "product_title": item.product_title,
            }
            for item in obj.active_agenda
        ]

    def get_attendances(self, obj: Meeting) -> list[dict[str, Any]]:
        return [
            {"id": a.pk, "agency": a.agency.acronym, "user": a.user_id, "name": str(a.user)}
            for a in obj.attendances.all()
        ]

    def get_advisors(self, obj: Meeting) -> list[dict[str, Any]]:
        return [
            {
                "id": a.pk,
                "agency": a.agency.acronym,
                "name": a.name,
                "affiliation": a.affiliation,
                "expertise": a.expertise,
                "conflict_of_interest_statement": a.conflict_of_interest_statement,
                "late_notice": a.late_notice,
            }
            for a in obj.advisors.all()
        ]


class SeriesSerializer(serializers.ModelSerializer[TeleconferenceSeries]):
    explained = serializers.SerializerMethodField()

    class Meta:
        model = TeleconferenceSeries
        fields = [
            "id",
            "title",
            "rule",
            "explained",
            "local_time",
            "time_zone",
            "duration_minutes",
            "starts_on",
            "dial_in",
            "horizon_days",
            "active",
        ]
        read_only_fields = ["id", "explained", "active"]

    def get_explained(self, obj: TeleconferenceSeries) -> str:
        return explain(obj.rule, obj.local_time, obj.time_zone)


class VenueProposalSerializer(serializers.ModelSerializer[VenueProposal]):
    host_agencies: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", many=True, read_only=True
    )
    chair_agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    meeting = MeetingSerializer(read_only=True)

    class Meta:
        model = VenueProposal
        fields = [
            "id",
            "state",
            "is_change",
            "host_agencies",
            "chair_agency",
            "city",
            "country",
            "venue",
            "reason",
            "cost_acknowledged",
            "cost_acknowledged_at",
            "statement",
            "meeting",
            "created_at",
        ]
        read_only_fields = fields


class VenueProposalCreateSerializer(serializers.Serializer[Any]):
    host_agencies = AgencyField(many=True)
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=MeetingKind.choices, default=MeetingKind.PLENARY)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    time_zone = serializers.CharField(max_length=64, default="UTC")
    city = serializers.CharField(max_length=100)
    country = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    associated_event = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    statement = serializers.CharField(required=False, allow_blank=True, default="")
    cost_acknowledged = serializers.BooleanField(default=False)
    chair_agency = AgencyField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The host that assumes the chair (required with several hosts).",
    )


class DeadlineSerializer(serializers.Serializer[Any]):
    deadline = serializers.DateTimeField()
    procedure = serializers.ChoiceField(choices=["explicit", "silence"], default="explicit")


class MeetingDecisionRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()
    deadline = serializers.DateTimeField()


class MinutesSerializer(serializers.ModelSerializer[Minutes]):
    comments = serializers.SerializerMethodField()
    issued_by_name = serializers.SerializerMethodField()
    approval_agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    approved_by_name = serializers.SerializerMethodField()
    approval_recorded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Minutes
        fields = [
            "id",
            "meeting",
            "version",
            "state",
            "body",
            "correction_reason",
            "corrects",
            "comment_deadline",
            "circulated_at",
            "issued_at",
            "issued_by",
            "issued_by_name",
            "approved_at",
            "approval_agency",
            "approved_by",
            "approved_by_name",
            "approval_recorded_by",
            "approval_recorded_by_name",
            "approval_evidence",
            "comments_closed_at",
            "comments_closed_reason",
            "comments",
        ]
        read_only_fields = fields

    @staticmethod
    def _name(user: Any) -> str | None:
        return str(user) if user is not None else None

    def get_issued_by_name(self, obj: Minutes) -> str | None:
        return self._name(obj.issued_by)

    def get_approved_by_name(self, obj: Minutes) -> str | None:
        return self._name(obj.approved_by)

    def get_approval_recorded_by_name(self, obj: Minutes) -> str | None:
        return self._name(obj.approval_recorded_by)

    def get_comments(self, obj: Minutes) -> list[dict[str, Any]]:
        return [
            {"agency": c.agency.acronym, "author": str(c.author), "body": c.body, "at": c.at}
            for c in obj.comments.all()
        ]


class MinutesDraftSerializer(serializers.Serializer[Any]):
    meeting = serializers.PrimaryKeyRelatedField(queryset=Meeting.objects.all())
    body = serializers.CharField(required=False, allow_blank=True, default="")


class MinutesEditSerializer(serializers.Serializer[Any]):
    body = serializers.CharField()


class MinutesCirculateSerializer(serializers.Serializer[Any]):
    comment_deadline = serializers.DateTimeField()


class MinutesCommentSerializer(serializers.Serializer[Any]):
    agency = AgencyField()
    body = serializers.CharField()


class MinutesEvidenceSerializer(serializers.Serializer[Any]):
    evidence = serializers.CharField(
        allow_blank=True, help_text="How the chair's approval was received (required)."
    )


class CloseCommentsSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True, help_text="Required.")


class MinutesCorrectSerializer(serializers.Serializer[Any]):
    body = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)


class ChairTermSerializer(serializers.ModelSerializer[ChairTerm]):
    agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    length_days = serializers.SerializerMethodField()

    class Meta:
        model = ChairTerm
        fields = [
            "id",
            "agency",
            "starts_on",
            "ends_on",
            "dates_uncertain",
            "assumed_at",
            "decision",
            "note",
            "length_days",
        ]
        read_only_fields = fields

    def get_length_days(self, obj: ChairTerm) -> int:
        return obj.length_days()


class RotationStatsSerializer(serializers.Serializer[Any]):
    current_agency = serializers.CharField(allow_null=True)
    current_days = serializers.IntegerField(allow_null=True)
    current_months = serializers.FloatField(allow_null=True)
    average_months = serializers.FloatField(allow_null=True)
    completed_terms = serializers.IntegerField()
    uncertain_terms = serializers.IntegerField()
    status = serializers.CharField()


class HandoverSerializer(serializers.Serializer[Any]):
    term = serializers.IntegerField(source="term_id")
    previous_term = serializers.IntegerField(source="previous_term_id", allow_null=True)
    generated_at = serializers.DateTimeField()
    items = serializers.SerializerMethodField()

    def get_items(self, obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "id": i.pk,
                "category": i.category,
                "label": i.label,
                "url": i.url,
                "done_at": i.done_at,
            }
            for i in obj.items.all()
        ]


class ChairNominationSerializer(serializers.ModelSerializer[ChairNomination]):
    agency = AgencyField()

    class Meta:
        model = ChairNomination
        fields = ["id", "agency", "meeting", "state", "created_at"]
        read_only_fields = ["id", "state", "created_at"]


def _decision_ref(decision: Any) -> dict[str, Any]:
    return MeetingDecisionRefSerializer(decision).data


# --- filters ---------------------------------------------------------------------------------


class MeetingFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=MeetingKind.choices)
    state = django_filters.ChoiceFilter(choices=MeetingState.choices)
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")
    host = django_filters.CharFilter(field_name="hosts__acronym")

    class Meta:
        model = Meeting
        fields = ["kind", "state", "series"]


# --- viewsets ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List meetings", responses={200: MeetingSerializer(many=True)}),
    retrieve=extend_schema(
        summary="One meeting with its agenda, delegations and action items",
        responses={200: MeetingDetailSerializer, **READ_ERRORS},
    ),
)
class MeetingViewSet(viewsets.ReadOnlyModelViewSet[Meeting]):
    """Meetings and teleconferences (ToR III.2.2). Times are UTC instants plus the
    meeting's own time zone (`*_local`)."""

    permission_classes = [SignedInServiceChecks]
    filterset_class = MeetingFilter
    ordering_fields = ["starts_at", "title"]
    search_fields = ["title", "city", "country", "associated_event"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        return selectors.meetings_visible_to(self.request.user)

    def get_serializer_class(self) -> Any:
        return MeetingDetailSerializer if self.action == "retrieve" else MeetingSerializer

    def get_object(self) -> Meeting:
        if self.action == "retrieve":
            pk = str(self.kwargs["pk"])
            meeting = (
                selectors.meeting_detail(self.request.user, int(pk))
                if pk.isascii() and pk.isdigit()
                else None
            )
            if meeting is None:
                from django.http import Http404

                raise Http404
            return meeting
        return super().get_object()

    def _out(self, meeting: Meeting, code: int = status.HTTP_200_OK) -> Response:
        meeting = selectors.meetings_visible_to(self.request.user).get(pk=meeting.pk)
        return Response(MeetingSerializer(meeting).data, status=code)

    @extend_schema(
        summary="Schedule a remote meeting (chair or secretariat)",
        description=(
            "ToR III.2.2: teleconferences and other remote meetings, which have no host. "
            "Hosts or a place (city, country, venue) are refused with 400 "
            "`venue_needs_decision`: a hosted meeting exists only through a venue proposal "
            "adopted by consensus (`POST /api/v1/venue-proposals/`)."
        ),
        request=MeetingWriteSerializer,
        responses={201: MeetingSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = MeetingWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services.meeting_create(actor=actor(request), **data.validated_data)
        return self._out(meeting, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change or move a meeting (chair or secretariat)",
        description=(
            "A change of dates needs a `reason` (400 `required`); it is recorded and announced "
            "to every agency. Hosts and the place are agreed by consensus: changing them is "
            "409 `venue_needs_decision`; propose a new venue instead "
            "(`POST /api/v1/meetings/{id}/venue-change/`)."
        ),
        request=MeetingUpdateSerializer,
        responses={200: MeetingSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        data = MeetingUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        meeting = services.meeting_update(
            actor=actor(request), meeting=meeting, **data.validated_data
        )
        return self._out(meeting)

    @extend_schema(
        summary="Propose a new venue or host for an agreed meeting (a new venue decision)",
        description="ToR III.2.2: the meeting moves only when the new proposal is adopted.",
        request=VenueChangeSerializer,
        responses={201: VenueProposalSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="venue-change")
    def venue_change(self, request: Request, pk: str) -> Response:
        data = VenueChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.venue_change_propose(
            actor=actor(request), meeting=self.get_object(), **data.validated_data
        )
        out = selectors.venue_proposals_visible_to(request.user).get(pk=proposal.pk)
        return Response(VenueProposalSerializer(out).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Schedule a proposed meeting",
        request=None,
        responses={200: MeetingSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str) -> Response:
        return self._out(services.meeting_schedule(actor=actor(request), meeting=self.get_object()))

    @extend_schema(
        summary="Cancel a meeting or one occurrence (with a reason)",
        description=(
            "ToR III.2.2: meetings are hosted voluntarily and their venues agreed by consensus. "
            "A meeting with an agreed venue is cancelled only by its host withdrawing its offer "
            "to host: a representative of the host (`host_agency`), or the secretariat on the "
            "host's behalf with `evidence`. Anyone else is refused, 403 "
            "`cancel_needs_host_or_decision`; the secretariat without evidence, 409 with the "
            "same code. Teleconferences and meetings without a venue decision: the chair or "
            "the secretariat. A `reason` is always required (400 `required`); the cancellation "
            "is recorded and announced to every participating agency."
        ),
        request=MeetingCancelSerializer,
        responses={200: MeetingSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        data = MeetingCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(
            services.meeting_cancel(
                actor=actor(request), meeting=self.get_object(), **data.validated_data
            )
        )

    @extend_schema(
        summary="Record the meeting as held",
        request=None,
        responses={200: MeetingSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def held(self, request: Request, pk: str) -> Response:
        return self._out(
            services.meeting_mark_held(actor=actor(request), meeting=self.get_object())
        )

    @extend_schema(
        summary="The meeting as an iCalendar file",
        responses={(200, "text/calendar"): OpenApiResponse(description="RFC 5545"), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def ics(self, request: Request, pk: str) -> HttpResponse:
        meeting = self.get_object()
        return HttpResponse(
            calendar.meeting_ics(meeting), content_type="text/calendar; charset=utf-8"
        )

    @extend_schema(
        summary="Add an agenda item (chair or secretariat)",
        request=AgendaItemSerializer,
        responses={201: AgendaItemSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def agenda(self, request: Request, pk: str) -> Response:
        data = AgendaItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        product_id = values.pop("product_id", None)
        product = None
        if product_id is not None:
            product = selectors.product_by_id(product_id)
            if product is None:
                raise ValidationFailed(
                    f"There is no product {product_id}.", code="not_found", field="product_id"
                )
        item = services.agenda_item_add(
            actor=actor(request), meeting=self.get_object(), product=product, **values
        )
        return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Reorder the agenda",
        request=AgendaOrderSerializer,
        responses={200: AgendaItemSerializer(many=True), **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="agenda-order")
    def agenda_order(self, request: Request, pk: str) -> Response:
        data = AgendaOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        items = services.agenda_reorder(
            actor=actor(request), meeting=self.get_object(), item_ids=data.validated_data["items"]
        )
        return Response(AgendaItemSerializer(items, many=True).data)

    @extend_schema(
        summary="Withdraw an agenda item before the meeting (chair or secretariat)",
        description=(
            "The item leaves the agenda (and this meeting's `agenda`); the remaining items are "
            "renumbered. Nothing is deleted: the item is kept as withdrawn, with who, when and "
            "why. A reason is required (400 `required`). Once the meeting has taken place the "
            "answer is 409 `meeting_already_held`; a cancelled meeting's agenda is closed (409 "
            "`agenda_closed`). Withdrawing an item again changes nothing (200)."
        ),
        parameters=[
            OpenApiParameter("item_id", int, OpenApiParameter.PATH, description="The agenda item.")
        ],
        request=AgendaWithdrawSerializer,
        responses={200: WithdrawnAgendaItemSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path=r"agenda/(?P<item_id>\d+)/withdraw")
    def agenda_withdraw(self, request: Request, pk: str, item_id: str) -> Response:
        data = AgendaWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = get_object_or_404(AgendaItem, pk=int(item_id), meeting=self.get_object())
        item = services.agenda_item_withdraw(
            actor=actor(request), item=item, reason=data.validated_data["reason"]
        )
        return Response(WithdrawnAgendaItemSerializer(item).data)

    @extend_schema(
        summary="Register a representative in their agency's delegation (ToR III.2.1)",
        request=AttendanceSerializer,
        responses={201: AttendanceSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def delegations(self, request: Request, pk: str) -> Response:
        data = AttendanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attendance = services.attendance_register(
            actor=actor(request), meeting=self.get_object(), **data.validated_data
        )
        return Response(AttendanceSerializer(attendance).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Invite an advisor to an agency's delegation (ToR III.2.1)",
        description="Notices later than the lead time (default 14 days) are flagged to the secretariat.",
        request=AdvisorSerializer,
        responses={201: AdvisorSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def advisors(self, request: Request, pk: str) -> Response:
        data = AdvisorSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        advisor = services.advisor_invite(
            actor=actor(request), meeting=self.get_object(), **data.validated_data
        )
        return Response(AdvisorSerializer(advisor).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record an action item (chair or secretariat)",
        request=ActionItemSerializer,
        responses={201: ActionItemSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="action-items")
    def action_items(self, request: Request, pk: str) -> Response:
        data = ActionItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.action_item_create(
            actor=actor(request), meeting=self.get_object(), **data.validated_data
        )
        return Response(ActionItemSerializer(item).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Teleconference series"),
    retrieve=extend_schema(summary="One series", responses={200: SeriesSerializer, **READ_ERRORS}),
)
class SeriesViewSet(viewsets.ReadOnlyModelViewSet[TeleconferenceSeries]):
    """Recurring plenary teleconferences with an RFC 5545 rule explained in words."""

    permission_classes = [SignedInServiceChecks]
    serializer_class = SeriesSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return TeleconferenceSeries.objects.none()
        return selectors.series_visible_to(self.request.user).order_by("title")

    @extend_schema(
        summary="Create a series (secretariat)",
        description="A malformed rule gives 400 with an explanation of the format.",
        request=SeriesSerializer,
        responses={201: SeriesSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = SeriesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        series = services.series_create(actor=actor(request), **data.validated_data)
        return Response(SeriesSerializer(series).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="End a series", request=None, responses={200: SeriesSerializer, **WRITE_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        series = services.series_deactivate(actor=actor(request), series=self.get_object())
        return Response(SeriesSerializer(series).data)


@extend_schema_view(
    list=extend_schema(summary="Venue proposals"),
    retrieve=extend_schema(
        summary="One venue proposal", responses={200: VenueProposalSerializer, **READ_ERRORS}
    ),
)
class VenueProposalViewSet(viewsets.ReadOnlyModelViewSet[VenueProposal]):
    """ToR III.2.2: venues proposed by one or more agencies, agreed by consensus."""

    permission_classes = [SignedInServiceChecks]
    serializer_class = VenueProposalSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return VenueProposal.objects.none()
        return selectors.venue_proposals_visible_to(self.request.user).prefetch_related(
            "meeting__hosts"
        )

    def _out(self, proposal: VenueProposal, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            VenueProposalSerializer(self.get_queryset().get(pk=proposal.pk)).data, status=code
        )

    @extend_schema(
        summary="Propose to host a meeting (representatives of the hosts, or the secretariat)",
        description="Without `cost_acknowledged: true` the answer is 400 (ToR III.2.2).",
        request=VenueProposalCreateSerializer,
        responses={201: VenueProposalSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = VenueProposalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.venue_proposal_submit(actor=actor(request), **data.validated_data)
        return self._out(proposal, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Put the venue to a consensus decision (chair or secretariat)",
        request=DeadlineSerializer,
        responses={201: MeetingDecisionRefSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        data = DeadlineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.venue_proposal_put_to_decision(
            actor=actor(request), proposal=self.get_object(), **data.validated_data
        )
        return Response(_decision_ref(decision), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Withdraw a venue proposal (its proposers, or the secretariat with evidence)",
        description=(
            "ToR III.2.2: a venue proposal is the offer of the agencies that made it. A "
            "representative of a proposing agency (`agency`) withdraws it, or the secretariat "
            "on its behalf with `evidence`. Anyone else: 403 `venue_withdraw_needs_proposer`; "
            "the secretariat without evidence: 409, same code, field `evidence`. A `reason` is "
            "always required (400 `required`). An open venue decision is withdrawn with it; "
            "withdrawing the proposal of a meeting never agreed cancels that meeting. An "
            "agreed proposal: 409 `venue_already_agreed` (the host cancels the meeting)."
        ),
        request=VenueWithdrawSerializer,
        responses={200: VenueProposalSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        data = VenueWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.venue_proposal_withdraw(
            actor=actor(request), proposal=self.get_object(), **data.validated_data
        )
        return self._out(proposal)


@extend_schema_view(
    list=extend_schema(summary="Minutes you may see (drafts: chair and secretariat only)"),
    retrieve=extend_schema(
        summary="One version of minutes", responses={200: MinutesSerializer, **READ_ERRORS}
    ),
)
class MinutesViewSet(viewsets.ReadOnlyModelViewSet[Minutes]):
    """ToR III.2.2: the chair, supported by the secretariat, issues the minutes."""

    permission_classes = [SignedInServiceChecks]
    serializer_class = MinutesSerializer
    filterset_fields = ["meeting", "state"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Minutes.objects.none()
        return selectors.minutes_visible_to(self.request.user).prefetch_related(
            "comments__agency", "comments__author"
        )

    def _out(self, minutes: Minutes, code: int = status.HTTP_200_OK) -> Response:
        return Response(MinutesSerializer(self.get_queryset().get(pk=minutes.pk)).data, status=code)

    @extend_schema(
        summary="Draft the minutes of a held meeting (chair or secretariat)",
        description="Decisions taken since the previous meeting are included automatically.",
        request=MinutesDraftSerializer,
        responses={201: MinutesSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = MinutesDraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        minutes = services.minutes_draft(actor=actor(request), **data.validated_data)
        return self._out(minutes, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a draft (409 once issued)",
        request=MinutesEditSerializer,
        responses={200: MinutesSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = MinutesEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        minutes = get_object_or_404(Minutes, pk=pk)
        minutes = services.minutes_edit(
            actor=actor(request), minutes=minutes, **data.validated_data
        )
        return self._out(minutes)

    @extend_schema(
        summary="Circulate for comments",
        request=MinutesCirculateSerializer,
        responses={200: MinutesSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def circulate(self, request: Request, pk: str) -> Response:
        data = MinutesCirculateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        minutes = services.minutes_circulate(
            actor=actor(request), minutes=self.get_object(), **data.validated_data
        )
        return self._out(minutes)

    @extend_schema(
        summary="Comment for your agency",
        request=MinutesCommentSerializer,
        responses={201: MinutesSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def comment(self, request: Request, pk: str) -> Response:
        data = MinutesCommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        minutes = self.get_object()
        services.minutes_comment(actor=actor(request), minutes=minutes, **data.validated_data)
        return self._out(minutes, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve the minutes for issue (the chair)",
        description="ToR III.2.2: a head of delegation of the chair agency approves the text.",
        request=None,
        responses={200: MinutesSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        minutes = get_object_or_404(Minutes, pk=pk)
        return self._out(services.minutes_approve(actor=actor(request), minutes=minutes))

    @extend_schema(
        summary="Record the chair's approval given by other means (secretariat, with evidence)",
        request=MinutesEvidenceSerializer,
        responses={200: MinutesSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="record-approval")
    def record_approval(self, request: Request, pk: str) -> Response:
        data = MinutesEvidenceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        minutes = get_object_or_404(Minutes, pk=pk)
        return self._out(
            services.minutes_approval_record(
                actor=actor(request), minutes=minutes, **data.validated_data
            )
        )

    @extend_schema(
        summary="Close the comment period early (the chair, with a reason)",
        request=CloseCommentsSerializer,
        responses={200: MinutesSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="close-comments")
    def close_comments(self, request: Request, pk: str) -> Response:
        data = CloseCommentsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        minutes = self.get_object()
        return self._out(
            services.minutes_comments_close(
                actor=actor(request), minutes=minutes, **data.validated_data
            )
        )

    @extend_schema(
        summary="Issue the minutes (chair, or the secretariat with the chair's approval)",
        description=(
            "409 `chair_approval_required` when the secretariat issues without the chair's "
            "approval recorded; the issued version names who issued and who approved it."
        ),
        request=None,
        responses={200: MinutesSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str) -> Response:
        minutes = get_object_or_404(Minutes, pk=pk)
        return self._out(services.minutes_issue(actor=actor(request), minutes=minutes))

    @extend_schema(
        summary="Correct issued minutes: a new version with a reason",
        request=MinutesCorrectSerializer,
        responses={201: MinutesSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str) -> Response:
        data = MinutesCorrectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        minutes = services.minutes_correct(
            actor=actor(request), minutes=self.get_object(), **data.validated_data
        )
        return self._out(minutes, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Action items"),
    retrieve=extend_schema(
        summary="One action item", responses={200: ActionItemSerializer, **READ_ERRORS}
    ),
)
class ActionItemViewSet(viewsets.ReadOnlyModelViewSet[ActionItem]):
    permission_classes = [SignedInServiceChecks]
    serializer_class = ActionItemSerializer
    filterset_fields = ["meeting", "status", "owner_agency__acronym"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ActionItem.objects.none()
        return selectors.action_items_visible_to(self.request.user)

    @extend_schema(
        summary="Set the status (owner agency, chair or secretariat)",
        request=ActionStatusSerializer,
        responses={200: ActionItemSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str) -> Response:
        data = ActionStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.action_item_set_status(
            actor=actor(request), item=self.get_object(), status=data.validated_data["status"]
        )
        return Response(ActionItemSerializer(item).data)


@extend_schema_view(
    list=extend_schema(summary="Chair terms, newest first"),
    retrieve=extend_schema(
        summary="One chair term", responses={200: ChairTermSerializer, **READ_ERRORS}
    ),
)
class ChairTermViewSet(viewsets.ReadOnlyModelViewSet[ChairTerm]):
    """ToR III.2.2: the chairmanship rotates about every 12-18 months. Read only: a term
    starts when the host assumes the chair at its meeting or through an adopted nomination
    (`POST /api/v1/chair-nominations/`, then `decide`)."""

    permission_classes = [SignedInServiceChecks]
    serializer_class = ChairTermSerializer

    def get_queryset(self) -> Any:
        return selectors.chair_terms()

    @extend_schema(summary="Rotation statistics", responses={200: RotationStatsSerializer})
    @action(detail=False, methods=["get"])
    def stats(self, request: Request) -> Response:
        return Response(RotationStatsSerializer(selectors.rotation_stats()).data)

    @extend_schema(
        summary="The handover checklist of this term",
        responses={200: HandoverSerializer, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def handover(self, request: Request, pk: str) -> Response:
        checklist = selectors.handover_for(self.get_object())
        if checklist is None:
            from django.http import Http404

            raise Http404
        return Response(HandoverSerializer(checklist).data)


class ChairNominationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ChairNomination]
):
    """The next chair, proposed and settled by a consensus decision of kind `chair`."""

    permission_classes = [SignedInServiceChecks]
    serializer_class = ChairNominationSerializer

    def get_queryset(self) -> Any:
        return selectors.chair_nominations()

    @extend_schema(
        summary="Nominate the next chair (chair or secretariat)",
        responses={201: ChairNominationSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = ChairNominationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        nomination = services.chair_nomination_create(
            actor=actor(request),
            agency=data.validated_data["agency"],
            meeting=data.validated_data.get("meeting"),
        )
        return Response(ChairNominationSerializer(nomination).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Put to a consensus decision",
        request=DeadlineSerializer,
        responses={201: MeetingDecisionRefSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        data = DeadlineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.chair_nomination_put_to_decision(
            actor=actor(request), nomination=self.get_object(), **data.validated_data
        )
        return Response(_decision_ref(decision), status=status.HTTP_201_CREATED)


# --- the personal calendar feed ------------------------------------------------------------------


class CalendarFeedSerializer(serializers.Serializer[Any]):
    feed_url = serializers.URLField(
        allow_null=True,
        help_text="The secret iCalendar subscription address; null when you have none.",
    )
    created_at = serializers.DateTimeField(allow_null=True)


class CalendarFeedView(APIView):
    """Your own calendar subscription address (meetings and decision deadlines, RFC 5545),
    as on the page /meetings/calendar/. The address is a secret: whoever has it sees your
    feed, so it is never cached."""

    permission_classes = [SignedInServiceChecks]

    def _out(self, request: Request, token: CalendarFeedToken | None, code: int) -> Response:
        body = {
            "feed_url": (
                request.build_absolute_uri(reverse("meeting-feed", args=[token.token]))
                if token
                else None
            ),
            "created_at": token.created_at if token else None,
        }
        response = Response(CalendarFeedSerializer(body).data, status=code)
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        summary="Your calendar feed address (null when you have none)",
        responses={200: CalendarFeedSerializer, 401: error("Not signed in.")},
    )
    def get(self, request: Request) -> Response:
        return self._out(request, selectors.active_feed_token(actor(request)), status.HTTP_200_OK)

    @extend_schema(
        summary="Issue a new calendar feed address; the previous one stops working at once",
        request=None,
        responses={201: CalendarFeedSerializer, 401: error("Not signed in.")},
    )
    def post(self, request: Request) -> Response:
        token = services.calendar_token_issue(actor=actor(request))
        return self._out(request, token, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke your calendar feed address (nothing to revoke is not an error)",
        request=None,
        responses={204: None, 401: error("Not signed in.")},
    )
    def delete(self, request: Request) -> Response:
        services.calendar_token_revoke(actor=actor(request))
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response["Cache-Control"] = "private, no-store"
        return response

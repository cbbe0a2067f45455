"""REST API for the Terms of Reference and membership: thin adapters over services and selectors."""

from __future__ import annotations

from typing import Any

import django_filters
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency
from agencies.roles import is_secretariat
from consensus.models import Procedure
from isecg.api.permissions import PublicReadWriteSecretariat
from isecg.api.schema import READ_ERRORS, WRITE_ERRORS
from isecg.errors import PermissionDeniedError
from isecg.http import actor
from membership import selectors, services
from membership.models import (
    MembershipRequest,
    RequestState,
    ToRAcceptance,
    ToRAmendment,
    ToRExtension,
    ToRExtensionProposal,
    ToRVersion,
    Withdrawal,
)


class SignedInWriteByRule(BasePermission):
    """Signed-in users read; writes are open to signed-in users and the service decides
    who may act (the secretariat, a head of delegation, the applicant, the chair)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)


class PublicRead(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in SAFE_METHODS


def _letter_url(kind: str, obj: Any) -> str | None:
    return reverse("membership-letter", args=[kind, obj.pk]) if obj.letter else None


# --- ToR versions ---------------------------------------------------------


class ToRVersionSerializer(serializers.ModelSerializer[ToRVersion]):
    class Meta:
        model = ToRVersion
        fields = [
            "id",
            "label",
            "sequence",
            "adopted_on",
            "effective_from",
            "expires_on",
            "adopted_by_decision",
            "supersedes",
            "reconstructed",
            "note",
        ]
        read_only_fields = fields


class ToRVersionDetailSerializer(ToRVersionSerializer):
    class Meta(ToRVersionSerializer.Meta):
        fields = [*ToRVersionSerializer.Meta.fields, "text"]
        read_only_fields = fields


DiffSerializer = inline_serializer(
    name="ToRDiff",
    fields={
        "from_version": serializers.IntegerField(),
        "to_version": serializers.IntegerField(),
        "unified_diff": serializers.CharField(),
    },
)
StatusSerializer = inline_serializer(
    name="ToRStatus",
    fields={
        "version": serializers.IntegerField(allow_null=True),
        "expires_on": serializers.DateField(allow_null=True),
        "days_left": serializers.IntegerField(allow_null=True),
        "expired": serializers.BooleanField(),
        "next_notice_offset": serializers.CharField(allow_null=True),
        "next_notice_on": serializers.DateField(allow_null=True),
    },
)


@extend_schema_view(
    list=extend_schema(summary="Versions of the Terms of Reference (public)"),
    retrieve=extend_schema(
        summary="One version with its Markdown text",
        responses={200: ToRVersionDetailSerializer, **READ_ERRORS},
    ),
)
class ToRVersionViewSet(viewsets.ReadOnlyModelViewSet[ToRVersion]):
    """ToR V and VII: every text, newest first (by `sequence`, the order of adoption). The
    version in force is `current`."""

    permission_classes = [PublicReadWriteSecretariat]
    ordering = ["-sequence"]
    ordering_fields = ["sequence", "effective_from"]

    def get_queryset(self) -> Any:
        if self.action == "list":
            return selectors.versions().defer("text")
        return selectors.versions()

    def get_serializer_class(self) -> Any:
        return ToRVersionSerializer if self.action == "list" else ToRVersionDetailSerializer

    @extend_schema(
        summary="The version in force", responses={200: ToRVersionDetailSerializer, **READ_ERRORS}
    )
    @action(detail=False)
    def current(self, request: Request) -> Response:
        version = selectors.version_in_force()
        if version is None:
            return Response({"detail": "No version in force.", "code": "not_found"}, status=404)
        return Response(ToRVersionDetailSerializer(version).data)

    @extend_schema(
        summary="Unified diff between this version and another",
        parameters=[OpenApiParameter("to", int, description="The other version's id.")],
        responses={200: DiffSerializer, **READ_ERRORS},
    )
    @action(detail=True)
    def diff(self, request: Request, pk: str) -> Response:
        old = self.get_object()
        other = request.query_params.get("to", "")
        if not other.isdigit():
            raise serializers.ValidationError({"to": ["The id of the other version."]})
        new = get_object_or_404(ToRVersion, pk=int(other))
        text = selectors.unified_diff(old.text, new.text, old_label=old.label, new_label=new.label)
        return Response({"from_version": old.pk, "to_version": new.pk, "unified_diff": text})

    @extend_schema(
        summary="Expiry countdown (ToR VII)", responses={200: StatusSerializer, **READ_ERRORS}
    )
    @action(detail=False)
    def status(self, request: Request) -> Response:
        info = services.tor_status()
        upcoming = info.get("next_notice")
        return Response(
            {
                "version": info["version"].pk if info["version"] else None,
                "expires_on": info.get("expires_on"),
                "days_left": info.get("days_left"),
                "expired": info["expired"],
                "next_notice_offset": upcoming[0] if upcoming else None,
                "next_notice_on": upcoming[1] if upcoming else None,
            }
        )


# --- Acceptances ----------------------------------------------------------


class ToRAcceptanceSerializer(serializers.ModelSerializer[ToRAcceptance]):
    agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    version_label = serializers.CharField(source="version.label", read_only=True)
    letter_url = serializers.SerializerMethodField()

    class Meta:
        model = ToRAcceptance
        fields = [
            "id",
            "agency",
            "version",
            "version_label",
            "accepted_on",
            "signatory_name",
            "signatory_title",
            "source",
            "membership_request",
            "decision",
            "carried_from",
            "letter_url",
            "at",
        ]
        read_only_fields = fields

    def get_letter_url(self, obj: ToRAcceptance) -> str | None:
        return _letter_url("acceptance", obj)


class BasisRecordSerializer(serializers.ModelSerializer[ToRAcceptance]):
    """The record behind a basis: an acceptance, a concurrence or a carry-over."""

    version_label = serializers.CharField(source="version.label", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)

    class Meta:
        model = ToRAcceptance
        fields = [
            "id",
            "version",
            "version_label",
            "accepted_on",
            "source",
            "source_label",
            "decision",
            "carried_from",
            "membership_request",
        ]
        read_only_fields = fields


class BasisVersionSerializer(serializers.ModelSerializer[ToRVersion]):
    class Meta:
        model = ToRVersion
        fields = ["id", "label", "sequence", "effective_from", "expires_on"]
        read_only_fields = fields


class ToRBasisSerializer(serializers.Serializer[Any]):
    """ToR III.1, VII: an agency's basis under the version in force."""

    agency = serializers.CharField(source="agency.acronym")
    agency_status = serializers.CharField(source="agency.status")
    version = BasisVersionSerializer(allow_null=True, help_text="The version in force.")
    kind = serializers.ChoiceField(
        choices=["acceptance", "concurrence", "carried_over", "none"],
        help_text="acceptance: an official acceptance (letter, online, membership request or "
        "historical record); concurrence: concurred in the decision adopting the version; "
        "carried_over: the version was adopted before this system with no decision in the "
        "record; none: no basis recorded.",
    )
    covered = serializers.BooleanField(help_text="A record covers the version in force.")
    required = serializers.BooleanField(  # type: ignore[assignment]
        help_text="Participating agencies need a basis."
    )
    lacking = serializers.BooleanField(help_text="Required but not covered.")
    summary = serializers.CharField(help_text="The basis in words.")
    acceptance = BasisRecordSerializer(allow_null=True)
    last_acceptance = BasisRecordSerializer(
        allow_null=True, help_text="Its latest record under an earlier text, when not covered."
    )


class ToRAcceptanceCreateSerializer(serializers.Serializer[Any]):
    agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", queryset=Agency.objects.all()
    )
    version = serializers.PrimaryKeyRelatedField(queryset=ToRVersion.objects.all())
    accepted_on = serializers.DateField(required=False, allow_null=True, default=None)
    signatory_name = serializers.CharField(max_length=200)
    signatory_title = serializers.CharField(max_length=200)
    letter = serializers.FileField(help_text="The official letter, a PDF.")


class AcceptanceFilter(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__acronym")

    class Meta:
        model = ToRAcceptance
        fields = ["agency", "version", "source"]


@extend_schema_view(
    list=extend_schema(summary="Acceptances of the ToR"),
    retrieve=extend_schema(
        summary="One acceptance", responses={200: ToRAcceptanceSerializer, **READ_ERRORS}
    ),
)
class ToRAcceptanceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ToRAcceptance]
):
    serializer_class = ToRAcceptanceSerializer
    permission_classes = [SignedInWriteByRule]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_class = AcceptanceFilter
    ordering = ["agency__acronym", "-accepted_on"]

    def get_queryset(self) -> Any:
        return selectors.acceptances_visible_to(self.request.user)

    @extend_schema(
        summary="Record an acceptance (secretariat, or the agency's head of delegation)",
        description="ToR III.1. Multipart with the PDF letter. A superseded version gives 409.",
        request={"multipart/form-data": ToRAcceptanceCreateSerializer},
        responses={201: ToRAcceptanceSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = ToRAcceptanceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        acceptance = services.tor_accept(actor=actor(request), **data.validated_data)
        return Response(ToRAcceptanceSerializer(acceptance).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Participating agencies with no basis under the version in force (secretariat)",
        description="ToR VII: each needs an acceptance of the version in force.",
        responses={200: ToRBasisSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=False, pagination_class=None, filterset_class=None)
    def lacking(self, request: Request) -> Response:
        if not is_secretariat(request.user):
            raise PermissionDeniedError("Only the secretariat follows up missing acceptances.")
        return Response(ToRBasisSerializer(selectors.agencies_lacking_tor_basis(), many=True).data)


class AgencyToRBasisView(APIView):
    """ToR III.1, VII: `GET /api/v1/agencies/{acronym}/tor-basis/` (signed-in users)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="An agency's basis under the Terms of Reference in force",
        description="ToR III.1, VII: the version in force and the acceptance, concurrence or "
        "carry-over that covers it, or `none`.",
        responses={200: ToRBasisSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, acronym: str) -> Response:
        agency = get_object_or_404(Agency, acronym=acronym)
        return Response(ToRBasisSerializer(selectors.tor_basis(agency)).data)


# --- Membership requests (ToR III.1) --------------------------------------


class MembershipRequestSerializer(serializers.ModelSerializer[MembershipRequest]):
    agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    agency_status = serializers.CharField(source="agency.status", read_only=True)
    decision_outcome = serializers.CharField(source="decision.outcome", read_only=True, default="")
    letter_url = serializers.SerializerMethodField()

    class Meta:
        model = MembershipRequest
        fields = [
            "id",
            "agency",
            "agency_name",
            "agency_status",
            "state",
            "signatory_name",
            "signatory_title",
            "shares_principles",
            "accepts_tor",
            "tor_version",
            "objectives",
            "capabilities",
            "received_on",
            "submitted_online",
            "return_reason",
            "decision",
            "decision_outcome",
            "letter_url",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_letter_url(self, obj: MembershipRequest) -> str:
        return reverse("membership-letter", args=["request", obj.pk])


class RequestBaseSerializer(serializers.Serializer[Any]):
    letter = serializers.FileField(help_text="The executive-level letter, a PDF.")
    signatory_name = serializers.CharField(max_length=200)
    signatory_title = serializers.CharField(max_length=200)
    shares_principles = serializers.BooleanField()
    accepts_tor = serializers.BooleanField()
    objectives = serializers.CharField()
    capabilities = serializers.CharField()

    def validate_shares_principles(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                "ToR III.1: the request states that the agency shares the principles and "
                "objectives of the Framework Document."
            )
        return value

    def validate_accepts_tor(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                "ToR III.1: the request states the acceptance of the Terms of Reference."
            )
        return value


class RequestRecordSerializer(RequestBaseSerializer):
    agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", queryset=Agency.objects.all()
    )
    received_on = serializers.DateField(required=False, allow_null=True, default=None)


class RequestApplySerializer(RequestBaseSerializer):
    """The agency's name, acronym and country default to the applicant account's."""

    agency_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    agency_acronym = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    country = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    website = serializers.URLField(required=False, allow_blank=True, default="")


class RequestReturnSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField()


class RequestCompleteSerializer(serializers.Serializer[Any]):
    letter = serializers.FileField(required=False)
    signatory_name = serializers.CharField(required=False)
    signatory_title = serializers.CharField(required=False)
    objectives = serializers.CharField(required=False)
    capabilities = serializers.CharField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionOpenSerializer(serializers.Serializer[Any]):
    procedure = serializers.ChoiceField(choices=Procedure.choices)
    deadline = serializers.DateTimeField()


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RequestFilter(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__acronym")
    state = django_filters.ChoiceFilter(choices=RequestState.choices)

    class Meta:
        model = MembershipRequest
        fields = ["agency", "state", "submitted_online"]


@extend_schema_view(
    list=extend_schema(
        summary="Membership requests",
        description="The secretariat sees all; representatives of participating agencies see "
        "circulated ones; an applicant sees its own.",
    ),
    retrieve=extend_schema(
        summary="One membership request",
        responses={200: MembershipRequestSerializer, **READ_ERRORS},
    ),
)
class MembershipRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[MembershipRequest]
):
    """ToR III.1: requests to join, approved upon consensus of the participating agencies."""

    serializer_class = MembershipRequestSerializer
    permission_classes = [SignedInWriteByRule]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_class = RequestFilter
    ordering = ["-created_at"]
    ordering_fields = ["created_at", "received_on"]

    def get_queryset(self) -> Any:
        return selectors.requests_visible_to(self.request.user)

    def _done(self, obj: MembershipRequest, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            MembershipRequestSerializer(self.get_queryset().get(pk=obj.pk)).data, status=code
        )

    @extend_schema(
        summary="Record a request received by mail (secretariat)",
        request={"multipart/form-data": RequestRecordSerializer},
        responses={201: MembershipRequestSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = RequestRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = services.membership_request_record(actor=actor(request), **data.validated_data)
        return self._done(obj, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Submit a request online for a new agency (verified applicant account only)",
        request={"multipart/form-data": RequestApplySerializer},
        responses={201: MembershipRequestSerializer, **WRITE_ERRORS},
    )
    @action(detail=False, methods=["post"])
    def apply(self, request: Request) -> Response:
        data = RequestApplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = services.membership_request_submit_online(actor=actor(request), **data.validated_data)
        return self._done(obj, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Return for completion (secretariat)",
        request=RequestReturnSerializer,
        responses={200: MembershipRequestSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_completion(self, request: Request, pk: str) -> Response:
        data = RequestReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = services.membership_request_return(
            actor=actor(request), request=self.get_object(), **data.validated_data
        )
        return self._done(obj)

    @extend_schema(
        summary="Complete a returned request (applicant or secretariat)",
        request={"multipart/form-data": RequestCompleteSerializer},
        responses={200: MembershipRequestSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        data = RequestCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = services.membership_request_complete(
            actor=actor(request), request=self.get_object(), **data.validated_data
        )
        return self._done(obj)

    @extend_schema(
        summary="Circulate to the chair and participating agencies and open a decision (secretariat)",
        description="ToR III.1. The secretariat picks the procedure and the deadline.",
        request=DecisionOpenSerializer,
        responses={200: MembershipRequestSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def circulate(self, request: Request, pk: str) -> Response:
        data = DecisionOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = services.membership_request_circulate(
            actor=actor(request), request=self.get_object(), **data.validated_data
        )
        return self._done(obj)

    @extend_schema(
        summary="Withdraw the request (applicant or secretariat)",
        request=ReasonSerializer,
        responses={200: MembershipRequestSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = services.membership_request_withdraw(
            actor=actor(request), request=self.get_object(), **data.validated_data
        )
        return self._done(obj)


# --- Amendments (ToR V) ---------------------------------------------------


class ToRAmendmentSerializer(serializers.ModelSerializer[ToRAmendment]):
    proposing_agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )

    class Meta:
        model = ToRAmendment
        fields = [
            "id",
            "label",
            "base_version",
            "proposing_agency",
            "rationale",
            "new_text",
            "diff",
            "effective_from",
            "state",
            "decision",
            "resulting_version",
            "previous_round",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields


class ToRAmendmentDraftSerializer(serializers.Serializer[Any]):
    label: Any = serializers.CharField(max_length=120)
    new_text = serializers.CharField()
    rationale = serializers.CharField()
    effective_from = serializers.DateField(required=False, allow_null=True, default=None)
    base_version = serializers.PrimaryKeyRelatedField(
        queryset=ToRVersion.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The text the new text was drafted against. If another text was adopted "
        "since, 409 `base_superseded`. Omitted: the current text.",
    )


class ToRAmendmentCreateSerializer(ToRAmendmentDraftSerializer):
    proposing_agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", queryset=Agency.objects.all()
    )


@extend_schema_view(
    list=extend_schema(summary="Proposed amendments (ToR V)"),
    retrieve=extend_schema(
        summary="One amendment with its diff",
        responses={200: ToRAmendmentSerializer, **READ_ERRORS},
    ),
)
class ToRAmendmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ToRAmendment]
):
    serializer_class = ToRAmendmentSerializer
    permission_classes = [SignedInWriteByRule]
    filterset_fields = ["state"]
    ordering = ["-created_at"]

    def get_queryset(self) -> Any:
        return selectors.amendments_visible_to(self.request.user)

    @extend_schema(
        summary="Propose an amendment (a representative of the proposing agency, or the secretariat)",
        request=ToRAmendmentCreateSerializer,
        responses={201: ToRAmendmentSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = ToRAmendmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        amendment = services.tor_amendment_propose(actor=actor(request), **data.validated_data)
        return Response(ToRAmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Open the consensus decision (chair or secretariat)",
        request=DecisionOpenSerializer,
        responses={200: ToRAmendmentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="open-decision")
    def open_decision(self, request: Request, pk: str) -> Response:
        data = DecisionOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        amendment = services.tor_amendment_open_decision(
            actor=actor(request), amendment=self.get_object(), **data.validated_data
        )
        return Response(ToRAmendmentSerializer(amendment).data)

    @extend_schema(
        summary="Withdraw the proposal",
        request=None,
        responses={200: ToRAmendmentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        amendment = services.tor_amendment_withdraw(
            actor=actor(request), amendment=self.get_object()
        )
        return Response(ToRAmendmentSerializer(amendment).data)

    @extend_schema(
        summary="Start a new round on the current text (the proposing agency or the secretariat)",
        description="ToR V: the way forward for an amendment whose base was superseded "
        "(`base_superseded`) or that was not adopted. The new amendment is drafted against "
        "the current text and linked to this one (`previous_round`). One open new round per "
        "amendment: asking again returns it.",
        request=ToRAmendmentDraftSerializer,
        responses={201: ToRAmendmentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="new-round")
    def new_round(self, request: Request, pk: str) -> Response:
        data = ToRAmendmentDraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        amendment = services.tor_amendment_new_round(
            actor=actor(request), amendment=self.get_object(), **data.validated_data
        )
        return Response(ToRAmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)


# --- Extensions (ToR VII) -------------------------------------------------


class ToRExtensionProposalSerializer(serializers.ModelSerializer[ToRExtensionProposal]):
    proposing_agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )

    class Meta:
        model = ToRExtensionProposal
        fields = [
            "id",
            "version",
            "current_expires_on",
            "proposed_expires_on",
            "rationale",
            "proposing_agency",
            "state",
            "decision",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields


class ToRExtensionProposalCreateSerializer(serializers.Serializer[Any]):
    proposed_expires_on = serializers.DateField()
    rationale = serializers.CharField()
    proposing_agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym",
        queryset=Agency.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )


class ToRExtensionSerializer(serializers.ModelSerializer[ToRExtension]):
    class Meta:
        model = ToRExtension
        fields = [
            "id",
            "version",
            "previous_expires_on",
            "new_expires_on",
            "decided_on",
            "decision",
            "note",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="Extension proposals (ToR VII)"),
    retrieve=extend_schema(
        summary="One extension proposal",
        responses={200: ToRExtensionProposalSerializer, **READ_ERRORS},
    ),
)
class ToRExtensionProposalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ToRExtensionProposal]
):
    serializer_class = ToRExtensionProposalSerializer
    permission_classes = [SignedInWriteByRule]
    filterset_fields = ["state"]
    ordering = ["-created_at"]

    def get_queryset(self) -> Any:
        return selectors.extension_proposals_visible_to(self.request.user)

    @extend_schema(
        summary="Propose an extension",
        request=ToRExtensionProposalCreateSerializer,
        responses={201: ToRExtensionProposalSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = ToRExtensionProposalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.tor_extension_propose(actor=actor(request), **data.validated_data)
        return Response(
            ToRExtensionProposalSerializer(proposal).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Open the consensus decision (chair or secretariat)",
        request=DecisionOpenSerializer,
        responses={200: ToRExtensionProposalSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="open-decision")
    def open_decision(self, request: Request, pk: str) -> Response:
        data = DecisionOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.tor_extension_open_decision(
            actor=actor(request), proposal=self.get_object(), **data.validated_data
        )
        return Response(ToRExtensionProposalSerializer(proposal).data)

    @extend_schema(
        summary="Withdraw the proposal",
        request=None,
        responses={200: ToRExtensionProposalSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        proposal = services.tor_extension_withdraw(actor=actor(request), proposal=self.get_object())
        return Response(ToRExtensionProposalSerializer(proposal).data)

    @extend_schema(
        summary="Every extension of the ISECG so far (ToR VII)",
        responses={200: ToRExtensionSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=False, pagination_class=None)
    def history(self, request: Request) -> Response:
        return Response(ToRExtensionSerializer(selectors.extension_history(), many=True).data)


# --- Withdrawals (ToR VI) -------------------------------------------------


class WithdrawalSerializer(serializers.ModelSerializer[Withdrawal]):
    agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    letter_url = serializers.SerializerMethodField()

    class Meta:
        model = Withdrawal
        fields = ["id", "agency", "received_on", "effective_on", "note", "applied_at", "letter_url"]
        read_only_fields = fields

    def get_letter_url(self, obj: Withdrawal) -> str | None:
        return _letter_url("withdrawal", obj)


class WithdrawalCreateSerializer(serializers.Serializer[Any]):
    agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", queryset=Agency.objects.all()
    )
    letter = serializers.FileField(help_text="The written notification, a PDF.")
    received_on = serializers.DateField(required=False, allow_null=True, default=None)
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(summary="Withdrawals (ToR VI)"),
    retrieve=extend_schema(
        summary="One withdrawal", responses={200: WithdrawalSerializer, **READ_ERRORS}
    ),
)
class WithdrawalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Withdrawal]
):
    serializer_class = WithdrawalSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    ordering = ["-received_on"]

    def get_queryset(self) -> Any:
        return selectors.withdrawals_visible_to(self.request.user)

    @extend_schema(
        summary="Record a written notification of withdrawal (secretariat)",
        description="ToR VI. Withdrawing an agency that is not participating gives 409.",
        request={"multipart/form-data": WithdrawalCreateSerializer},
        responses={201: WithdrawalSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = WithdrawalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        withdrawal = services.withdrawal_record(actor=actor(request), **data.validated_data)
        return Response(WithdrawalSerializer(withdrawal).data, status=status.HTTP_201_CREATED)


__all__ = [
    "AgencyToRBasisView",
    "MembershipRequestViewSet",
    "ToRAcceptanceViewSet",
    "ToRAmendmentViewSet",
    "ToRExtensionProposalViewSet",
    "ToRVersionViewSet",
    "WithdrawalViewSet",
]

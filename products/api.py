"""REST API for working groups, products, versions, comments and workplans (thin adapters)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.models import Agency
from isecg.api.schema import READ_ERRORS, WRITE_ERRORS, ErrorSerializer
from isecg.errors import ValidationFailed
from isecg.http import actor
from isecg.models import User
from products import selectors, services
from products.models import (
    Comment,
    Endorsement,
    EndorsementWaiver,
    ExpertReferral,
    Product,
    ProductKind,
    ProductState,
    ProductVersion,
    WorkingGroup,
    WorkingGroupKind,
    Workplan,
    WorkplanItem,
    WorkplanItemStatus,
)


class PublicReadSignedInWrite(BasePermission):
    """Anyone reads what the view's permission-scoped queryset shows; signed-in users may
    attempt writes and the service decides (chair, secretariat, the agency's representative)."""

    message = "Sign in to make changes."

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)


def _agencies_field(**kwargs: Any) -> serializers.SlugRelatedField[Agency]:
    return serializers.SlugRelatedField(
        slug_field="acronym", queryset=Agency.objects.all(), **kwargs
    )


# --- working groups and referrals --------------------------------------------------------


class WorkingGroupSerializer(serializers.ModelSerializer[WorkingGroup]):
    lead_agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True, allow_null=True
    )
    member_agencies: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", many=True, read_only=True
    )

    class Meta:
        model = WorkingGroup
        fields = [
            "id",
            "acronym",
            "name",
            "kind",
            "mandate",
            "lead_agency",
            "member_agencies",
            "active_from",
            "active_until",
        ]
        read_only_fields = fields


class WorkingGroupCreateSerializer(serializers.Serializer[Any]):
    acronym = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=WorkingGroupKind.choices)
    mandate = serializers.CharField(required=False, allow_blank=True, default="")
    lead_agency = _agencies_field(required=False, allow_null=True, default=None)
    member_agencies = _agencies_field(many=True, required=False, default=list)
    active_from = serializers.DateField()
    active_until = serializers.DateField(required=False, allow_null=True, default=None)


@extend_schema_view(
    list=extend_schema(summary="List working groups, ad hoc teams and workshops (ToR I.2)"),
    retrieve=extend_schema(
        summary="One working group", responses={200: WorkingGroupSerializer, **READ_ERRORS}
    ),
)
class WorkingGroupViewSet(viewsets.ReadOnlyModelViewSet[WorkingGroup]):
    serializer_class = WorkingGroupSerializer
    permission_classes = [PublicReadSignedInWrite]
    lookup_field = "acronym"
    lookup_value_regex = r"[^/]+"
    filterset_fields = ["kind"]
    ordering = ["acronym"]
    search_fields = ["acronym", "name"]

    def get_queryset(self) -> Any:
        return selectors.working_groups()

    @extend_schema(
        summary="Establish a working group, ad hoc team or workshop (secretariat)",
        request=WorkingGroupCreateSerializer,
        responses={201: WorkingGroupSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = WorkingGroupCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        group = services.working_group_create(actor=actor(request), **data.validated_data)
        return Response(WorkingGroupSerializer(group).data, status=status.HTTP_201_CREATED)


class ExpertReferralSerializer(serializers.ModelSerializer[ExpertReferral]):
    working_group: serializers.SlugRelatedField[WorkingGroup] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True, allow_null=True
    )

    class Meta:
        model = ExpertReferral
        fields = [
            "id",
            "issue",
            "expert_group",
            "working_group",
            "referred_on",
            "outcome",
            "outcome_on",
        ]
        read_only_fields = fields


class ExpertReferralCreateSerializer(serializers.Serializer[Any]):
    issue = serializers.CharField(max_length=300)
    expert_group = serializers.CharField(max_length=200)
    referred_on = serializers.DateField()
    working_group = serializers.SlugRelatedField(
        slug_field="acronym",
        queryset=WorkingGroup.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )


class ExpertReferralOutcomeSerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField()
    outcome_on = serializers.DateField()


@extend_schema_view(
    list=extend_schema(summary="Issues referred to expert groups outside ISECG (ToR I.2 (ii))"),
    retrieve=extend_schema(
        summary="One referral", responses={200: ExpertReferralSerializer, **READ_ERRORS}
    ),
)
class ExpertReferralViewSet(viewsets.ReadOnlyModelViewSet[ExpertReferral]):
    serializer_class = ExpertReferralSerializer
    permission_classes = [PublicReadSignedInWrite]

    def get_queryset(self) -> Any:
        return selectors.expert_referrals()

    @extend_schema(
        summary="Refer an issue to an expert group (chair or secretariat)",
        request=ExpertReferralCreateSerializer,
        responses={201: ExpertReferralSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = ExpertReferralCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.expert_referral_create(actor=actor(request), **data.validated_data)
        return Response(ExpertReferralSerializer(referral).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record the expert group's outcome (chair or secretariat)",
        request=ExpertReferralOutcomeSerializer,
        responses={200: ExpertReferralSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: str) -> Response:
        referral = self.get_object()
        data = ExpertReferralOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.expert_referral_outcome_record(
            actor=actor(request), referral=referral, **data.validated_data
        )
        return Response(ExpertReferralSerializer(referral).data)


# --- products ----------------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer[Product]):
    working_group: serializers.SlugRelatedField[WorkingGroup] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    participating_agencies: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", many=True, read_only=True
    )
    version_count = serializers.IntegerField(read_only=True)
    superseded_by: serializers.SlugRelatedField[Product] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    endorsed_version: serializers.PrimaryKeyRelatedField[ProductVersion] = (
        serializers.PrimaryKeyRelatedField(read_only=True)
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "title",
            "kind",
            "state",
            "summary",
            "working_group",
            "participating_agencies",
            "version_count",
            "non_binding_notice",
            "endorsed_version",
            "endorsed_at",
            "published_on",
            "published_at",
            "superseded_by",
        ]
        read_only_fields = fields


class VersionSerializer(serializers.ModelSerializer[ProductVersion]):
    product: serializers.SlugRelatedField[Product] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    uploaded_by: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ProductVersion
        fields = [
            "id",
            "product",
            "number",
            "original_name",
            "file_format",
            "content_type",
            "size",
            "sha256",
            "page_count",
            "changelog",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, version: ProductVersion) -> str:
        return reverse("api-productversion-download", kwargs={"pk": version.pk})


class EndorsementSerializer(serializers.ModelSerializer[Endorsement]):
    agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    version = serializers.IntegerField(source="version.number", read_only=True)
    on_behalf = serializers.BooleanField(
        read_only=True,
        help_text="True when the secretariat recorded it on the agency's behalf; `evidence` "
        "then describes what the agency sent.",
    )
    recorded_by: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    evidence_file_url = serializers.SerializerMethodField()

    class Meta:
        model = Endorsement
        fields = [
            "id",
            "version",
            "agency",
            "endorser_name",
            "managerial_level",
            "endorsed_on",
            "evidence",
            "on_behalf",
            "recorded_by",
            "recorded_at",
            "evidence_file_name",
            "evidence_file_sha256",
            "evidence_file_url",
        ]
        read_only_fields = fields

    def get_evidence_file_url(self, endorsement: Endorsement) -> str | None:
        if not endorsement.evidence_file:
            return None
        return reverse("api-productendorsement-evidence", kwargs={"pk": endorsement.pk})


class WaiverSerializer(serializers.ModelSerializer[EndorsementWaiver]):
    """History only: waivers recorded before issue 12. They never count as an endorsement."""

    agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = EndorsementWaiver
        fields = ["id", "version", "agency", "reason", "waived_at"]
        read_only_fields = fields


class DecisionRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()
    outcome = serializers.CharField()
    deadline = serializers.DateTimeField()
    subject_object_id = serializers.IntegerField()


class MatrixRowSerializer(serializers.Serializer[Any]):
    agency = serializers.CharField()
    cells = serializers.DictField(
        child=serializers.CharField(), help_text="version number -> status"
    )


def extend_schema_field_list(serializer: Any) -> Any:
    return extend_schema_field(serializer(many=True))


class ProductDetailSerializer(ProductSerializer):
    versions = serializers.SerializerMethodField()
    endorsements = serializers.SerializerMethodField()
    waivers = serializers.SerializerMethodField()
    matrix = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()
    comment_deadline = serializers.SerializerMethodField()

    class Meta(ProductSerializer.Meta):
        fields = [
            *ProductSerializer.Meta.fields,
            "versions",
            "endorsements",
            "waivers",
            "matrix",
            "decisions",
            "comment_deadline",
        ]
        read_only_fields = fields

    def _versions(self, product: Product) -> list[ProductVersion]:
        return list(product.versions.all())

    @extend_schema_field_list(VersionSerializer)
    def get_versions(self, product: Product) -> Any:
        return VersionSerializer(self._versions(product), many=True).data

    @extend_schema_field_list(EndorsementSerializer)
    def get_endorsements(self, product: Product) -> Any:
        rows = [e for v in self._versions(product) for e in v.endorsements.all()]
        return EndorsementSerializer(rows, many=True).data

    @extend_schema_field(
        WaiverSerializer(many=True, help_text="History: waivers of old, which no longer count.")
    )
    def get_waivers(self, product: Product) -> Any:
        rows = [w for v in self._versions(product) for w in v.waivers.all()]
        return WaiverSerializer(rows, many=True).data

    @extend_schema_field_list(MatrixRowSerializer)
    def get_matrix(self, product: Product) -> Any:
        numbers = [v.number for v in self._versions(product)]
        return [
            {
                "agency": row.agency.acronym,
                "cells": {str(n): c.status for n, c in zip(numbers, row.cells, strict=True)},
            }
            for row in selectors.endorsement_matrix(product)
        ]

    @extend_schema_field_list(DecisionRefSerializer)
    def get_decisions(self, product: Product) -> Any:
        return DecisionRefSerializer(self.context.get("decisions", []), many=True).data

    def get_comment_deadline(self, product: Product) -> str | None:
        versions = self._versions(product)
        if not versions:
            return None
        round_ = getattr(versions[-1], "review_round", None)
        deadline = round_.comment_deadline if round_ else None
        return deadline.isoformat() if deadline else None


class ProductCreateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=250)
    kind = serializers.ChoiceField(choices=ProductKind.choices)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    working_group = serializers.SlugRelatedField(
        slug_field="acronym", queryset=WorkingGroup.objects.all()
    )
    participating_agencies = _agencies_field(many=True)


class VersionUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField()
    changelog = serializers.CharField()


class ReviewStartSerializer(serializers.Serializer[Any]):
    comment_deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)


class VersionRefSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(help_text="The version's id.")


class CommentDeadlineSerializer(VersionRefSerializer):
    comment_deadline = serializers.DateTimeField(allow_null=True)


class CommentCreateSerializer(VersionRefSerializer):
    body = serializers.CharField()
    agency = _agencies_field(
        required=False, allow_null=True, default=None, help_text="Empty for the secretariat."
    )
    # The API names the comment replied to "parent". DRF's metaclass takes declared fields off
    # the class, so this never shadows Field.parent at run time; the stubs cannot know that.
    parent = serializers.IntegerField(required=False, allow_null=True, default=None)  # type: ignore[assignment]


class EndorsementCreateSerializer(VersionRefSerializer):
    agency = _agencies_field()
    endorser_name = serializers.CharField(max_length=200)
    managerial_level = serializers.CharField(max_length=200)
    endorsed_on = serializers.DateField()
    evidence = serializers.CharField()


class EndorsementOnBehalfSerializer(EndorsementCreateSerializer):
    evidence = serializers.CharField(
        max_length=2000,
        help_text="What the agency sent: the document or email, who sent it and when.",
    )
    evidence_file = serializers.FileField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The document received (PDF or office document), optional.",
    )


class SubmitSerializer(VersionRefSerializer):
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)
    procedure = serializers.ChoiceField(choices=["explicit", "silence"], default="explicit")


class PublishSerializer(serializers.Serializer[Any]):
    published_on = serializers.DateField(required=False, allow_null=True, default=None)


class SupersedeSerializer(serializers.Serializer[Any]):
    by = serializers.SlugRelatedField(slug_field="slug", queryset=Product.objects.all())


class CommentSerializer(serializers.ModelSerializer[Comment]):
    agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    author: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    is_resolved = serializers.BooleanField(read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "version",
            "parent",
            "agency",
            "author",
            "body",
            "created_at",
            "is_resolved",
            "resolved_at",
        ]
        read_only_fields = fields


class ProductFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ProductKind.choices)
    state = django_filters.ChoiceFilter(choices=ProductState.choices)
    working_group = django_filters.CharFilter(field_name="working_group__acronym")
    agency = django_filters.CharFilter(field_name="participating_agencies__acronym")

    class Meta:
        model = Product
        fields = ["kind", "state", "working_group", "agency"]


def _version_of(product: Product, version_id: int) -> ProductVersion:
    version = ProductVersion.objects.filter(pk=version_id, product=product).first()
    if version is None:
        raise ValidationFailed(
            "No such version of this product.", code="invalid_version", field="version"
        )
    return version


SUBMIT_ERRORS = {
    **WRITE_ERRORS,
    409: OpenApiResponse(
        response=ErrorSerializer,
        description="Not in agency review, version superseded, or endorsements missing: "
        "then `missing` lists the agencies' acronyms.",
    ),
}


@extend_schema_view(
    list=extend_schema(
        summary="List products",
        description="Representatives of participating agencies and the secretariat see drafts "
        "(seeds/003); everyone else sees published products.",
    ),
    retrieve=extend_schema(
        summary="One product with versions, endorsement matrix and plenary decisions",
        responses={200: ProductDetailSerializer, **READ_ERRORS},
    ),
)
class ProductViewSet(viewsets.ReadOnlyModelViewSet[Product]):
    serializer_class = ProductSerializer
    permission_classes = [PublicReadSignedInWrite]
    lookup_field = "slug"
    filterset_class = ProductFilter
    ordering_fields = ["title", "published_on", "created_at"]
    search_fields = ["title", "summary"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()
        queryset = selectors.products_visible_to(self.request.user)
        if self.action == "list":
            return queryset.distinct() if "agency" in self.request.query_params else queryset
        return queryset

    def _detail(self, product: Product) -> Response:
        product = selectors.product_detail(self.request.user, product.slug) or product
        return Response(
            ProductDetailSerializer(
                product, context={"decisions": selectors.product_decisions(product)}
            ).data
        )

    def retrieve(self, request: Request, slug: str) -> Response:
        product = selectors.product_detail(request.user, slug)
        if product is None:
            raise Http404
        return self._detail(product)

    @extend_schema(
        summary="Start a product (chair or secretariat)",
        request=ProductCreateSerializer,
        responses={201: ProductDetailSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = ProductCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_create(actor=actor(request), **data.validated_data)
        response = self._detail(product)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        summary="Upload a new immutable version (PDF or office document)",
        description="The secretariat or a representative of a product-participating agency. "
        "Checked by content; the size limit is PRODUCT_UPLOAD_MAX_BYTES (25 MB by default).",
        request={"multipart/form-data": VersionUploadSerializer},
        responses={201: VersionSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def versions(self, request: Request, slug: str) -> Response:
        product = self.get_object()
        data = VersionUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        version = services.product_version_upload(
            actor=actor(request),
            product=product,
            file=upload,
            filename=upload.name or "",
            size=upload.size,
            changelog=data.validated_data["changelog"],
        )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Open agency review of the latest version (chair or secretariat)",
        request=ReviewStartSerializer,
        responses={200: ProductDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request: Request, slug: str) -> Response:
        product = self.get_object()
        data = ReviewStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_review_start(
            actor=actor(request), product=product, **data.validated_data
        )
        return self._detail(product)

    @extend_schema(
        summary="Set the comment deadline of the review round (chair or secretariat)",
        request=CommentDeadlineSerializer,
        responses={200: ProductDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="comment-deadline")
    def comment_deadline(self, request: Request, slug: str) -> Response:
        product = self.get_object()
        data = CommentDeadlineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.review_deadline_set(
            actor=actor(request),
            version=_version_of(product, data.validated_data["version"]),
            comment_deadline=data.validated_data["comment_deadline"],
        )
        return self._detail(product)

    @extend_schema(
        summary="Comment on a version, or reply in a thread",
        description="For an agency you represent (which must be participating), or as the "
        "secretariat without an agency.",
        request=CommentCreateSerializer,
        responses={201: CommentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, slug: str) -> Response:
        product = self.get_object()
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = _version_of(product, data.validated_data["version"])
        parent = None
        if data.validated_data["parent"] is not None:
            parent = Comment.objects.filter(pk=data.validated_data["parent"]).first()
            if parent is None:
                raise ValidationFailed("No such comment.", code="invalid_parent", field="parent")
        comment = services.comment_add(
            actor=actor(request),
            version=version,
            body=data.validated_data["body"],
            agency=data.validated_data["agency"],
            parent=parent,
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record your agency's internal endorsement of a version (ToR III.2.2)",
        request=EndorsementCreateSerializer,
        responses={201: EndorsementSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def endorsements(self, request: Request, slug: str) -> Response:
        product = self.get_object()
        data = EndorsementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = _version_of(product, values.pop("version"))
        endorsement = services.endorsement_record(actor=actor(request), version=version, **values)
        return Response(EndorsementSerializer(endorsement).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record an agency's internal endorsement on its behalf (secretariat, with "
        "evidence)",
        description="ToR III.2.2 and IV: the secretariat records an endorsement the agency sent "
        "by other means. `evidence` (required) describes the document or email received; "
        "`evidence_file` may attach it. The endorsement is marked `on_behalf`. "
        "403 `not_secretariat`; 409 `invalid_state` / `version_superseded` / "
        "`not_product_participant`.",
        request={
            "multipart/form-data": EndorsementOnBehalfSerializer,
            "application/json": EndorsementOnBehalfSerializer,
        },
        responses={201: EndorsementSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="endorsements/record-on-behalf")
    def record_endorsement_on_behalf(self, request: Request, slug: str) -> Response:
        product = self.get_object()
        data = EndorsementOnBehalfSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = _version_of(product, values.pop("version"))
        upload = values.pop("evidence_file")
        endorsement = services.endorsement_record_on_behalf(
            actor=actor(request),
            version=version,
            evidence_file=upload,
            evidence_filename=(upload.name or "") if upload is not None else "",
            evidence_size=upload.size if upload is not None else None,
            **values,
        )
        return Response(EndorsementSerializer(endorsement).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Submit the version to the plenary: opens a consensus decision (chair or secretariat)",
        request=SubmitSerializer,
        responses={200: ProductDetailSerializer, **SUBMIT_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, slug: str) -> Response:
        product = self.get_object()
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = _version_of(product, values.pop("version"))
        try:
            product = services.product_submit_to_plenary(
                actor=actor(request), version=version, **values
            )
        except services.EndorsementsMissing as error:
            return Response(
                {"detail": error.detail, "code": error.code, "missing": error.missing},
                status=status.HTTP_409_CONFLICT,
            )
        return self._detail(product)

    @extend_schema(
        summary="Publish an endorsed product: it gets a public page (secretariat)",
        request=PublishSerializer,
        responses={200: ProductDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, slug: str) -> Response:
        product = self.get_object()
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_publish(
            actor=actor(request), product=product, **data.validated_data
        )
        return self._detail(product)

    @extend_schema(
        summary="Mark the product superseded by a later one (secretariat)",
        request=SupersedeSerializer,
        responses={200: ProductDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def supersede(self, request: Request, slug: str) -> Response:
        product = self.get_object()
        data = SupersedeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_supersede(
            actor=actor(request), product=product, by=data.validated_data["by"]
        )
        return self._detail(product)


@extend_schema_view(
    list=extend_schema(summary="List product versions you may see"),
    retrieve=extend_schema(
        summary="One version", responses={200: VersionSerializer, **READ_ERRORS}
    ),
)
class ProductVersionViewSet(viewsets.ReadOnlyModelViewSet[ProductVersion]):
    serializer_class = VersionSerializer
    permission_classes = [PublicReadSignedInWrite]
    filterset_fields = ["product__slug"]

    def get_queryset(self) -> Any:
        return selectors.versions_visible_to(self.request.user)

    @extend_schema(
        summary="Download the version's file",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(description="The file."),
            **READ_ERRORS,
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> FileResponse:
        version = self.get_object()
        return file_response(version)


def file_response(version: ProductVersion) -> FileResponse:
    return _attachment(version.file, version.original_name, version.content_type)


def evidence_response(endorsement: Endorsement) -> FileResponse:
    return _attachment(
        endorsement.evidence_file,
        endorsement.evidence_file_name,
        endorsement.evidence_file_type,
    )


def _attachment(file: Any, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@extend_schema_view(
    list=extend_schema(
        summary="Agencies' internal endorsements of the versions you may see (ToR III.2.2)"
    ),
    retrieve=extend_schema(
        summary="One endorsement", responses={200: EndorsementSerializer, **READ_ERRORS}
    ),
)
class EndorsementViewSet(viewsets.ReadOnlyModelViewSet[Endorsement]):
    serializer_class = EndorsementSerializer
    permission_classes = [PublicReadSignedInWrite]
    filterset_fields = ["version", "agency__acronym", "on_behalf"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> Any:
        return selectors.endorsements_visible_to(self.request.user)

    @extend_schema(
        summary="Download the evidence the secretariat attached to an on-behalf endorsement",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(description="The file."),
            **READ_ERRORS,
        },
    )
    @action(detail=True, methods=["get"])
    def evidence(self, request: Request, pk: str) -> FileResponse:
        endorsement = selectors.endorsement_evidence_for_download(request.user, int(pk))
        if endorsement is None:
            raise Http404("No such file.")
        return evidence_response(endorsement)


class CommentResolveSerializer(serializers.Serializer[Any]):
    resolved = serializers.BooleanField(default=True)


@extend_schema_view(
    list=extend_schema(summary="Comments on versions (participating agencies, secretariat)"),
    retrieve=extend_schema(
        summary="One comment", responses={200: CommentSerializer, **READ_ERRORS}
    ),
)
class CommentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Comment]
):
    serializer_class = CommentSerializer
    permission_classes = [PublicReadSignedInWrite]
    filterset_fields = ["version", "agency__acronym"]

    def get_queryset(self) -> Any:
        return selectors.comments_visible_to(self.request.user)

    @extend_schema(
        summary="Mark a comment thread resolved (or reopen it)",
        request=CommentResolveSerializer,
        responses={200: CommentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        comment = get_object_or_404(self.get_queryset(), pk=pk)
        data = CommentResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_resolve(
            actor=actor(request), comment=comment, resolved=data.validated_data["resolved"]
        )
        return Response(CommentSerializer(comment).data)


# --- workplans ---------------------------------------------------------------------------


class WorkplanItemSerializer(serializers.ModelSerializer[WorkplanItem]):
    working_group: serializers.SlugRelatedField[WorkingGroup] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    product: serializers.SlugRelatedField[Product] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = WorkplanItem
        fields = [
            "id",
            "objective",
            "working_group",
            "product",
            "due_on",
            "status",
            "progress_percent",
            "progress_note",
            "updated_at",
        ]
        read_only_fields = fields


class WorkplanSerializer(serializers.ModelSerializer[Workplan]):
    items = WorkplanItemSerializer(many=True, read_only=True)

    class Meta:
        model = Workplan
        fields = ["id", "year", "title", "summary", "state", "adopted_at", "items"]
        read_only_fields = fields


class WorkplanCreateSerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField()
    title = serializers.CharField(required=False, allow_blank=True, default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="")


class WorkplanItemCreateSerializer(serializers.Serializer[Any]):
    objective = serializers.CharField()
    working_group = serializers.SlugRelatedField(
        slug_field="acronym",
        queryset=WorkingGroup.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    product = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Product.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


class WorkplanSubmitSerializer(serializers.Serializer[Any]):
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)


class WorkplanProgressSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=WorkplanItemStatus.choices)
    progress_percent = serializers.IntegerField(min_value=0, max_value=100)
    note = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(summary="Annual workplans (ToR III.2.2)"),
    retrieve=extend_schema(
        summary="The workplan of one year", responses={200: WorkplanSerializer, **READ_ERRORS}
    ),
)
class WorkplanViewSet(viewsets.ReadOnlyModelViewSet[Workplan]):
    serializer_class = WorkplanSerializer
    permission_classes = [PublicReadSignedInWrite]
    lookup_field = "year"
    lookup_value_regex = r"\d{4}"

    def get_queryset(self) -> Any:
        return selectors.workplans_visible_to(self.request.user)

    @extend_schema(
        summary="Draft the workplan of a year (secretariat)",
        request=WorkplanCreateSerializer,
        responses={201: WorkplanSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = WorkplanCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workplan = services.workplan_create(actor=actor(request), **data.validated_data)
        workplan = self.get_queryset().get(pk=workplan.pk)
        return Response(WorkplanSerializer(workplan).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add an item to a draft workplan (chair or secretariat)",
        request=WorkplanItemCreateSerializer,
        responses={201: WorkplanItemSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def items(self, request: Request, year: str) -> Response:
        workplan = self.get_object()
        data = WorkplanItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.workplan_item_add(
            actor=actor(request), workplan=workplan, **data.validated_data
        )
        return Response(WorkplanItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Submit the workplan for adoption by consensus (chair or secretariat)",
        request=WorkplanSubmitSerializer,
        responses={200: WorkplanSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, year: str) -> Response:
        workplan = self.get_object()
        data = WorkplanSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workplan = services.workplan_submit(
            actor=actor(request), workplan=workplan, **data.validated_data
        )
        return Response(WorkplanSerializer(self.get_queryset().get(pk=workplan.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Workplan items"),
    retrieve=extend_schema(
        summary="One workplan item", responses={200: WorkplanItemSerializer, **READ_ERRORS}
    ),
)
class WorkplanItemViewSet(viewsets.ReadOnlyModelViewSet[WorkplanItem]):
    serializer_class = WorkplanItemSerializer
    permission_classes = [PublicReadSignedInWrite]
    filterset_fields = ["workplan__year", "status"]

    def get_queryset(self) -> Any:
        workplans = selectors.workplans_visible_to(self.request.user)
        return WorkplanItem.objects.filter(workplan__in=workplans).select_related(
            "working_group", "product"
        )

    @extend_schema(
        summary="Report progress on an item",
        request=WorkplanProgressSerializer,
        responses={200: WorkplanItemSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def progress(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        data = WorkplanProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.workplan_item_progress(
            actor=actor(request), item=item, **data.validated_data
        )
        return Response(WorkplanItemSerializer(item).data)

"""Pages for products, working groups and the annual workplan (thin adapters)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies.roles import is_chair, is_secretariat, represented_agency_ids
from isecg.errors import DomainError
from isecg.forms_util import add_domain_error
from isecg.http import HtmxHttpRequest, actor
from products import selectors, services
from products.api import evidence_response, file_response
from products.forms import (
    CommentForm,
    DeadlineForm,
    EndorseForm,
    EndorseOnBehalfForm,
    ProductCreateForm,
    ProductFilterForm,
    ProgressForm,
    SubmitForm,
    VersionUploadForm,
)
from products.models import Comment, Product, ProductState, ProductVersion, WorkplanItem


def product_list(request: HtmxHttpRequest) -> HttpResponse:
    form = ProductFilterForm(request.GET or None)
    products = selectors.products_visible_to(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            products = products.filter(kind=data["kind"])
        if data["state"]:
            products = products.filter(state=data["state"])
        if data["working_group"]:
            products = products.filter(working_group=data["working_group"])
        if data["agency"]:
            products = products.filter(participating_agencies=data["agency"])
    template = "products/partials/_table.html" if request.htmx else "products/list.html"
    return render(
        request,
        template,
        {
            "products": products,
            "filter_form": form,
            "can_create": is_secretariat(request.user) or is_chair(request.user),
            "sees_drafts": selectors.can_see_drafts(request.user),
        },
    )


def product_public_list(request: HttpRequest) -> HttpResponse:
    """The public products page: endorsed and published products, for anyone."""
    return render(request, "products/public_list.html", {"products": selectors.public_products()})


def _compare(versions: list[ProductVersion], request: HttpRequest) -> tuple[Any, Any]:
    by_number = {v.number: v for v in versions}
    try:
        a = by_number.get(int(request.GET.get("a", "")))
        b = by_number.get(int(request.GET.get("b", "")))
    except ValueError:
        a = b = None
    if a is None or b is None:
        a, b = (versions[-2], versions[-1]) if len(versions) >= 2 else (None, None)
    return a, b


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = selectors.product_detail(request.user, slug)
    if product is None:
        raise Http404("No such product.")
    return render(request, "products/detail.html", _detail_context(request, product))


def _render_detail_with(
    request: HttpRequest, product: Product, status: int, **forms: Any
) -> HttpResponse:
    """The product page again, with a bound form showing its errors."""
    fresh = selectors.product_detail(request.user, product.slug)
    assert fresh is not None
    context = _detail_context(request, fresh)
    context.update(forms)
    return render(request, "products/detail.html", context, status=status)


def _detail_context(request: HttpRequest, product: Product) -> dict[str, Any]:
    user = request.user
    versions = list(product.versions.all())
    current = versions[-1] if versions else None
    sees_drafts = selectors.can_see_drafts(user)
    secretariat = is_secretariat(user)
    manager = secretariat or is_chair(user)
    participant_ids = {a.pk for a in product.participating_agencies.all()}
    mine = represented_agency_ids(user) if user.is_authenticated else frozenset()
    in_review = product.state == ProductState.AGENCY_REVIEW
    context: dict[str, Any] = {
        "product": product,
        "versions": versions,
        "current": current,
        "sees_drafts": sees_drafts,
        "is_manager": manager,
        "matrix": selectors.endorsement_matrix(product) if sees_drafts else [],
        "decisions": selectors.product_decisions(product) if sees_drafts else [],
    }
    if not sees_drafts:
        return context
    round_ = getattr(current, "review_round", None) if current else None
    context["comment_deadline"] = round_.comment_deadline if round_ else None
    context["compare_a"], context["compare_b"] = _compare(versions, request)
    can_comment = product.state in {ProductState.DRAFTING, ProductState.AGENCY_REVIEW}
    context["comment_form"] = CommentForm(user=user) if can_comment else None
    if product.state in {ProductState.DRAFTING, ProductState.AGENCY_REVIEW} and (
        secretariat or participant_ids & mine
    ):
        context["upload_form"] = VersionUploadForm()
    if in_review and current is not None:
        if participant_ids & mine:
            context["endorse_form"] = EndorseForm(
                user=user, product=product, initial={"endorsed_on": timezone.localdate()}
            )
        if secretariat:
            context["on_behalf_form"] = EndorseOnBehalfForm(
                product=product, initial={"endorsed_on": timezone.localdate()}
            )
        if manager:
            context["submit_form"] = SubmitForm()
            context["deadline_form"] = DeadlineForm(
                initial={"comment_deadline": context["comment_deadline"]}
            )
            context["missing"] = [
                row.agency for row in context["matrix"] if row.cells[-1].status == "pending"
            ]
    context["can_start_review"] = manager and product.state == ProductState.DRAFTING and current
    context["can_publish"] = secretariat and product.state == ProductState.ENDORSED
    return context


def product_version_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    version = selectors.version_for_download(request.user, pk)
    if version is None:
        raise Http404("No such file.")
    return file_response(version)


@login_required
def product_create(request: HttpRequest) -> HttpResponse:
    if not (is_secretariat(request.user) or is_chair(request.user)):
        raise PermissionDenied("Only the chair or the secretariat starts products.")
    form = ProductCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(actor=actor(request), **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{product.title} is started.")
            return redirect("product-detail", slug=product.slug)
    return render(request, "products/create.html", {"form": form})


def _visible_product(request: HttpRequest, slug: str) -> Product:
    product = selectors.products_visible_to(request.user).filter(slug=slug).first()
    if product is None:
        raise Http404("No such product.")
    return product


def _version(product: Product, number: Any) -> ProductVersion:
    return get_object_or_404(ProductVersion, product=product, number=number)


def _act(request: HttpRequest, product: Product, action: Callable[[], Any], done: str) -> None:
    try:
        action()
    except DomainError as error:
        if error.status_code == 403:
            raise PermissionDenied(error.detail) from None
        messages.error(request, error.detail)
    else:
        messages.success(request, done)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label or field if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


@login_required
@require_POST
def product_upload(request: HttpRequest, slug: str) -> HttpResponse:
    product = _visible_product(request, slug)
    form = VersionUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        _act(
            request,
            product,
            lambda: services.product_version_upload(
                actor=actor(request),
                product=product,
                file=upload,
                filename=upload.name,
                size=upload.size,
                changelog=form.cleaned_data["changelog"],
            ),
            "The new version is uploaded.",
        )
    else:
        _form_errors(request, form)
    return redirect("product-detail", slug=product.slug)


@login_required
@require_POST
def product_start_review(request: HttpRequest, slug: str) -> HttpResponse:
    product = _visible_product(request, slug)
    _act(
        request,
        product,
        lambda: services.product_review_start(actor=actor(request), product=product),
        "Agency review is open.",
    )
    return redirect("product-detail", slug=product.slug)


@login_required
@require_POST
def product_deadline(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    product = _visible_product(request, slug)
    version = _version(product, number)
    form = DeadlineForm(request.POST)
    if form.is_valid():
        _act(
            request,
            product,
            lambda: services.review_deadline_set(
                actor=actor(request),
                version=version,
                comment_deadline=form.cleaned_data["comment_deadline"],
            ),
            "The comment deadline is set.",
        )
    else:
        _form_errors(request, form)
    return redirect("product-detail", slug=product.slug)


def _comments_response(request: HtmxHttpRequest, product: Product) -> HttpResponse:
    if request.htmx:
        fresh = selectors.product_detail(request.user, product.slug)
        assert fresh is not None
        return render(request, "products/partials/_comments.html", _detail_context(request, fresh))
    return redirect(reverse("product-detail", kwargs={"slug": product.slug}) + "#comments")


@login_required
@require_POST
def product_comment(request: HtmxHttpRequest, slug: str, number: int) -> HttpResponse:
    product = _visible_product(request, slug)
    version = _version(product, number)
    form = CommentForm(request.POST, user=request.user)
    if form.is_valid():
        parent = None
        if form.cleaned_data["parent"]:
            parent = get_object_or_404(Comment, pk=form.cleaned_data["parent"], version=version)
        _act(
            request,
            product,
            lambda: services.comment_add(
                actor=actor(request),
                version=version,
                body=form.cleaned_data["body"],
                agency=form.cleaned_data["agency"],
                parent=parent,
            ),
            "Your comment is posted.",
        )
    else:
        _form_errors(request, form)
    return _comments_response(request, product)


@login_required
@require_POST
def comment_resolve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(selectors.comments_visible_to(request.user), pk=pk)
    product = comment.version.product
    resolved = request.POST.get("resolved", "1") != "0"
    _act(
        request,
        product,
        lambda: services.comment_resolve(actor=actor(request), comment=comment, resolved=resolved),
        "The thread is resolved." if resolved else "The thread is reopened.",
    )
    return _comments_response(request, product)


@login_required
@require_POST
def product_endorse(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    product = _visible_product(request, slug)
    version = _version(product, number)
    form = EndorseForm(request.POST, user=request.user, product=product)
    if form.is_valid():
        _act(
            request,
            product,
            lambda: services.endorsement_record(
                actor=actor(request), version=version, **form.cleaned_data
            ),
            "The endorsement is recorded.",
        )
    else:
        _form_errors(request, form)
    return redirect("product-detail", slug=product.slug)


@login_required
@require_POST
def product_endorse_on_behalf(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """ToR III.2.2, IV: the secretariat records an agency's endorsement with evidence."""
    product = _visible_product(request, slug)
    version = _version(product, number)
    form = EndorseOnBehalfForm(request.POST, request.FILES, product=product)
    if not form.is_valid():
        return _render_detail_with(request, product, 400, on_behalf_form=form)
    values = dict(form.cleaned_data)
    upload = values.pop("evidence_file")
    try:
        endorsement = services.endorsement_record_on_behalf(
            actor=actor(request),
            version=version,
            evidence_file=upload,
            evidence_filename=upload.name if upload is not None else "",
            evidence_size=upload.size if upload is not None else None,
            **values,
        )
    except DomainError as error:
        if error.status_code == 403:
            raise PermissionDenied(error.detail) from None
        add_domain_error(form, error)
        return _render_detail_with(request, product, error.status_code, on_behalf_form=form)
    messages.success(
        request,
        f"{endorsement.agency.acronym}'s endorsement is recorded on its behalf.",
    )
    return redirect("product-detail", slug=product.slug)


def endorsement_evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    endorsement = selectors.endorsement_evidence_for_download(request.user, pk)
    if endorsement is None:
        raise Http404("No such file.")
    return evidence_response(endorsement)


@login_required
@require_POST
def product_submit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    product = _visible_product(request, slug)
    version = _version(product, number)
    form = SubmitForm(request.POST)
    if form.is_valid():
        _act(
            request,
            product,
            lambda: services.product_submit_to_plenary(
                actor=actor(request), version=version, **form.cleaned_data
            ),
            "Submitted to the plenary: a consensus decision is open.",
        )
    else:
        _form_errors(request, form)
    return redirect("product-detail", slug=product.slug)


@login_required
@require_POST
def product_publish(request: HttpRequest, slug: str) -> HttpResponse:
    product = _visible_product(request, slug)
    _act(
        request,
        product,
        lambda: services.product_publish(actor=actor(request), product=product),
        "Published: the product now has a public page.",
    )
    return redirect("product-detail", slug=product.slug)


def working_group_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "products/working_group_list.html",
        {"groups": selectors.working_groups(), "referrals": selectors.expert_referrals()},
    )


def working_group_detail(request: HttpRequest, acronym: str) -> HttpResponse:
    group = selectors.working_group_detail(request.user, acronym)
    if group is None:
        raise Http404("No such working group.")
    return render(request, "products/working_group_detail.html", {"group": group})


def workplan_current(request: HttpRequest) -> HttpResponse:
    return redirect("workplan", year=timezone.localdate().year)


def workplan(request: HttpRequest, year: int) -> HttpResponse:
    plan = selectors.workplans_visible_to(request.user).filter(year=year).first()
    years = list(
        selectors.workplans_visible_to(request.user).values_list("year", flat=True).order_by("year")
    )
    if plan is None and not years:
        raise Http404("No workplan.")
    user = request.user
    context = {
        "plan": plan,
        "year": year,
        "years": years,
        "decisions": selectors.workplan_decisions(plan) if plan and user.is_authenticated else [],
        "progress_form": ProgressForm() if user.is_authenticated else None,
        "can_submit": plan is not None
        and plan.state == "draft"
        and (is_secretariat(user) or is_chair(user)),
        "today": dt.date.today(),
    }
    return render(request, "products/workplan.html", context, status=200 if plan else 404)


@login_required
@require_POST
def workplan_item_progress(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(WorkplanItem.objects.select_related("workplan"), pk=pk)
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.workplan_item_progress(actor=actor(request), item=item, **form.cleaned_data)
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.detail) from None
            messages.error(request, error.detail)
        else:
            messages.success(request, "Progress recorded.")
    else:
        _form_errors(request, form)
    return redirect("workplan", year=item.workplan.year)


@login_required
@require_POST
def workplan_submit(request: HttpRequest, year: int) -> HttpResponse:
    """ToR III.2.2: put the year's workplan to the plenary for adoption by consensus."""
    plan = get_object_or_404(selectors.workplans_visible_to(request.user), year=year)
    try:
        services.workplan_submit(actor=actor(request), workplan=plan)
    except DomainError as error:
        if error.status_code == 403:
            raise PermissionDenied(error.detail) from None
        messages.error(request, error.detail)
    else:
        messages.success(request, "Submitted to the plenary: a consensus decision is open.")
    return redirect("workplan", year=year)

"""Web pages of this app, mounted at /products/ in isecg/urls.py."""

from django.urls import path

from products import views

urlpatterns = [
    path("", views.product_list, name="product-list"),
    path("new/", views.product_create, name="product-create"),
    path("public/", views.product_public_list, name="product-public-list"),
    path("groups/", views.working_group_list, name="working-group-list"),
    path("groups/<str:acronym>/", views.working_group_detail, name="working-group-detail"),
    path("workplan/", views.workplan_current, name="workplan-current"),
    path("workplan/<int:year>/", views.workplan, name="workplan"),
    path("workplan/<int:year>/submit/", views.workplan_submit, name="workplan-submit"),
    path(
        "workplan/items/<int:pk>/progress/",
        views.workplan_item_progress,
        name="workplan-item-progress",
    ),
    path("files/<int:pk>/", views.product_version_download, name="product-version-download"),
    path(
        "endorsements/<int:pk>/evidence/",
        views.endorsement_evidence_download,
        name="product-endorsement-evidence",
    ),
    path("comments/<int:pk>/resolve/", views.comment_resolve, name="product-comment-resolve"),
    path("<slug:slug>/", views.product_detail, name="product-detail"),
    path("<slug:slug>/upload/", views.product_upload, name="product-upload"),
    path("<slug:slug>/start-review/", views.product_start_review, name="product-start-review"),
    path("<slug:slug>/publish/", views.product_publish, name="product-publish"),
    path("<slug:slug>/v<int:number>/deadline/", views.product_deadline, name="product-deadline"),
    path("<slug:slug>/v<int:number>/comment/", views.product_comment, name="product-comment"),
    path("<slug:slug>/v<int:number>/endorse/", views.product_endorse, name="product-endorse"),
    path(
        "<slug:slug>/v<int:number>/endorse-on-behalf/",
        views.product_endorse_on_behalf,
        name="product-endorse-on-behalf",
    ),
    path("<slug:slug>/v<int:number>/submit/", views.product_submit, name="product-submit"),
]

from django.urls import path

from agencies import views

urlpatterns = [
    path("", views.agency_list, name="agency-list"),
    path("new/", views.agency_create, name="agency-create"),
    path(
        "representatives/<int:pk>/revoke/",
        views.representative_revoke,
        name="representative-revoke",
    ),
    path("<str:acronym>/", views.agency_detail, name="agency-detail"),
    path(
        "<str:acronym>/designate/", views.representative_designate, name="representative-designate"
    ),
]

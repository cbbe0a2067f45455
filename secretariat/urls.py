"""Web pages of the secretariat app, mounted at /secretariat/."""

from django.urls import path

from secretariat import views

urlpatterns = [
    path("", views.dashboard, name="secretariat-dashboard"),
    path("my-agency/", views.my_agency_home, name="my-agency-home"),
    path("action-items/", views.action_items, name="secretariat-action-items"),
    path("search/", views.search_page, name="search"),
    path("exports/", views.exports_page, name="secretariat-exports"),
    path("exports/<slug:name>.<str:fmt>", views.export_download, name="secretariat-export"),
    path("members/", views.member_list, name="secretariat-members"),
    path("members/<int:pk>/end/", views.member_end, name="secretariat-member-end"),
]

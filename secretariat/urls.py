"""Web pages of the secretariat app, mounted at /secretariat/."""

from django.urls import path

from secretariat import views

urlpatterns = [
    path("members/", views.member_list, name="secretariat-members"),
    path("members/<int:pk>/end/", views.member_end, name="secretariat-member-end"),
]

"""Web pages of this app, mounted at /meetings/ in isecg/urls.py."""

from django.urls import path

from meetings import views

urlpatterns = [
    path("", views.meeting_list, name="meeting-list"),
    path("new/", views.meeting_create, name="meeting-create"),
    path("propose/", views.venue_propose, name="venue-propose"),
    path("series/", views.series_list, name="series-list"),
    path("series/new/", views.series_create, name="series-create"),
    path("series/<int:series_id>/end/", views.series_deactivate, name="series-deactivate"),
    path("chair/", views.chair_overview, name="chair-overview"),
    path("chair/nominations/", views.chair_nomination_create, name="chair-nomination-create"),
    path(
        "chair/nominations/<int:nomination_id>/decide/",
        views.chair_nomination_decide,
        name="chair-nomination-decide",
    ),
    path("chair/handover/<int:item_id>/done/", views.handover_item_done, name="handover-item-done"),
    path("calendar/", views.calendar_settings, name="meeting-calendar"),
    path("feed/<str:token>.ics", views.calendar_feed, name="meeting-feed"),
    path("<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("<int:pk>/ics/", views.meeting_ics, name="meeting-ics"),
    path("<int:pk>/print/", views.meeting_print, name="meeting-print"),
    path("<int:pk>/state/<str:action>/", views.meeting_transition, name="meeting-transition"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="meeting-cancel"),
    path("<int:pk>/agenda/add/", views.agenda_add, name="agenda-add"),
    path("<int:pk>/agenda/<int:item_id>/withdraw/", views.agenda_withdraw, name="agenda-withdraw"),
    path("<int:pk>/agenda/<int:item_id>/<str:direction>/", views.agenda_move, name="agenda-move"),
    path("<int:pk>/delegation/", views.attendance_register, name="attendance-register"),
    path(
        "<int:pk>/delegation/<int:attendance_id>/withdraw/",
        views.attendance_withdraw,
        name="attendance-withdraw",
    ),
    path("<int:pk>/advisors/new/", views.advisor_invite, name="advisor-invite"),
    path("<int:pk>/minutes/draft/", views.minutes_draft, name="minutes-draft"),
    path("<int:pk>/minutes/<int:minutes_id>/edit/", views.minutes_edit, name="minutes-edit"),
    path(
        "<int:pk>/minutes/<int:minutes_id>/circulate/",
        views.minutes_circulate,
        name="minutes-circulate",
    ),
    path(
        "<int:pk>/minutes/<int:minutes_id>/comment/", views.minutes_comment, name="minutes-comment"
    ),
    path("<int:pk>/minutes/<int:minutes_id>/issue/", views.minutes_issue, name="minutes-issue"),
    path(
        "<int:pk>/minutes/<int:minutes_id>/approve/", views.minutes_approve, name="minutes-approve"
    ),
    path(
        "<int:pk>/minutes/<int:minutes_id>/approval/",
        views.minutes_approval_record,
        name="minutes-approval-record",
    ),
    path(
        "<int:pk>/minutes/<int:minutes_id>/close-comments/",
        views.minutes_comments_close,
        name="minutes-comments-close",
    ),
    path(
        "<int:pk>/minutes/<int:minutes_id>/correct/", views.minutes_correct, name="minutes-correct"
    ),
    path("<int:pk>/actions/add/", views.action_item_add, name="action-item-add"),
    path(
        "<int:pk>/actions/<int:item_id>/status/",
        views.action_item_status,
        name="action-item-status",
    ),
    path("<int:pk>/venue/decide/", views.venue_put_to_decision, name="venue-decide"),
    path("<int:pk>/venue/withdraw/", views.venue_withdraw, name="venue-withdraw"),
    path("<int:pk>/venue/change/", views.venue_change, name="venue-change"),
]

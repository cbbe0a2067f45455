"""Web pages of this app, mounted at /decisions/ in isecg/urls.py."""

from django.urls import path

from consensus import views

urlpatterns = [
    path("", views.decision_list, name="decision-list"),
    path("awaiting/", views.decision_awaiting, name="decision-awaiting"),
    path("new/", views.decision_open, name="decision-open"),
    path("<int:pk>/", views.decision_detail, name="decision-detail"),
    path("<int:pk>/cast/", views.position_cast, name="decision-cast"),
    path("<int:pk>/extend/", views.decision_extend, name="decision-extend"),
    path("<int:pk>/withdraw/", views.decision_withdraw, name="decision-withdraw"),
    path("<int:pk>/new-round/", views.decision_new_round, name="decision-new-round"),
    path("<int:pk>/record/", views.position_record, name="decision-record"),
    path("<int:pk>/ledger/", views.decision_ledger, name="decision-ledger"),
    path("<int:pk>/record.json", views.decision_record_download, name="decision-record-download"),
]

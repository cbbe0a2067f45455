"""Web pages of this app, mounted at /membership/ in isecg/urls.py."""

from django.urls import path
from django.views.generic import RedirectView

from membership import applicant_views, views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="tor-current"), name="membership-index"),
    path("tor/", views.tor_current, name="tor-current"),
    path("tor/versions/<int:pk>/", views.tor_version_detail, name="tor-version-detail"),
    path("tor/diff/", views.tor_diff, name="tor-diff"),
    path("acceptances/", views.acceptance_list, name="tor-acceptance-list"),
    path("acceptances/new/", views.acceptance_create, name="tor-acceptance-create"),
    path("requests/", views.request_list, name="membership-request-list"),
    path("requests/new/", views.request_create, name="membership-request-create"),
    path("apply/", views.request_apply, name="membership-request-apply"),
    path("apply/sign-up/", applicant_views.applicant_sign_up, name="membership-applicant-sign-up"),
    path(
        "apply/sign-up/done/",
        applicant_views.applicant_sign_up_done,
        name="membership-applicant-sign-up-done",
    ),
    path(
        "apply/verify/resend/",
        applicant_views.applicant_verify_link_resend,
        name="membership-applicant-verify-resend",
    ),
    path(
        "apply/verify/<str:token>/",
        applicant_views.applicant_email_verify,
        name="membership-applicant-verify",
    ),
    path("requests/<int:pk>/", views.request_detail, name="membership-request-detail"),
    path("requests/<int:pk>/return/", views.request_return, name="membership-request-return"),
    path(
        "requests/<int:pk>/circulate/",
        views.request_circulate,
        name="membership-request-circulate",
    ),
    path("requests/<int:pk>/complete/", views.request_complete, name="membership-request-complete"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="membership-request-withdraw"),
    path("amendments/", views.amendment_list, name="tor-amendment-list"),
    path("amendments/new/", views.amendment_create, name="tor-amendment-create"),
    path("amendments/<int:pk>/", views.amendment_detail, name="tor-amendment-detail"),
    path(
        "amendments/<int:pk>/new-round/",
        views.amendment_new_round,
        name="tor-amendment-new-round",
    ),
    path(
        "amendments/<int:pk>/<str:action>/",
        views.amendment_action,
        name="tor-amendment-action",
    ),
    path("extensions/", views.extension_list, name="tor-extension-list"),
    path("extensions/new/", views.extension_create, name="tor-extension-create"),
    path(
        "extensions/<int:pk>/<str:action>/",
        views.extension_action,
        name="tor-extension-action",
    ),
    path("withdrawals/", views.withdrawal_list, name="withdrawal-list"),
    path("withdrawals/new/", views.withdrawal_create, name="withdrawal-create"),
    path("letters/<str:kind>/<int:pk>/", views.letter_download, name="membership-letter"),
]

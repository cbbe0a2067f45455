from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from isecg import twofactor, views

admin.site.site_header = "ISECG governance: administration"
admin.site.site_title = "ISECG admin"

urlpatterns = [
    # First, so that a page's URL name wins over an API route of the same name
    # (reverse() takes the last pattern): {% url 'agency-detail' %} is the web page.
    path("api/v1/", include("isecg.api.urls")),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/2fa/", twofactor.otp_enrol, name="otp-enrol"),
    path("accounts/2fa/verify/", twofactor.otp_verify, name="otp-verify"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/preferences/", views.preferences, name="preferences"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_mark_read, name="notification-mark-read"),
    path(
        "notifications/preferences/",
        views.notification_preference_set,
        name="notification-preference-set",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.notification_unsubscribe,
        name="notification-unsubscribe",
    ),
    path(
        "corrections/<str:model>/<str:object_id>/",
        views.correction_form,
        name="correction-form",
    ),
    path("agencies/", include("agencies.urls")),
    path("decisions/", include("consensus.urls")),
    path("membership/", include("membership.urls")),
    path("products/", include("products.urls")),
    path("meetings/", include("meetings.urls")),
    path("secretariat/", include("secretariat.urls")),
    path("admin/", admin.site.urls),
]

if settings.ISECG_BENCH_FLOOR:
    # The load benchmark's floor (bench/floor): never mounted in a normal run.
    urlpatterns += [path("bench-floor/", include("bench.floor.urls"))]

# No /media/ route, not even with DEBUG: uploaded letters and product files are
# served only by their permission-checked download views (issue 8).

"""Mounted at /bench-floor/ only when settings.ISECG_BENCH_FLOOR is true."""

from django.urls import path

from bench.floor.views import FloorView

urlpatterns = [path("", FloorView.as_view(), name="bench-floor")]

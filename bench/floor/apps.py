from django.apps import AppConfig


class BenchFloorConfig(AppConfig):
    name = "bench.floor"
    label = "benchfloor"
    verbose_name = "Benchmark floor"
    default_auto_field = "django.db.models.BigAutoField"

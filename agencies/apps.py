from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and representatives"
    default_auto_field = "django.db.models.BigAutoField"

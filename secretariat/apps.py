from django.apps import AppConfig


class SecretariatConfig(AppConfig):
    name = "secretariat"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class IsecgConfig(AppConfig):
    name = "isecg"
    verbose_name = "ISECG core: users, audit log, notifications"
    default_auto_field = "django.db.models.BigAutoField"

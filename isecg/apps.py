from django.apps import AppConfig


class IsecgConfig(AppConfig):
    name = "isecg"
    verbose_name = "ISECG core: users, audit log, notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from isecg import signals  # noqa: F401  (connects the sign-in handlers)

from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "membership"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from membership import handlers

        handlers.register()

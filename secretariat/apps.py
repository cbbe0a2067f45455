from django.apps import AppConfig


class SecretariatConfig(AppConfig):
    name = "secretariat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from isecg import corrections
        from secretariat.models import SecretariatMember

        # A member's title; never who proposed them, nor when they served.
        corrections.register(SecretariatMember, fields=["role"], labels={"role": "Title"})

from django.apps import AppConfig


class IsecgConfig(AppConfig):
    name = "isecg"
    verbose_name = "ISECG core: users, audit log, notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # signals: the sign-in handlers; corrections_admin: corrections, read-only in the admin.
        from isecg import corrections, corrections_admin, signals  # noqa: F401
        from isecg.models import User

        # A misspelt name. Roles, groups and sign-in details are not data errors.
        corrections.register(
            User,
            fields=["first_name", "last_name"],
            labels={"first_name": "First name", "last_name": "Last name"},
        )

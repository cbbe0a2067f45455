from django.apps import AppConfig


class IsecgConfig(AppConfig):
    name = "isecg"
    verbose_name = "ISECG core: users, audit log, notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # signals: the sign-in handlers; corrections_admin: corrections, read-only in the admin.
        from isecg import corrections, corrections_admin, signals  # noqa: F401
        from isecg.models import User

        # A misspelt name or a wrong e-mail address (where the password reset goes: audited,
        # with its reason). Roles, groups and other sign-in details are not data errors.
        corrections.register(
            User,
            fields=["first_name", "last_name", "email"],
            labels={"first_name": "First name", "last_name": "Last name", "email": "E-mail"},
        )

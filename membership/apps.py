from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "membership"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from isecg.api.authentication import register_api_writer
        from membership import handlers
        from membership.applicants import applicant_may_write_through_api

        handlers.register()
        # ToR III.1: an applicant account files its online request through the API too.
        register_api_writer(applicant_may_write_through_api)

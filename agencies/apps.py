from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and representatives"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.urls import reverse

        from agencies import roles, selectors, services
        from agencies.models import Agency
        from isecg import corrections

        # Who may correct records (the foundation cannot ask agencies.roles itself).
        corrections.set_secretariat_predicate(roles.is_secretariat)
        corrections.register(
            Agency,
            fields=services.AGENCY_CORRECTABLE_FIELDS,
            labels={
                "name": "Name",
                "country": "Country",
                "website": "Website",
                "joined_on": "Joined on",
                "withdrawn_on": "Withdrawn on",
                "notes": "Notes",
            },
            check=services.agency_correction_check,
            url=lambda agency: reverse("agency-detail", args=[agency.acronym]),
            visible_to=selectors.agencies_visible_to,
        )

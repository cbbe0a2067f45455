from django.apps import AppConfig


class ConsensusConfig(AppConfig):
    name = "consensus"
    verbose_name = "Consensus decisions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from consensus.services import register_motion_handlers

        register_motion_handlers()

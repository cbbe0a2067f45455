from django.apps import AppConfig


class ConsensusConfig(AppConfig):
    name = "consensus"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Products, working groups and workplans"

    def ready(self) -> None:
        from products import handlers

        handlers.register()

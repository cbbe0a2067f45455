from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Products, working groups and workplans"

    def ready(self) -> None:
        from django.urls import reverse

        from isecg import corrections
        from products import handlers, selectors
        from products.models import Product, WorkingGroup

        handlers.register()
        # A typo in a title or a group's name; never a state, a version or an endorsement.
        corrections.register(
            Product,
            fields=["title"],
            labels={"title": "Title"},
            url=lambda product: reverse("product-detail", args=[product.slug]),
            visible_to=selectors.products_visible_to,
        )
        corrections.register(
            WorkingGroup,
            fields=["name"],
            labels={"name": "Name"},
            url=lambda group: reverse("working-group-detail", args=[group.acronym]),
            visible_to=lambda user: selectors.working_groups(),
        )

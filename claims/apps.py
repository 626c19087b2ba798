from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ClaimsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "claims"
    verbose_name = "Claims and evidence"

    def ready(self) -> None:
        from django.contrib import admin

        from .admin_input import check_every_admin
        from .api import auth  # noqa: F401  (registers its OpenAPI scheme with drf-spectacular)
        from .sqlite import install_unicode_like

        connection_created.connect(install_unicode_like, dispatch_uid="claims.sqlite.unicode_like")
        # (The admin has registered every app's admin by now: its own ready() came first.)
        check_every_admin(admin.site)

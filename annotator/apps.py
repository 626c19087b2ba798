from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin, with annotator.admin.AdminSite as admin.site."""

    default_site = "annotator.admin.AdminSite"

"""The project's admin site: Django's, whose password-change page counts a wrong current
password as a failed login (claims.passwords), as the site's page does, and whose login page
answers HEAD as it answers GET.

settings.INSTALLED_APPS names AdminConfig instead of django.contrib.admin, so that
`admin.site`, where every ModelAdmin registers, is this site.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache


class AdminSite(admin.AdminSite):
    site_header = "Source criticism: data entry"
    site_title = "Annotator admin"

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        # Django's login page sends a logged-in staff member on to the index only on GET;
        # a HEAD is a GET without the body, so it gets the same redirect, not the form.
        if request.method == "HEAD" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        return super().login(request, extra_context)

    def password_change(self, request, extra_context=None):
        # Imported here, as Django's own does: this module is read before the models are.
        from claims.passwords import AdminPasswordChangeForm, PasswordChangeView

        request.current_app = self.name
        return PasswordChangeView.as_view(
            form_class=AdminPasswordChangeForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
        )(request)


class AdminConfig(DjangoAdminConfig):
    default_site = "annotator.admin_site.AdminSite"

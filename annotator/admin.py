"""The project's admin site: Django's, with its titles, and a login page that answers HEAD as GET."""

from django.contrib import admin
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

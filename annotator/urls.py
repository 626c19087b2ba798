from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Source criticism: data entry"
admin.site.site_title = "Annotator admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Until the researchers' own pages exist, the front door leads to data entry (and its login).
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]

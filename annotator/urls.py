from django.contrib import admin
from django.urls import path

admin.site.site_header = "Source criticism: data entry"
admin.site.site_title = "Annotator admin"

urlpatterns = [
    path("admin/", admin.site.urls),
]

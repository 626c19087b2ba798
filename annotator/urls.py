from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from claims.passwords import PasswordChangeView
from claims.views import account

accounts = [
    # Who you are, and your personal API tokens (made and revoked here)
    path("", account.account, name="account"),
    path("tokens/<int:pk>/revoke/", account.api_token_revoke, name="api_token_revoke"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Django's LogoutView answers POST only, so a link or prefetch cannot log anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # A wrong current password counts toward the login lock-out (claims.passwords).
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include(accounts)),
    path("api/", include("claims.api.urls")),
    path("", include("claims.urls")),
]

# The 500 page shows the request's id, which its line in the log carries too.
handler500 = "annotator.request_log.server_error"

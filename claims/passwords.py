"""Changing one's own password, where a wrong current password counts as a failed login.

Whoever holds a session (a borrowed laptop, a stolen cookie) could otherwise try passwords on
the page that asks for the current one as often as they like, and then log in anywhere with
the one that worked. So the current password is checked as a login is, by authenticate():
django-axes refuses it while the account is locked out from this address, counts a wrong one
toward the lock-out (settings: 5 failures, 15 minutes, per username and address), and at the
limit marks the request, so that AxesMiddleware answers with the lock-out page, as the login
does. The session is then ended: it is the one doing the guessing. Used by the site's page
(/accounts/password/) and the admin's (annotator.admin_site).
"""

from axes.helpers import get_client_ip_address
from axes.utils import reset
from django.contrib import auth
from django.contrib.admin.forms import AdminPasswordChangeForm as DjangoAdminPasswordChangeForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.exceptions import ValidationError


class CurrentPasswordAsLogin:
    """A password-change form whose current password is checked by authenticate() (see above)."""

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if auth.authenticate(self.request, username=self.user.get_username(), password=old_password) is None:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class PasswordChangeForm(CurrentPasswordAsLogin, DjangoPasswordChangeForm):
    pass


class AdminPasswordChangeForm(CurrentPasswordAsLogin, DjangoAdminPasswordChangeForm):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        if getattr(self.request, "axes_locked_out", False):
            # This session is the one guessing; AxesMiddleware then answers with the lock-out page.
            auth.logout(self.request)
        return super().form_invalid(form)

    def form_valid(self, form):
        # The right current password is a successful login: it clears this account's failures
        # from this address, as logging in would (AXES_RESET_ON_SUCCESS), and nothing else.
        reset(ip=get_client_ip_address(self.request), username=self.request.user.get_username())
        return super().form_valid(form)

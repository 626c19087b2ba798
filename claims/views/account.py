"""The account page (/accounts/): who you are, and your personal API tokens (issue 16).

A new token is shown on the response to the POST that made it, and nowhere else: it is not
kept (the session included), so a reload or the back button cannot show it again. The page
is never cached for the same reason. Each user sees and revokes only their own tokens: any
other token's id answers 404, as for one that does not exist (staff revoke others' in the admin).
The page is never compressed either (README, "Compression": a page that shows a secret beside
text the visitor chose, here the token's name, is left uncompressed against BREACH).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from claims import roles, services
from claims.forms.account import ApiTokenForm
from claims.forms.service_errors import add_service_errors
from claims.models import ApiToken
from claims.selectors.tokens import tokens_of

from .access import AuthenticatedHttpRequest, form_methods


def uncompressed(view):
    """GZipMiddleware compresses a response on the way out for a request that accepts gzip;
    it reads that from this same request, so the view takes the offer back."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.META.pop("HTTP_ACCEPT_ENCODING", None)
        return view(request, *args, **kwargs)

    return wrapper


# The API's address is fixed by its version (docs/api.md), so the example names it.
API_ROOT = "/api/v1/"


@never_cache
@uncompressed
@login_required
@form_methods
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    made = None
    if form.is_valid():
        try:
            token, raw = services.api_token_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            made = {"token": token, "raw": raw}
            form = ApiTokenForm()
    user = request.user
    return render(
        request,
        "claims/account.html",
        {
            "form": form,
            "made": made,
            "roles": sorted(roles.roles_of(user)),
            "is_staff": roles.is_staff_admin(user),
            "tokens": tokens_of(user),
            "api_root": request.build_absolute_uri(API_ROOT),
        },
    )


@require_POST
@login_required
def api_token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    try:
        services.api_token_revoke(actor=request.user, token=token)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The token “{token.name}” is revoked: it no longer opens the API.")
    return redirect("account")

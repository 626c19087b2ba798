"""Who may open a page: every page needs a login, and reading needs one of the roles.

Lookups in views are scoped with these helpers; actions a role may not take raise
PermissionDenied with a message naming the role, shown on the 403 page.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.views.decorators.http import require_http_methods

from claims import roles
from claims.models import User

# A page with a form: GET (and HEAD: the form, without the body) shows it, POST saves it.
form_methods = require_http_methods(["GET", "HEAD", "POST"])


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind login_required (every page but the login): its user is
    an account, never AnonymousUser. For the type checker; at run time a plain HttpRequest."""

    user: User


NO_ROLE = (
    "Your account has no role yet, so it cannot read the claims. An editor or a staff admin "
    f"can give you {roles.CONTRIBUTOR_ROLES}."
)


def reader_required(view):
    """Login first (redirecting back afterwards), then one of the roles that may read."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not roles.can_read(request.user):
            raise PermissionDenied(NO_ROLE)
        return view(request, *args, **kwargs)

    return wrapper


require = roles.require  # (the services' own check, here for the views)

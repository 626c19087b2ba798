"""Who may use the API: the pages' own rule (claims.views.access.reader_required), for the
resources a role may read. What each may write, the services decide."""

from rest_framework.permissions import BasePermission

from claims import roles
from claims.views.access import NO_ROLE


class Reader(BasePermission):
    message = NO_ROLE

    def has_permission(self, request, view) -> bool:
        return roles.can_read(request.user)

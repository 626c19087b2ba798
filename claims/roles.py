"""The roles of docs/design.md and who may do what: the one place the permission table lives.

Services ask these predicates before every write; the admin and the web pages ask
them too, to decide what to offer, but never instead of the service's own check.
"""

from django.db import models


class Role(models.TextChoices):
    # Values are the Django group names, created by migration 0002.
    RESEARCHER = "Researcher", "Researcher"
    REVIEWER = "Reviewer", "Reviewer"
    EDITOR = "Editor", "Editor"


def roles_of(user) -> set[str]:
    if not user or not user.is_authenticated or not user.is_active:
        return set()
    # Cached on the user object: one query per request, however many checks follow.
    if not hasattr(user, "_role_cache"):
        user._role_cache = set(user.groups.values_list("name", flat=True))
    return user._role_cache


def is_staff_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def has_role(user, *roles: Role) -> bool:
    """Staff admins hold every role (docs/design.md: "staff admin" may do everything)."""
    return is_staff_admin(user) or bool(roles_of(user) & {r.value for r in roles})


# Each role includes the ones to its left in docs/design.md's table.
CONTRIBUTORS = (Role.RESEARCHER, Role.REVIEWER, Role.EDITOR)
GRADERS = (Role.REVIEWER, Role.EDITOR)


def can_read(user) -> bool:
    return has_role(user, *CONTRIBUTORS)


def can_contribute(user) -> bool:
    """Add claims, sources, citations, people and topics; annotate and reply."""
    return has_role(user, *CONTRIBUTORS)


def can_edit_any(user) -> bool:
    """Edit or delete anything, resolve disputes, import CSV."""
    return has_role(user, Role.EDITOR)


def can_edit(user, obj) -> bool:
    """Edit a record: its author while they still contribute, or an editor."""
    if can_edit_any(user):
        return True
    return can_contribute(user) and getattr(obj, "created_by_id", None) == user.pk


def can_delete(user) -> bool:
    return can_edit_any(user)


def can_assess(user) -> bool:
    return has_role(user, *GRADERS)


def can_raise_dispute(user) -> bool:
    return has_role(user, *GRADERS)


def can_resolve_dispute(user) -> bool:
    return has_role(user, Role.EDITOR)


def can_import_csv(user) -> bool:
    return has_role(user, Role.EDITOR)


def can_export_csv(user) -> bool:
    return has_role(user, *CONTRIBUTORS)


def can_use_admin(user) -> bool:
    return is_staff_admin(user)


# --- Accounts (the admin's user pages) ---------------------------------------------------
#
# Only a superuser changes who may do what: superuser and staff status, whether an account may
# log in at all, its role groups and its permissions. Other staff manage plain accounts (add
# one, correct it, set a forgotten password, delete it) and see every account; their own they
# may correct but not give a password, since the admin's password page asks for no current one.

PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "is_active", "groups", "user_permissions")


def can_grant_privileges(user) -> bool:
    """Set PRIVILEGE_FIELDS on any account, and change what a group may do."""
    return is_staff_admin(user) and user.is_superuser


def _is_privileged(account) -> bool:
    return account.is_staff or account.is_superuser


def can_change_account(user, account) -> bool:
    """Correct an account's name, email and dates (its privileges: can_grant_privileges)."""
    if can_grant_privileges(user):
        return True
    return can_use_admin(user) and (account is None or account.pk == user.pk or not _is_privileged(account))


def can_set_password(user, account) -> bool:
    """Give an account a new password without knowing its current one."""
    if can_grant_privileges(user):
        return True
    return can_use_admin(user) and account.pk != user.pk and not _is_privileged(account)


def can_delete_account(user, account) -> bool:
    if can_grant_privileges(user):
        return True
    return can_use_admin(user) and (account is None or not _is_privileged(account))

"""The roles of docs/design.md and who may do what: the one place the permission table lives.

Services ask these predicates before every write; the admin and the web pages ask
them too, to decide what to offer, but never instead of the service's own check.
"""

from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    # Values are the Django group names, created by migration 0002.
    RESEARCHER = "Researcher", "Researcher"
    REVIEWER = "Reviewer", "Reviewer"
    EDITOR = "Editor", "Editor"


def require(allowed: bool, message: str) -> None:
    """Refuse (PermissionDenied, shown on the 403 page or as the form's message) unless allowed."""
    if not allowed:
        raise PermissionDenied(message)


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

# The roles a refusal names (a 403 page, a form's message), written once here.
CONTRIBUTOR_ROLES = "the Researcher, Reviewer or Editor role"
GRADER_ROLES = "the Reviewer or Editor role"
EDITOR_ROLE = "the Editor role"
CONTRIBUTOR_NEEDED = f"This needs {CONTRIBUTOR_ROLES}."
GRADER_NEEDED = f"This needs {GRADER_ROLES}."
EDITOR_NEEDED = f"This needs {EDITOR_ROLE}."


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


def can_change_annotation(user, annotation) -> bool:
    """Edit or withdraw a note: its author while they still contribute, or an editor."""
    return can_edit_any(user) or (can_contribute(user) and annotation.author_id == user.pk)


def can_assess(user) -> bool:
    return has_role(user, *GRADERS)


def can_dispute_grade(user) -> bool:
    return has_role(user, *GRADERS)


def can_dispute_claim(user) -> bool:
    """Propose another status for a claim. Anyone who contributes, the claim's author too:
    the status is an editor's decision, and a dispute is how everyone else proposes one."""
    return has_role(user, *CONTRIBUTORS)


def can_withdraw_dispute(user, dispute) -> bool:
    """Its raiser; staff too, on the raiser's behalf (e.g. one entered by mistake in the admin)."""
    return can_use_admin(user) or (can_contribute(user) and dispute.raised_by_id == user.pk)


def can_set_claim_status(user) -> bool:
    """A claim's status (supported, contested, refuted) is an editorial decision."""
    return has_role(user, Role.EDITOR)


def can_resolve_dispute(user) -> bool:
    return has_role(user, Role.EDITOR)


def can_import_csv(user) -> bool:
    return has_role(user, Role.EDITOR)


def can_export_csv(user) -> bool:
    return has_role(user, *CONTRIBUTORS)


def can_use_admin(user) -> bool:
    return is_staff_admin(user)


# --- Personal API tokens (the account page; issue 16) -------------------------------------


def can_make_api_token(user) -> bool:
    """Any account that may log in: a token opens no more than the account's own roles do."""
    return bool(user and user.is_authenticated and user.is_active)


def can_revoke_api_token(user, token) -> bool:
    """Its owner; staff too, for anyone's (a token leaked, a colleague gone), in the admin."""
    return can_use_admin(user) or (can_make_api_token(user) and token.user_id == user.pk)


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


# --- No one rules on their own work -----------------------------------------------------
#
# Each function returns why the user may not do it (shown on the 403 page and in place of the
# form), or "" when nothing of their own is at stake. They apply to every role, staff too: a
# grade or a decision is worth something only when whoever gives it has no stake in the thing
# judged.

_GRADE_ELSEWHERE = "a grade from you would rule on your own work; another reviewer must grade it."
_DECIDE_ELSEWHERE = "a decision from you would rule on your own work; another editor must resolve this dispute."


def stake_in(user, target) -> str:
    """Which part of a source or citation the user added: "source", "citation", "claim" (the
    citation's), or ""."""
    if target.created_by_id == user.pk:
        return target._meta.model_name
    if target._meta.model_name == "citation" and target.claim.created_by_id == user.pk:
        return "claim"
    return ""


def rating_stake(user, citation, claim) -> str:
    """Which part of a cell (a citation rated against another claim) the user added: as
    stake_in for the citation, or "rated" for the claim it is rated against, or ""."""
    return stake_in(user, citation) or ("rated" if claim.created_by_id == user.pk else "")


GRADING_STAKE = {
    "source": "this source",
    "citation": "this citation",
    "claim": "the claim this citation belongs to",
    "rated": "the claim this evidence is rated against",
}
_DISPUTE_STAKE = {
    "source": "the source of the disputed grade",
    "citation": "the citation of the disputed grade",
    "claim": "the claim whose citation the disputed grade is of",
    "rated": "the claim the disputed rating is against",
}
_RATE_ELSEWHERE = "a rating from you would rule on your own work; another reviewer must rate it."


def own_work_in_grading(user, target) -> str:
    """Why the user may not grade this source or citation, or ""."""
    if not getattr(user, "pk", None):
        return ""
    added = stake_in(user, target)
    return f"You added {GRADING_STAKE[added]}: {_GRADE_ELSEWHERE}" if added else ""


def own_work_in_rating(user, citation, claim) -> str:
    """Why the user may not rate this citation against this claim, or ""."""
    if not getattr(user, "pk", None):
        return ""
    added = rating_stake(user, citation, claim)
    return f"You added {GRADING_STAKE[added]}: {_RATE_ELSEWHERE}" if added else ""


def own_work_in_dispute(user, dispute) -> str:
    """Why the user may not resolve this dispute, or ""."""
    if dispute.raised_by_id == user.pk:
        return f"You raised this dispute: {_DECIDE_ELSEWHERE}"
    if dispute.claim_id:
        mine = dispute.claim.created_by_id == user.pk
        return f"You added the claim this dispute is about: {_DECIDE_ELSEWHERE}" if mine else ""
    grade = dispute.target  # a source's or a citation's grade, or a consistency rating
    if grade.reviewer_id == user.pk:
        return f"The disputed grade is yours: {_DECIDE_ELSEWHERE}"
    if dispute.consistency_rating_id:
        added = rating_stake(user, grade.citation, grade.claim)
    else:
        added = stake_in(user, grade.source if dispute.source_assessment_id else grade.citation)
    return f"You added {_DISPUTE_STAKE[added]}: {_DECIDE_ELSEWHERE}" if added else ""

"""docs/design.md's permission table, every action for every role, through claims.services.

Roles: anonymous, a logged-in user with no role ("outsider"), Researcher, Reviewer,
Editor, and a staff admin holding no role group (staff may do everything).
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from claims import roles, services
from claims.models import Annotation, Citation, Claim, Dispute, Source
from tests.conftest import make_user

ROLES = ["anonymous", "outsider", "researcher", "reviewer", "editor", "staff"]
EVERY_ROLE_HOLDER = {"researcher", "reviewer", "editor", "staff"}
GRADERS = {"reviewer", "editor", "staff"}
EDITORS = {"editor", "staff"}


class Stage:
    """Records owned by someone else, for the actor to read, annotate, grade and dispute."""

    def __init__(self, request, actor):
        self.actor = actor
        self.owner = make_user("owen_owner", roles.Role.RESEARCHER)
        self.grader = make_user("gina_grader", roles.Role.REVIEWER)
        self.topic = services.topic_create(actor=self.owner, title="Speed of the inquest")
        self.source = services.source_create(
            actor=self.owner,
            key="rogovin-1937",
            kind="monograph",
            level="secondary",
            title="1937: Stalin's Year of Terror",
        )
        self.claim = services.claim_create(
            actor=self.owner,
            key="two-weeks",
            topic=self.topic,
            statement="Confessions were obtained within about two weeks.",
        )
        self.citation = services.citation_create(actor=self.owner, claim=self.claim, source=self.source)
        self.person = services.person_create(actor=self.owner, name="Iona Yakir", name_original="Якир")
        self.grade = services.grade_set(
            actor=self.grader, target=self.citation, grade=3, rationale="Plausible, not confirmed."
        )
        self.note = services.annotation_create(actor=self.owner, target=self.claim, body="Compare the JAC case.")
        self.dispute = services.dispute_raise(
            actor=self.grader, target=self.claim, reason="Rogovin's own word only.", proposed="contested"
        )

        # Records the actor made themselves (made directly, as outsiders could not).
        if getattr(actor, "pk", None):
            self.mine = {
                Claim: Claim.objects.create(key="mine", topic=self.topic, statement="Mine.", created_by=actor),
                Annotation: Annotation.objects.create(author=actor, claim=self.claim, body="My note."),
                Dispute: Dispute.objects.create(
                    raised_by=actor, claim=self.claim, reason="Mine.", proposed_status="refuted"
                ),
            }
        else:  # anonymous owns nothing: it can only try someone else's
            self.mine = {Claim: self.claim, Annotation: self.note, Dispute: self.dispute}

    def own(self, model):
        return self.mine[model]


# action name -> (what it does, the roles docs/design.md allows)
ACTIONS = {
    "add claim": (
        lambda s, u: services.claim_create(actor=u, key="added", topic=s.topic, statement="New claim."),
        EVERY_ROLE_HOLDER,
    ),
    "add source": (
        lambda s, u: services.source_create(actor=u, key="new-src", kind="memoir", level="primary", title="Memoirs"),
        EVERY_ROLE_HOLDER,
    ),
    "add citation": (
        lambda s, u: services.citation_create(actor=u, claim=s.claim, source=s.source, locator="p. 9"),
        EVERY_ROLE_HOLDER,
    ),
    "add person": (lambda s, u: services.person_create(actor=u, name="Ieronim Uborevich"), EVERY_ROLE_HOLDER),
    "add topic": (lambda s, u: services.topic_create(actor=u, title="Existence of a plot"), EVERY_ROLE_HOLDER),
    "edit own claim": (
        lambda s, u: services.claim_update(actor=u, claim=s.own(Claim), data={"statement": "Edited."}),
        EVERY_ROLE_HOLDER,
    ),
    "edit someone else's claim": (
        lambda s, u: services.claim_update(actor=u, claim=s.claim, data={"statement": "Edited."}),
        EDITORS,
    ),
    "edit someone else's source": (
        lambda s, u: services.source_update(actor=u, source=s.source, data={"title": "1937"}),
        EDITORS,
    ),
    "edit someone else's citation": (
        lambda s, u: services.citation_update(actor=u, citation=s.citation, data={"locator": "ch. 1"}),
        EDITORS,
    ),
    "edit someone else's person": (
        lambda s, u: services.person_update(actor=u, person=s.person, data={"aliases": "Iakir"}),
        EDITORS,
    ),
    "annotate": (
        lambda s, u: services.annotation_create(
            actor=u, target=s.citation, body="Which edition?", motivation="question"
        ),
        EVERY_ROLE_HOLDER,
    ),
    "reply": (
        lambda s, u: services.annotation_create(actor=u, parent=s.note, body="Four years, yes."),
        EVERY_ROLE_HOLDER,
    ),
    "edit own annotation": (
        lambda s, u: services.annotation_update(actor=u, annotation=s.own(Annotation), data={"body": "Better."}),
        EVERY_ROLE_HOLDER,
    ),
    "withdraw own annotation": (
        lambda s, u: services.annotation_withdraw(actor=u, annotation=s.own(Annotation)),
        EVERY_ROLE_HOLDER,
    ),
    "edit someone else's annotation": (
        lambda s, u: services.annotation_update(actor=u, annotation=s.note, data={"body": "Mine now."}),
        EDITORS,
    ),
    "assess a source": (
        lambda s, u: services.grade_set(actor=u, target=s.source, grade="B", rationale="Careful historian."),
        GRADERS,
    ),
    "assess a citation": (
        lambda s, u: services.grade_set(actor=u, target=s.citation, grade=2, rationale="Consistent."),
        GRADERS,
    ),
    "edit someone else's grade": (
        lambda s, u: services.assessment_update(actor=u, assessment=s.grade, grade=4, rationale="Doubtful."),
        EDITORS,
    ),
    "raise a dispute of a grade": (
        lambda s, u: services.dispute_raise(actor=u, target=s.grade, reason="Never confirmed.", proposed=5),
        GRADERS,
    ),
    # A claim's status is an editor's decision; everyone else, its author too, proposes one by a dispute.
    "raise a dispute of own claim": (
        lambda s, u: services.dispute_raise(
            actor=u, target=s.own(Claim), reason="Only Rogovin says so.", proposed="contested"
        ),
        EVERY_ROLE_HOLDER,
    ),
    "add a claim with a status other than open": (
        lambda s, u: services.claim_create(
            actor=u, key="decided", topic=s.topic, statement="Decided.", status="supported"
        ),
        EDITORS,
    ),
    "change the status of own claim": (
        lambda s, u: services.claim_update(actor=u, claim=s.own(Claim), data={"status": "supported"}),
        EDITORS,
    ),
    "withdraw own dispute": (
        lambda s, u: services.dispute_withdraw(actor=u, dispute=s.own(Dispute)),
        EVERY_ROLE_HOLDER,
    ),
    "resolve a dispute": (
        lambda s, u: services.dispute_resolve(actor=u, dispute=s.dispute, outcome="upheld", note="Only one witness."),
        EDITORS,
    ),
}

# Rights that no service exercises yet: reading (the pages), CSV, the admin site.
PREDICATES = {
    "read anything": (roles.can_read, EVERY_ROLE_HOLDER),
    "import CSV": (roles.can_import_csv, EDITORS),
    "export CSV": (roles.can_export_csv, EVERY_ROLE_HOLDER),
    "admin site": (roles.can_use_admin, {"staff"}),
}


@pytest.fixture
def actor(request, db):
    role = request.param
    if role == "anonymous":
        return AnonymousUser()
    if role == "staff":
        return make_user("sam_staff", staff=True)
    if role == "outsider":
        return make_user("olga_outsider")
    return make_user(f"{role}_actor", roles.Role(role.capitalize()))


def _matrix(table):
    return [
        pytest.param(action, role, role in allowed, id=f"{action} / {role}")
        for action, (_, allowed) in table.items()
        for role in ROLES
    ]


@pytest.mark.parametrize("action,actor,allowed", _matrix(ACTIONS), indirect=["actor"])
def test_service_enforces_permission_table(request, action, actor, allowed):
    stage = Stage(request, actor)
    do, _ = ACTIONS[action]
    if allowed:
        do(stage, actor)
    else:
        counts = _counts()
        with pytest.raises(PermissionDenied) as refused:
            do(stage, actor)
        assert "needs" in str(refused.value) or "Only" in str(refused.value)
        assert _counts() == counts, "a refused action must change nothing"


@pytest.mark.parametrize("action,actor,allowed", _matrix(PREDICATES), indirect=["actor"])
def test_role_predicates_follow_permission_table(action, actor, allowed):
    check, _ = PREDICATES[action]
    assert check(actor) is allowed


def _counts():
    return tuple(m.objects.count() for m in (Claim, Source, Citation, Annotation, Dispute))


def test_refusal_names_the_role_needed(researcher, source):
    with pytest.raises(PermissionDenied) as refused:
        services.grade_set(actor=researcher, target=source, grade="A", rationale="Looks fine.")
    assert str(refused.value) == "This needs the Reviewer or Editor role."


def test_inactive_user_keeps_no_rights(editor, claim):
    editor.is_active = False
    editor.save()
    with pytest.raises(PermissionDenied):
        services.claim_update(actor=editor, claim=claim, data={"status": "refuted"})


def test_a_user_may_hold_several_roles(db, claim):
    both = make_user("rosa_both", roles.Role.RESEARCHER, roles.Role.EDITOR)
    services.claim_update(actor=both, claim=claim, data={"status": "contested"})
    claim.refresh_from_db()
    assert claim.status == "contested"

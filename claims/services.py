"""Every write to the claims domain goes through a function here, but for the CSV import's.

The CSV importers (claims/csv/claims_writing.py and sources_csv.py) are the only writes
outside this module: they check the actor's role (claims/roles.py) and every row with the
models' own rules, then write in bulk, history included, which these functions, one
instance at a time, could not do at an import's 10,000 rows a second.

Each function takes keyword arguments only, checks that the actor may do it
(claims/roles.py), validates with full_clean() (which also checks every named
constraint) and saves in a transaction, recording the actor as the author of the
history row. A refused write raises PermissionDenied (naming the role it needs)
or ValidationError (naming the field and the problem) and changes nothing.
"""

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any, TypeVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models, router, transaction
from django.db.models import F, ProtectedError, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import authority, roles, targets, tokens
from .models import (
    AgreementFigures,
    Annotation,
    ApiToken,
    Citation,
    CitationAssessment,
    Claim,
    ConsistencyRating,
    Dispute,
    Person,
    Source,
    SourceAssessment,
    SourceRelation,
    Topic,
    TopicSummary,
    User,
)
from .roles import Role
from .search import index as search_index
from .selectors import agreement, grades, queues, summaries
from .translit import slug_for

CONTRIBUTOR_NEEDED, GRADER_NEEDED, EDITOR_NEEDED = roles.CONTRIBUTOR_NEEDED, roles.GRADER_NEEDED, roles.EDITOR_NEEDED
WITHDRAW_OWN_ONLY = "Only the person who raised a dispute may withdraw it."
ANNOTATION_OWN_NEEDED = EDITOR_NEEDED + " Without it you may change only your own annotations."
STATUS_IS_EDITORIAL = (
    "A claim's status is an editorial decision, so setting it needs the Editor role: new claims start open. "
    "Propose another status by raising a dispute of the claim."
)


_require = roles.require


def _require_edit(actor: User, obj: models.Model) -> None:
    _require(roles.can_edit(actor, obj), EDITOR_NEEDED + " Without it you may edit only what you added yourself.")


_Record = TypeVar("_Record", bound=models.Model)
_Node = TypeVar("_Node", int, str)


def _save(instance: _Record, *, actor: User | None, refresh_evidence: bool = True) -> _Record:
    """refresh_evidence False: the caller refreshes the claims' evidence ranks once after
    several saves (claim_evidence_refresh)."""
    _full_clean(instance)
    moved_from = _topic_before(instance)
    evidence_before = _evidence_claims_before(instance) if refresh_evidence else set()
    recount = _sources_recounted_by_save(instance)
    adding = instance._state.adding
    # django-simple-history reads the author of the history row from here.
    instance._history_user = actor
    instance.save()
    _summaries_follow(instance, also=moved_from, at=_activity_time(instance), added=adding)
    source_citation_counts_refresh(source_ids=recount)
    if refresh_evidence:
        claim_evidence_refresh(claim_ids=evidence_before | _evidence_claims_of(instance))
    if isinstance(instance, _AGREEMENT_INPUTS):
        agreement_refresh_soon()
    return instance


def _full_clean(instance: models.Model) -> None:
    """full_clean(), and for an annotation the rules of annotation_link_errors, which its
    clean() (the row's own fields only) leaves to the writes. A field with such an error is
    left out of full_clean, as a form leaves it out: else the database's own check of a reply
    to itself would be reported too, in its words rather than these."""
    rule = _ROW_RULES.get(type(instance))
    links = rule(instance) if rule else {}
    errors = {name: [ValidationError(message)] for name, message in links.items()}
    try:
        instance.full_clean(exclude=errors, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    try:  # (as full_clean would: only the fields that passed)
        _validate_unique_constraints(instance, exclude=set(errors) - {NON_FIELD_ERRORS})
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _validate_unique_constraints(instance: models.Model, *, exclude: set[str]) -> None:
    """Model.validate_constraints for the unique constraints alone. Django checks a
    CheckConstraint by asking the database (a query each, a tenth of a write's time); every
    model's clean() refuses what its check constraints refuse, in its own words
    (tests/test_constraints.py holds it to that), and the database still enforces them."""
    using = router.db_for_write(type(instance), instance=instance)
    errors: dict[str, list[ValidationError]] = {}
    for model_class, constraints in instance.get_constraints():
        for constraint in constraints:
            if isinstance(constraint, models.CheckConstraint):
                continue
            try:
                constraint.validate(model_class, instance, exclude=exclude, using=using)
            except ValidationError as exc:
                fields: tuple[str, ...] = tuple(getattr(constraint, "fields", ()))
                if exc.code == "unique" and len(fields) == 1:  # (as Django files it)
                    errors.setdefault(fields[0], []).append(exc)
                else:
                    errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _update(
    instance: models.Model,
    *,
    actor: User,
    data: dict[str, Any],
    editable: Iterable[str],
    expected_version: int | None = None,
    other_changes: bool = False,
) -> bool:
    """Apply data to instance; save only if something changed (or the caller changes
    something else: other_changes). Returns whether it did.

    expected_version: the version the person's edit started from (see check_version)."""
    editable = set(editable)
    unknown = set(data) - editable
    if unknown:
        raise ValidationError(
            {
                name: f"{name} cannot be changed here; editable fields are {', '.join(sorted(editable))}."
                for name in unknown
            }
        )
    before = {name: getattr(instance, name) for name in data}
    changed = {name: value for name, value in data.items() if before[name] != value}
    if not changed and not other_changes:
        return False
    version = getattr(instance, "version", None)
    try:
        if version is not None:
            check_version(instance, expected_version)
        for name, value in changed.items():
            setattr(instance, name, value)
        _save(instance, actor=actor)
    except ValidationError:
        # Leave the caller's object as it was, like the database row (the caller's
        # transaction rolls back the version check's UPDATE).
        for name in changed:
            setattr(instance, name, before[name])
        if version is not None:
            instance.version = version
        raise
    return True


def check_version(instance: models.Model, expected: int | None, *, doing: str = "editing") -> None:
    """Refuse a save that started from an older version of the row; else take the next one.

    Edits carry the version they started from (a hidden field of the form). The check is a
    conditional UPDATE, the save's first write: of two saves from the same version one gets
    the row and the other finds the version moved on and is refused, with what changed,
    before anything of it is written. Without an expected version (the shell, the admin's
    own forms) the version read with the instance is expected, which still refuses a save
    racing another between read and write. Must run inside the save's transaction.
    """
    if expected is None:
        expected = instance.version
    if type(instance).objects.filter(pk=instance.pk, version=expected).update(version=expected + 1):
        instance.version = expected + 1
        return
    raise ValidationError(_conflict_message(instance, expected, doing), code="conflict")


def check_unchanged(instance: models.Model, expected: int | None, *, doing: str) -> None:
    """Refuse a write about instance (a grade of it, a decision on it) when the person began
    from an older version of it; nothing of instance itself is written. The row is locked
    until the transaction ends (PostgreSQL; SQLite's transactions take the whole database),
    so it cannot change between this check and the write that depends on it.
    expected None: a trusted caller (the shell) that read the instance just now."""
    if expected is None:
        return
    # Only this row (of=self, no order): a model's default order joins other tables, and FOR
    # UPDATE would lock their rows too (a claim under a graded citation), deadlocking with
    # writes that only check those rows' keys.
    current = (
        type(instance)
        .objects.select_for_update(of=("self",))
        .filter(pk=instance.pk)
        .order_by()
        .values_list("version", flat=True)
    )
    if current.first() != expected:
        raise ValidationError(_conflict_message(instance, expected, doing), code="conflict")


# (evidence_rank, citation_count: derived, and not in the history: Claim.evidence_rank.)
NOT_COMPARED = {"id", "created_by", "created_at", "updated_at", "version", "evidence_rank", "citation_count"}


def _conflict_message(instance: models.Model, expected: int, doing: str = "editing") -> str:
    model = type(instance)
    name = model._meta.verbose_name
    current = model.objects.filter(pk=instance.pk).first()
    if current is None:
        return f"This {name} was deleted while you were {doing} it; nothing was saved."
    history = model.history.filter(id=instance.pk)
    started = history.filter(version=expected).order_by("-history_date").first()
    fields = [f for f in model._meta.concrete_fields if f.name not in NOT_COMPARED]
    changed = [
        str(f.verbose_name)
        for f in fields
        if started is not None and getattr(started, f.attname) != getattr(current, f.attname)
    ]
    authors = sorted(
        {
            r.history_user.get_username()
            for r in history.filter(version__gt=expected).select_related("history_user")
            if r.history_user is not None
        }
    )
    by = f" by {', '.join(authors)}" if authors else ""
    what = f": {', '.join(changed)} changed" if changed else ""
    return (
        f"This {name} was saved{by} while you were {doing} it (you started from version {expected}, "
        f"it is now at version {current.version}){what}. Nothing you entered was saved: reload the page "
        "to see the current version, then make your change again."
    )


def _delete_unless_in_use(instance: models.Model, *, actor: User) -> None:
    instance._history_user = actor
    touched = _topics_of(instance)  # read before the rows that lead to the topics are gone
    evidence = _evidence_claims_of(instance)  # (likewise)
    cited = _sources_cited_by(instance)  # (likewise: a claim's citations go with it)
    try:
        instance.delete()
    except ProtectedError as exc:
        in_use = sorted({str(obj) for obj in exc.protected_objects})[:5]
        raise ValidationError(f"{instance} is still in use and cannot be deleted: {'; '.join(in_use)}.") from None
    claim_evidence_refresh(claim_ids=evidence)
    source_citation_counts_refresh(source_ids=cited)
    agreement_refresh_soon()  # (a deletion may take grades with it: a source's, a claim's citations')
    if touched and not isinstance(instance, Topic):
        active = touched if _counts_as_activity(instance) else set()
        topic_summaries_refresh(topic_ids=touched - active, at=None)
        topic_summaries_refresh(topic_ids=active, at=timezone.now())


# --- Topic summaries (the home page's counts and latest activity) -----------------


def topic_summaries_refresh(*, topic_ids: Iterable[int], at=None) -> None:
    """Recount the claims and open disputes of these topics and, given a time `at`, move
    their latest activity on to it. Called in the transaction of the write that touched them
    (here and by the CSV import), so the home page never shows counts of another moment.
    A topic without a summary row gets one worked out from its records."""
    topic_ids = set(topic_ids)
    if not topic_ids:
        return
    claims, disputes = summaries.claim_counts(topic_ids), summaries.open_dispute_counts(topic_ids)
    # Locked in one order (by topic), so that two writes touching the same topics cannot deadlock.
    locked = TopicSummary.objects.select_for_update(of=("self",)).filter(topic_id__in=topic_ids).order_by("pk")
    stored = {row.pk: row for row in locked}
    missing = topic_ids - set(stored) - {None}
    fresh = summaries.latest_activities(missing) if missing else {}
    for topic_id in missing & set(fresh):
        stored[topic_id] = TopicSummary(topic_id=topic_id, latest_activity=fresh[topic_id])
    for topic_id, row in stored.items():
        row.claim_count, row.open_dispute_count = claims.get(topic_id, 0), disputes.get(topic_id, 0)
        if at is not None and at > row.latest_activity:
            row.latest_activity = at
        row.save()


def topic_summaries_rebuild() -> int:
    """Work out every topic's summary afresh from its records (after rows were written raw:
    a seed, a restore). Returns the number of topics."""
    fresh = summaries.fresh_topic_summaries()
    with transaction.atomic():
        TopicSummary.objects.exclude(topic_id__in=list(fresh)).delete()
        stored = {row.pk: row for row in TopicSummary.objects.select_for_update(of=("self",)).order_by("pk")}
        for topic_id, summary in fresh.items():
            row = stored.get(topic_id) or TopicSummary(topic_id=topic_id)
            row.claim_count, row.open_dispute_count = summary.claim_count, summary.open_dispute_count
            row.latest_activity = summary.latest_activity
            row.save()
    return len(fresh)


# --- Evidence ranks (the claim list's sort by evidence grade) -------------------------

EVIDENCE_BATCH = 500


def claim_evidence_refresh(*, claim_ids: Iterable[int]) -> int:
    """Work out the evidence grade of these claims afresh (selectors.grades.fresh_evidence_ranks)
    and store the ranks that changed (Claim.evidence_rank). Called in the transaction of every
    write that may change a claim's evidence grade: a citation written or deleted, a grade
    of it or of its source set, changed, outdated or deleted (_save, _delete_unless_in_use;
    a dispute upheld saves the grade through _save), and the CSV import. Four queries and an
    UPDATE per rank that changed, per EVIDENCE_BATCH claims. Returns how many changed."""
    return _refresh(Claim, "evidence_rank", claim_ids, grades.fresh_evidence_ranks)


def _refresh(
    model: type[models.Model], field: str, ids: Iterable[int], fresh: Callable[[dict[int, int]], dict[int, int]]
) -> int:
    """Store the fresh values of a derived field (absent from fresh: 0) of these rows where they
    changed, EVIDENCE_BATCH rows at a time; an UPDATE of the one column per value (no history
    row, no new version, no change of updated_at). Returns how many changed."""
    ids = sorted(set(ids) - {None})
    changed = 0
    for start in range(0, len(ids), EVIDENCE_BATCH):
        batch = ids[start : start + EVIDENCE_BATCH]
        # Locked in one order (by key): a write changing the same rows' grades or citations waits
        # for this one, then reads what it left; else both could store a value missing the other's change.
        stored = dict(
            model._default_manager.select_for_update(of=("self",))
            .filter(pk__in=batch)
            .order_by("pk")
            .values_list("pk", field)
        )
        found = fresh(stored)
        by_value: dict[int, list[int]] = defaultdict(list)
        for pk, value in stored.items():
            if found.get(pk, 0) != value:
                by_value[found.get(pk, 0)].append(pk)
        for value, pks in by_value.items():
            model._default_manager.filter(pk__in=pks).update(**{field: value})
            changed += len(pks)
    return changed


def claim_evidence_rebuild() -> int:
    """Work out every claim's evidence rank afresh (after rows were written raw: a seed, a
    hand-made SQL fix), a batch at a time. Returns how many were wrong."""
    return _rebuild(Claim, lambda batch: claim_evidence_refresh(claim_ids=batch))


def _rebuild(model: type[models.Model], refresh: Callable[[list[int]], int]) -> int:
    """refresh every row of model, EVIDENCE_BATCH rows a transaction; the sum of what it returns."""
    changed = 0
    last = 0
    while True:
        batch = list(
            model._default_manager.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:EVIDENCE_BATCH]
        )
        if not batch:
            return changed
        with transaction.atomic():
            changed += refresh(batch)
        last = batch[-1]


# --- Citation counts (the review queue's most-cited first) --------------------------------


def source_citation_counts_refresh(*, source_ids: Iterable[int]) -> int:
    """Count the citations of these sources afresh (selectors.queues.fresh_citation_counts) and
    store the counts that changed (Source.citation_count). Called in the transaction of every
    write that adds, deletes or moves a citation (_save, _delete_unless_in_use: a citation, a
    claim and its citations) and by the CSV import. Two queries and an UPDATE per count that
    changed, per EVIDENCE_BATCH sources. Returns how many changed."""
    return _refresh(Source, "citation_count", source_ids, queues.fresh_citation_counts)


# --- Reviewer agreement (stored: models.AgreementFigures) -----------------------------------

# What the agreement figures are made of: a save of any of these may change them (a new topic
# gets its figures, "not enough data", from the job its creation queues).
_AGREEMENT_INPUTS = (SourceAssessment, CitationAssessment, Claim, Citation, Topic)


def agreement_figures_refresh() -> int:
    """Compute reviewer agreement afresh for all topics and each topic (the background job
    tasks.agreement_refresh, and `manage.py seed`), and store it. Four queries to read every
    grade, one per scope to name reviewers and one or two to write it. Returns the number of
    scopes written."""
    # Read before the grades: a grade given while they are read leaves the figures marked as
    # not current, and the job its save queued computes them again.
    seen = agreement.grades_fingerprint()
    scopes = agreement.scopes_grades()
    now = timezone.now()
    with transaction.atomic():
        for topic_id, read in scopes.items():
            AgreementFigures.objects.update_or_create(  # type: ignore[misc]  # (None: all topics' row)
                topic_id=topic_id,
                defaults={"figures": agreement.figures_of(read), "grades_seen": seen, "computed_at": now},
            )
    return len(scopes)


def agreement_refresh_soon() -> None:
    """Queue the agreement figures' recomputation for when this transaction commits (nothing
    if it rolls back), unless one is waiting to start already: it will read this change."""
    transaction.on_commit(_queue_agreement_refresh)


def agreement_recompute(*, actor: User) -> None:
    """An editor's or staff's request to compute the agreement figures again (the page's
    button: after a restore, or where none were ever computed)."""
    _require(roles.can_edit_any(actor), EDITOR_NEEDED)
    agreement_refresh_soon()


def _queue_agreement_refresh() -> None:
    from . import tasks  # (tasks imports the CSV import, which imports this module)

    waiting = DBTaskResult.objects.filter(
        task_path=tasks.agreement_refresh.module_path, status=TaskResultStatus.READY
    ).exists()
    if not waiting:
        tasks.agreement_refresh.enqueue()


def source_citation_counts_rebuild() -> int:
    """Count every source's citations afresh (after rows were written raw), a batch at a time.
    Returns how many counts were wrong."""
    return _rebuild(Source, lambda batch: source_citation_counts_refresh(source_ids=batch))


def _sources_recounted_by_save(instance: models.Model) -> set[int]:
    """The sources whose citation count a save of instance changes: a new citation's source,
    and both sources of a citation moved from one to another. Read before the save."""
    if not isinstance(instance, Citation):
        return set()
    if instance._state.adding:
        return {instance.source_id}
    before = Citation.objects.filter(pk=instance.pk).values_list("source_id", flat=True).first()
    return set() if before == instance.source_id else {pk for pk in (before, instance.source_id) if pk is not None}


def _sources_cited_by(instance: models.Model) -> set[int]:
    """The sources whose citation count deleting instance changes (read before the delete)."""
    if isinstance(instance, Citation):
        return {instance.source_id}
    if isinstance(instance, Claim):
        return set(Citation.objects.filter(claim_id=instance.pk).order_by().values_list("source_id", flat=True))
    return set()


def _evidence_claims_of(instance: models.Model) -> set[int]:
    """The claims whose evidence grade a write of instance may change: a citation's claim, the
    claim of a graded citation, every claim citing a graded source."""
    if isinstance(instance, Citation):
        return {instance.claim_id}
    if isinstance(instance, CitationAssessment):
        return set(Citation.objects.filter(pk=instance.citation_id).values_list("claim_id", flat=True))
    if isinstance(instance, SourceAssessment):
        citing = Citation.objects.supporting().filter(source_id=instance.source_id).order_by()
        return set(citing.values_list("claim_id", flat=True).distinct())
    return set()


# What each kind of record leads to the claims by (a staff admin may move it to another).
_EVIDENCE_LINK = {Citation: "claim_id", CitationAssessment: "citation_id", SourceAssessment: "source_id"}


def _evidence_claims_before(instance: models.Model) -> set[int]:
    """The claims a record changed by this save led to before, when it is moved to another."""
    link = _EVIDENCE_LINK.get(type(instance))
    if link is None or instance._state.adding:
        return set()
    before = type(instance).objects.filter(pk=instance.pk).values_list(link, flat=True).first()
    if before is None or before == getattr(instance, link):
        return set()
    return _evidence_claims_of(type(instance)(**{link: before}))


def _topics_of(instance: models.Model) -> set[int]:
    """The topics whose summary a write of instance may change."""
    if isinstance(instance, Topic):
        return {instance.pk}
    if isinstance(instance, Annotation):
        target = instance.target
        kind = targets.of(target)
        return kind.topics(target) if kind and kind.notes_on_topics else set()
    kind = targets.of(instance)
    return kind.topics(instance) if kind else set()


def _counts_as_activity(instance: models.Model) -> bool:
    """Latest activity is about a topic's own records; a source's grades and their disputes
    belong to the source (they change only the topics' open dispute counts)."""
    kind = targets.of(instance)
    return not (kind and kind.of_source(instance))


def _activity_time(instance: models.Model):
    times = [getattr(instance, name, None) for name in ("created_at", "updated_at", "closed_at")]
    return max((t for t in times if t is not None), default=None)


def _topic_before(instance: models.Model) -> set[int]:
    """The topic a claim is being moved from (its summary loses the claim)."""
    if isinstance(instance, Claim) and not instance._state.adding:
        return set(Claim.objects.filter(pk=instance.pk).values_list("topic_id", flat=True))
    return set()


def _summaries_follow(instance: models.Model, *, also: set[int], at, added: bool = False) -> None:
    """added: instance was just inserted (not changed)."""
    kind = targets.of(instance)
    if kind and kind.graded and kind.of_source(instance):
        return  # a source's grade counts nowhere; only deleting it (and its disputes) changes counts
    touched = _topics_of(instance) | also
    if not touched:
        return
    if not isinstance(instance, _COUNTED) or (added and _counts_no_dispute(instance)):
        # A grade, a note, a rating, a new claim or citation: no dispute comes or goes, at most
        # a claim is added; the activity moves on.
        _topic_activity_moves_on(
            topic_ids=touched,
            at=at if _counts_as_activity(instance) else None,
            new_claims=int(added and isinstance(instance, Claim)),
        )
        return
    if _counts_as_activity(instance):
        topic_summaries_refresh(topic_ids=touched, at=at)
    else:
        topic_summaries_refresh(topic_ids=touched, at=None)


# What a save of may change a topic's counts of claims and open disputes: a claim made or moved
# (with its disputes), a citation moved (with its grades' disputes), a dispute raised or closed.
_COUNTED = (Topic, Claim, Citation, Dispute)


def _counts_no_dispute(instance: models.Model) -> bool:
    """A new claim or citation brings no open dispute to its topic's count (recounting the
    topic's claims and disputes was some five queries a write): a new claim has none of its own
    and is one more claim (new_claims); a new citation has none of its own grades, and brings
    its source's grades' open disputes only where the source has some."""
    if isinstance(instance, Claim):
        return True
    if isinstance(instance, Citation):
        return not Dispute.objects.open().filter(source_assessment__source_id=instance.source_id).exists()
    return False


def _topic_activity_moves_on(*, topic_ids: set[int], at, new_claims: int = 0) -> None:
    """The topics' latest activity moved on to `at` and new_claims more claims counted (an
    UPDATE each, in topic order, as topic_summaries_refresh locks them); a topic without a
    summary yet gets one worked out."""
    if at is None and not new_claims:
        return
    changes: dict[str, Any] = {"claim_count": F("claim_count") + new_claims} if new_claims else {}
    if at is not None:
        changes["latest_activity"] = Greatest(F("latest_activity"), Value(at))
    missing = {
        topic_id
        for topic_id in sorted(topic_ids)
        if not TopicSummary.objects.filter(topic_id=topic_id).update(**changes)
    }
    if missing:
        topic_summaries_refresh(topic_ids=missing, at=at)


# --- Users -------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *, username: str, password: str, role_names: Iterable[str] = (), is_staff: bool = False, email: str = ""
) -> User:
    """Create a login account. Called from the shell (create_user), so no actor."""
    user = get_user_model()(username=username, email=email, is_staff=is_staff)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.set(Group.objects.filter(name__in=[Role(name).value for name in role_names]))
    return user


# --- Personal API tokens (made and revoked on the account page) ---------------------

# A cap on the tokens a user has in use: each is a door into the account, and twenty
# scripts or machines are more than one person runs; an old one is revoked to make room.
API_TOKENS_PER_USER = 20
# last_used_at is for the owner's "is this one still in use?", so to the minute is enough:
# a script's every request does not become a write.
API_TOKEN_USE_RECORDED_EVERY = timedelta(minutes=1)


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token of the actor's, and the token itself: shown once, never stored (only its hash)."""
    _require(roles.can_make_api_token(actor), "Log in with an active account to make an API token.")
    # Locks the account's row (PostgreSQL; SQLite has one writer anyway), so that two
    # requests at once cannot both pass the count below or the name check.
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    name = name.strip()
    mine = ApiToken.objects.active().filter(user=actor)
    if mine.count() >= API_TOKENS_PER_USER:
        raise ValidationError(
            {
                "name": f"You have {API_TOKENS_PER_USER} tokens in use, as many as one account may have: "
                "revoke one you no longer use, then make this one."
            }
        )
    # (The constraint apitoken_name_unique_per_user refuses it too, but in no words of ours.)
    if name and mine.filter(name=name).exists():
        raise ValidationError(
            {"name": f"You have a token named “{name}” in use already: give this one another name, or revoke that one."}
        )
    raw = tokens.new_token()
    token = ApiToken(user=actor, name=name, prefix=raw[: tokens.SHOWN_LENGTH], key_hash=tokens.hash_of(raw))
    _full_clean(token)
    token.save()
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """The token opens the API no more; its row stays, so its owner still sees when it was used."""
    _require(roles.can_revoke_api_token(actor, token), "Only the token's owner (or staff, in the admin) may revoke it.")
    now = timezone.now()
    # Conditional, so that of two revocations at once (a double click) one revokes it and
    # the other is told, rather than moving the time it was revoked.
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
        raise ValidationError(f"The token “{token.name}” is revoked already.")
    token.revoked_at = now
    return token


def api_token_used(*, token: ApiToken) -> None:
    """Record that the token opened the API now, at most once a minute (one UPDATE, none
    between): the write is conditional on the stored time, so neither a copy read a moment
    ago nor two requests at once record it twice."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < API_TOKEN_USE_RECORDED_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        models.Q(last_used_at__isnull=True) | models.Q(last_used_at__lte=now - API_TOKEN_USE_RECORDED_EVERY)
    ).update(last_used_at=now)
    token.last_used_at = now


# --- Topics and people -------------------------------------------------------------

TOPIC_FIELDS = ("title", "slug", "description")
AUTHORITY_FIELDS = authority.FIELDS  # ids of the person (or source) in Wikidata, VIAF and GND
PERSON_FIELDS = ("name", "name_original", "aliases", "slug", *AUTHORITY_FIELDS)


@transaction.atomic
def topic_create(*, actor: User, title: str, description: str = "", slug: str = "") -> Topic:
    _require(roles.can_contribute(actor), CONTRIBUTOR_NEEDED)
    topic = Topic(title=title, slug=slug or slug_for(title), description=description, created_by=actor)
    return _save(topic, actor=actor)


def topic_find_or_create(*, actor: User, title: str) -> Topic:
    """The topic of this title (in any case), or a new one made by topic_create. A new title
    whose address (slug) a topic has already is refused with a message naming that topic, so
    that two spellings of one question do not become two topics. Runs in the caller's
    transaction: a claim's form keeps the new topic only if the claim is saved too."""
    title = title.strip()
    existing = Topic.objects.filter(title__iexact=title).first()
    if existing:
        return existing
    try:
        return topic_create(actor=actor, title=title)
    except ValidationError as exc:
        like = Topic.objects.filter(slug=slug_for(title)).first()
        if like is not None:
            raise ValidationError(
                {"title": f"There is a topic like this already: “{like.title}”. Choose it above."}
            ) from None
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"title": exc.messages}) from None


@transaction.atomic
def topic_update(*, actor: User, topic: Topic, data: dict[str, Any], expected_version: int | None = None) -> Topic:
    _require_edit(actor, topic)
    _update(topic, actor=actor, data=data, editable=TOPIC_FIELDS, expected_version=expected_version)
    return topic


@transaction.atomic
def person_create(
    *,
    actor: User,
    name: str,
    name_original: str = "",
    aliases: str = "",
    slug: str = "",
    wikidata_id: str = "",
    viaf_id: str = "",
    gnd_id: str = "",
) -> Person:
    """wikidata_id, viaf_id, gnd_id: the person's authority ids (claims/authority.py), a pasted address read as its id."""
    _require(roles.can_contribute(actor), CONTRIBUTOR_NEEDED)
    person = Person(
        name=name,
        name_original=name_original,
        aliases=aliases,
        slug=slug or slug_for(name),
        created_by=actor,
        wikidata_id=wikidata_id,
        viaf_id=viaf_id,
        gnd_id=gnd_id,
    )
    return _save(person, actor=actor)


@transaction.atomic
def person_update(*, actor: User, person: Person, data: dict[str, Any], expected_version: int | None = None) -> Person:
    _require_edit(actor, person)
    _update_found_by(person, actor=actor, data=data, expected_version=expected_version)
    return person


def _update_found_by(
    instance: Person | Source,
    *,
    actor: User,
    data: dict[str, Any],
    expected_version: int | None,
    other_changes: bool = False,
) -> None:
    """_update a person or a source. The claims found by it are indexed again only when a field
    the search index reads of it changed: that reads every claim naming the person or citing
    the source."""
    fields: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {
        Person: (PERSON_FIELDS, search_index.PERSON_FIELDS),
        Source: (SOURCE_EDITABLE, search_index.SOURCE_FIELDS),
    }
    editable, found_by = fields[type(instance)]
    before = {name: getattr(instance, name) for name in found_by}
    _update(
        instance,
        actor=actor,
        data=data,
        editable=editable,
        expected_version=expected_version,
        other_changes=other_changes,
    )
    if before != {name: getattr(instance, name) for name in found_by}:
        search_index.after_save(instance)


# --- Sources -----------------------------------------------------------------------

SOURCE_FIELDS = (
    "key",
    "kind",
    "level",
    "title",
    "title_original",
    "authors",
    "date",
    "publisher",
    "publisher_place",
    "archive",
    "archive_place",
    "archive_fond",
    "archive_opis",
    "archive_delo",
    "archive_list",
    "url",
    "doi",
    "isbn",
    "language",
    "notes",
    *authority.FIELDS,
)


# The reference fields a reference manager exports and the authority ids (migration 0022),
# written by the services and the API (not yet columns of the sources CSV).
SOURCE_REFERENCE_FIELDS = ("archive_place", "publisher_place", "doi", "isbn", *AUTHORITY_FIELDS)
SOURCE_EDITABLE = (*SOURCE_FIELDS, *SOURCE_REFERENCE_FIELDS)


@transaction.atomic
def source_create(
    *, actor: User, key: str, kind: str, level: str, title: str, author_people: Iterable[Person] = (), **details: str
) -> Source:
    """author_people: who of the recorded people wrote it (`authors` is the names as written on it)."""
    _require(roles.can_contribute(actor), CONTRIBUTOR_NEEDED)
    unknown = set(details) - set(SOURCE_EDITABLE)
    if unknown:
        raise ValidationError({name: f"Sources have no field {name}." for name in unknown})
    authors = _people_checked("author_people", author_people)
    source = Source(key=key, kind=kind, level=level, title=title, created_by=actor, **details)
    _save(source, actor=actor)
    _link_people(source, {"author_people": authors}, added=True)
    return source


@transaction.atomic
def source_update(*, actor: User, source: Source, data: dict[str, Any], expected_version: int | None = None) -> Source:
    _require_edit(actor, source)
    data = dict(data)
    links = _links_changed(source, {"author_people": _people_checked("author_people", data.pop("author_people", None))})
    _link_people(source, links)  # (before the save, as claim_update)
    # (A change of the authors alone is a change of the source: its version moves on.)
    _update_found_by(source, actor=actor, data=data, expected_version=expected_version, other_changes=bool(links))
    return source


# --- Source genealogy --------------------------------------------------------------


def source_relation_errors(relation: SourceRelation) -> dict[str, str]:
    """A relation that would close a chain back to its start, by field, naming the chain:
    every write of a relation checks it (_full_clean), the admin's inline too. One query: the
    relations are few next to the sources (a chain per copy, edition or translation)."""
    if not relation.source_id or not relation.derived_from_id or relation.source_id == relation.derived_from_id:
        return {}  # (clean() reports what is missing or the relation to itself)
    source_relations_lock()
    edges: dict[int, set[int]] = {}
    for source_id, derived_from_id in SourceRelation.objects.exclude(pk=relation.pk).values_list(
        "source_id", "derived_from_id"
    ):
        edges.setdefault(source_id, set()).add(derived_from_id)
    # A cycle is a way back from what it derives from to the source itself.
    way = derivation_path(edges, start=relation.derived_from_id, goal=relation.source_id)
    if way is None:
        return {}
    keys = dict(Source.objects.filter(pk__in=[relation.source_id, *way]).values_list("pk", "key"))
    chain = " → ".join(keys[pk] for pk in [relation.source_id, *way])
    return {"derived_from": f"This would make a circle of derivations: {chain} (each derived from the next)."}


def source_relations_lock() -> None:
    """Make relation writes wait for each other until they commit: two people adding a → b and
    b → a at once would each find no circle in what the other has not yet committed. Readers
    do not wait. (SQLite runs one write transaction at a time already; outside a transaction
    there is no write to guard.)"""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {SourceRelation._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def derivation_path(edges: dict[_Node, set[_Node]], *, start: _Node, goal: _Node) -> list[_Node] | None:
    """The nodes from start to goal along edges (breadth first: the shortest), or None. The
    nodes are source ids here, keys in the sources CSV's import (which relates rows not yet written)."""
    came_from: dict[_Node, _Node | None] = {start: None}
    todo = deque([start])
    while todo:
        node = todo.popleft()
        if node == goal:
            path = [node]
            while came_from[path[-1]] is not None:
                path.append(came_from[path[-1]])  # type: ignore[arg-type]
            return path[::-1]
        for nxt in sorted(edges.get(node, ())):
            if nxt not in came_from:
                came_from[nxt] = node
                todo.append(nxt)
    return None


@transaction.atomic
def source_relation_add(
    *, actor: User, source: Source, derived_from: Source, kind: str, note: str = ""
) -> SourceRelation:
    """Record that source is a copy, translation, … of derived_from: researchers for the
    sources they added, editors for any."""
    _require_edit(actor, source)
    relation = SourceRelation(source=source, derived_from=derived_from, kind=kind, note=note, created_by=actor)
    return _save(relation, actor=actor)


@transaction.atomic
def source_relation_update(
    *, actor: User, relation: SourceRelation, data: dict[str, Any], expected_version: int | None = None
) -> SourceRelation:
    _require_edit(actor, relation.source)
    _update(relation, actor=actor, data=data, editable=("kind", "note"), expected_version=expected_version)
    return relation


@transaction.atomic
def source_relation_remove(*, actor: User, relation: SourceRelation, expected_version: int | None = None) -> None:
    """expected_version: the version the person saw (the source page's remove button); a
    relation changed since is not removed from under them."""
    _require_edit(actor, relation.source)
    check_unchanged(relation, expected_version, doing="removing")
    _delete_unless_in_use(relation, actor=actor)


# --- Claims and citations ----------------------------------------------------------

# What claim_update and citation_update may change (not the CSV's columns: claims/csv/claims_csv.CLAIM_FIELDS).
CLAIM_EDITABLE = ("key", "topic", "statement", "kind", "event_date", "status")
CITATION_EDITABLE = ("source", "locator", "quote", "quote_translation", "stance")


@transaction.atomic
def claim_create(
    *,
    actor: User,
    key: str,
    topic: Topic,
    statement: str,
    kind: str = Claim.Kind.FACT,
    event_date: str = "",
    status: str = Claim.Status.OPEN,
    people: Iterable[Person] = (),
    attributed_to: Iterable[Person] = (),
) -> Claim:
    """people: who the claim is about; attributed_to: who made it (whose hypothesis, view, point)."""
    _require(roles.can_contribute(actor), CONTRIBUTOR_NEEDED)
    _require(status == Claim.Status.OPEN or roles.can_set_claim_status(actor), STATUS_IS_EDITORIAL)
    links = {
        "people": _people_checked("people", people),
        "attributed_to": _people_checked("attributed_to", attributed_to),
    }
    claim = Claim(
        key=key, topic=topic, statement=statement, kind=kind, event_date=event_date, status=status, created_by=actor
    )
    _save(claim, actor=actor)
    _link_people(claim, links, added=True)
    search_index.after_save(claim)
    return claim


# The claim's links to people, each a field of claim_create and of claim_update's data.
CLAIM_PEOPLE_LINKS = ("people", "attributed_to")


def _people_checked(field: str, people: Iterable[Person] | None) -> list[Person] | None:
    """The people of a link field (None: not given), each a stored Person, else a message on the field."""
    if people is None:
        return None
    people = list(people)
    if any(not isinstance(person, Person) or person.pk is None for person in people):
        raise ValidationError({field: "Name only people already recorded (add a person first)."})
    return people


def _link_people(instance: Claim | Source, links: Mapping[str, list[Person] | None], *, added: bool = False) -> None:
    """Make each link field's people (of those given) exactly these, by writing the link rows:
    simple_history records a .set() as changes of its own (the removal, then the addition).
    Before the save of a change, so that its history row holds the links; after the save of
    a record just added, whose first history row then gets them (history_links_copy)."""
    for name, people in links.items():
        if people is None:
            continue
        field = instance._meta.get_field(name)
        through = field.remote_field.through
        own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
        wanted = {person.pk for person in people}
        rows = through.objects.filter(**{own: instance})
        rows.exclude(**{f"{other}__in": wanted}).delete()
        have = set(rows.values_list(f"{other}_id", flat=True))
        through.objects.bulk_create(
            [through(**{f"{own}_id": instance.pk, f"{other}_id": pk}) for pk in sorted(wanted - have)]
        )
    if added and any(links.values()):
        history_links_copy(model=type(instance), records=[instance.history.latest("history_date", "history_id")])


def history_links_copy(*, model: type[models.Model], records: Iterable[models.Model]) -> None:
    """Give history rows of model the tracked many-to-many links (a claim's people) their
    records have now, as simple_history records them with a save: for rows written before
    their links were (a record just added; the seed's first entries)."""
    history_of = {record.id: record for record in records}
    for field in model.history.model._history_m2m_fields:
        through = field.remote_field.through
        link_history = apps.get_model(model._meta.app_label, f"Historical{model.__name__}_{field.name}")
        owner = field.m2m_field_name()
        names = [f.attname for f in through._meta.fields]
        link_history.objects.bulk_create(
            link_history(history=history_of[getattr(link, f"{owner}_id")], **{n: getattr(link, n) for n in names})
            for link in through.objects.filter(**{f"{owner}_id__in": list(history_of)}).order_by("pk")
        )


def _links_changed(instance: models.Model, chosen: dict[str, list[Person] | None]) -> dict[str, list[Person]]:
    """Of the link fields given, those whose people differ from the stored ones."""
    return {
        name: people
        for name, people in chosen.items()
        if people is not None and {p.pk for p in people} != set(getattr(instance, name).values_list("pk", flat=True))
    }


@transaction.atomic
def claim_update(*, actor: User, claim: Claim, data: dict[str, Any], expected_version: int | None = None) -> Claim:
    _require_edit(actor, claim)
    _require(
        "status" not in data or data["status"] == claim.status or roles.can_set_claim_status(actor), STATUS_IS_EDITORIAL
    )
    data = dict(data)
    links = _links_changed(claim, {name: _people_checked(name, data.pop(name, None)) for name in CLAIM_PEOPLE_LINKS})
    _link_people(claim, links)  # (before the save below, whose history row records them; undone with it if refused)
    changed = _update(
        claim,
        actor=actor,
        data=data,
        editable=CLAIM_EDITABLE,
        expected_version=expected_version,
        other_changes=bool(links),
    )
    if changed:
        search_index.after_save(claim)
    return claim


@transaction.atomic
def claim_restore(*, actor: User, claim: Claim, history_id: int, expected_version: int | None = None) -> Claim:
    """An editor puts a claim back as an earlier version of it had it (its fields and its
    people), recorded as a change by the editor that names the version restored."""
    _require(roles.can_edit_any(actor), EDITOR_NEEDED + " Restoring an earlier version changes the claim for everyone.")
    record = Claim.history.filter(id=claim.pk, history_id=history_id).exclude(history_type="-").first()
    if record is None:
        raise ValidationError("That is not a recorded version of this claim.")
    data: dict[str, Any] = {}
    for name in CLAIM_PEOPLE_LINKS:  # the people of each version
        linked = apps.get_model("claims", f"HistoricalClaim_{name}").objects.filter(history_id=history_id)
        data[name] = list(Person.objects.filter(pk__in=linked.values("person_id")))
    data |= {name: getattr(record, name) for name in CLAIM_EDITABLE if name != "topic"}
    data["topic"] = Topic.objects.filter(pk=record.topic_id).first()
    if data["topic"] is None:
        raise ValidationError("The topic of that version no longer exists; choose the topic by editing the claim.")
    claim._change_reason = f"restored the version of {timezone.localtime(record.history_date):%d %b %Y, %H:%M}"
    return claim_update(actor=actor, claim=claim, data=data, expected_version=expected_version)


@transaction.atomic
def citation_create(
    *,
    actor: User,
    claim: Claim,
    source: Source,
    locator: str = "",
    quote: str = "",
    quote_translation: str = "",
    stance: str = Citation.Stance.SUPPORTS,
) -> Citation:
    _require(roles.can_contribute(actor), CONTRIBUTOR_NEEDED)
    citation = Citation(
        claim=claim,
        source=source,
        locator=locator,
        quote=quote,
        quote_translation=quote_translation,
        stance=stance,
        created_by=actor,
    )
    _save(citation, actor=actor)
    search_index.after_save(citation)
    return citation


@transaction.atomic
def citation_update(
    *, actor: User, citation: Citation, data: dict[str, Any], expected_version: int | None = None
) -> Citation:
    _require_edit(actor, citation)
    before = _graded_content(citation)
    if _update(citation, actor=actor, data=data, editable=CITATION_EDITABLE, expected_version=expected_version):
        _outdate_grades_if_changed(citation, before, actor=actor)
        if citation.source_id != before[0]:
            search_index.after_save(citation)
    return citation


# What a credibility grade judges: the passage (quote), where it is (source, locator) and
# which way it points (stance). A translation or a typo elsewhere changes none of it.
GRADED_CITATION_FIELDS = ("source_id", "locator", "quote", "stance")


def _graded_content(citation: Citation) -> tuple:
    return tuple(getattr(citation, name) for name in GRADED_CITATION_FIELDS)


def _outdate_grades_if_changed(citation: Citation, before: tuple, *, actor: User | None) -> None:
    """The citation's grades were given to what it said before: keep them, marked as given to
    an earlier version (they no longer count), each with a history row and a new version, so
    that a grade form opened before the change can no longer save over it unseen."""
    if _graded_content(citation) == before:
        return
    for grade in (
        CitationAssessment.objects.filter(citation=citation, outdated=False)
        .select_for_update(of=("self",))
        .order_by("pk")
    ):
        grade.outdated = True
        check_version(grade, grade.version)
        _save(grade, actor=actor, refresh_evidence=False)
    claim_evidence_refresh(claim_ids={citation.claim_id})  # (once, for all the grades outdated)


# --- Assessments -------------------------------------------------------------------

Assessment = SourceAssessment | CitationAssessment

NO_GRADE_YET = 0  # the version a grade form carries when the reviewer had no grade of the target yet


def _require_no_stake_in(actor: User, target: Source | Citation) -> None:
    _require(not (why := roles.own_work_in_grading(actor, target)), why)


def _grade_set(
    *,
    actor: User,
    model: type[Assessment],
    target: Source | Citation,
    grade: Any,
    rationale: str,
    expected_version: int | None,
    target_version: int | None,
) -> Assessment:
    """Enter or revise the actor's own grade of target.

    expected_version: the version of the actor's grade the form showed, NO_GRADE_YET when it
    showed none; target_version: the version of the source or citation the form showed. A
    grade given in another window meanwhile, or a target changed meanwhile, refuses the save:
    a grade is of what the reviewer read."""
    _require(roles.can_assess(actor), GRADER_NEEDED)
    _require_no_stake_in(actor, target)
    check_unchanged(target, target_version, doing="grading")
    data = {"grade": grade, "rationale": rationale}
    if model is CitationAssessment:
        data["outdated"] = False  # graded again: now a grade of the citation as it is
    return _own_judgement_set(  # type: ignore[return-value]  # (of model)
        actor=actor, model=model, of={targets.of(target).field: target}, data=data, expected_version=expected_version
    )


# How the messages of _own_judgement_set name a reviewer's judgement of each kind.
_JUDGEMENT_WORDS = {"grade": ("grade", "graded", "grade"), "rating": ("rating", "rated", "rate")}


def _own_judgement_set(
    *,
    actor: User,
    model: type[models.Model],
    of: dict[str, models.Model],
    data: dict[str, Any],
    expected_version: int | None,
    noun: str = "grade",
) -> models.Model:
    """Enter or revise the actor's own grade or rating of what `of` names (its fields), data its
    values. expected_version: as _grade_set's. The permission and the versions of what is judged
    are the caller's to check, in the same transaction."""
    noun, past, verb = _JUDGEMENT_WORDS[noun]
    own = model.objects.filter(**of, reviewer=actor).select_for_update(of=("self",)).order_by("pk").first()
    if own is None:
        if expected_version not in (None, NO_GRADE_YET):
            raise ValidationError(
                f"Your {noun} of this was deleted while you were revising it; nothing was saved. "
                f"Reload the page and {verb} it again.",
                code="conflict",
            )
        return _save(model(**of, reviewer=actor, **data), actor=actor)
    if expected_version == NO_GRADE_YET:
        raise ValidationError(
            f"You {past} this in another window while this form was open ({noun} {own.grade}); nothing "
            f"was saved. Reload the page to see that {noun}, then revise it if you wish.",
            code="conflict",
        )
    _update(own, actor=actor, data=data, editable=data, expected_version=expected_version)
    return own


@transaction.atomic
def grade_set(
    *,
    actor: User,
    target: Source | Citation,
    grade: Any,
    rationale: str,
    expected_version: int | None = None,
    target_version: int | None = None,
) -> Assessment:
    """Enter or revise the actor's own grade of a source or a citation (the grade form's one entry)."""
    kind = targets.of(target)
    assert kind is not None  # (a source or a citation, by the signature)
    return _grade_set(
        actor=actor,
        model=targets.grades_of(kind).model,  # type: ignore[arg-type]  # (an assessment model)
        target=target,
        grade=grade,
        rationale=rationale,
        expected_version=expected_version,
        target_version=target_version,
    )


def _graded(assessment: Assessment) -> Source | Citation:
    return getattr(assessment, _graded_field(assessment))


@transaction.atomic
def assessment_update(
    *, actor: User, assessment: Assessment, grade: Any, rationale: str, expected_version: int | None = None
) -> Assessment:
    """Change an existing grade: its reviewer, or an editor with no stake in what is graded."""
    _require(
        roles.can_edit_any(actor) or (roles.can_assess(actor) and assessment.reviewer_id == actor.pk),
        EDITOR_NEEDED + " Reviewers may change only their own grades.",
    )
    _require_no_stake_in(actor, _graded(assessment))
    _update(
        assessment,
        actor=actor,
        data={"grade": grade, "rationale": rationale},
        editable=("grade", "rationale"),
        expected_version=expected_version,
    )
    return assessment


# --- Consistency ratings (the cells of a topic's competing-hypotheses matrix) -----------


@transaction.atomic
def consistency_rating_set(
    *,
    actor: User,
    citation: Citation,
    claim: Claim,
    grade: str,
    rationale: str,
    expected_version: int | None = None,
    target_version: int | None = None,
    claim_version: int | None = None,
) -> ConsistencyRating:
    """Enter or revise the actor's own rating of how citation (made for its own claim) bears on
    another claim of its topic: who may grade may rate, never their own work.

    expected_version: the version of the actor's rating the form showed, NO_GRADE_YET when it
    showed none; target_version and claim_version: the versions of the citation and of the claim
    the form showed. A rating is of what the reviewer read: either changed meanwhile refuses it."""
    _require(roles.can_assess(actor), GRADER_NEEDED)
    _require(not (why := roles.own_work_in_rating(actor, citation, claim)), why)
    check_unchanged(citation, target_version, doing="rating")
    check_unchanged(claim, claim_version, doing="rating")
    return _own_judgement_set(  # type: ignore[return-value]  # (a ConsistencyRating)
        actor=actor,
        model=ConsistencyRating,
        of={"citation": citation, "claim": claim},
        data={"grade": grade, "rationale": rationale},
        expected_version=expected_version,
        noun="rating",
    )


# --- Annotations -------------------------------------------------------------------


def annotation_link_errors(annotation: Annotation) -> dict[str, str]:
    """What is wrong with an annotation's ties to other rows, by field: a reply to itself or to
    a note on another thing, a quoted passage that is not in its target's text. Every write of
    an annotation checks these (_full_clean), the admin's form too, to show them on the field.
    None while it has not exactly one target: its clean() says so, and there is no text to quote."""
    if len([t for t in Annotation.TARGETS if getattr(annotation, f"{t}_id")]) != 1:
        return {}
    if annotation.parent_id:
        parent = annotation.parent
        if parent.pk == annotation.pk:
            return {"parent": "An annotation cannot reply to itself."}
        if any(getattr(parent, f"{t}_id") != getattr(annotation, f"{t}_id") for t in Annotation.TARGETS):
            return {"parent": "A reply must be about the same thing as the annotation it answers."}
    passage = annotation.quoted_passage.strip()
    if passage and passage not in annotation.target_text():
        return {"quoted_passage": "The quoted passage does not occur in the text it annotates."}
    return {}


@transaction.atomic
def annotation_create(
    *,
    actor: User,
    body: str,
    target: models.Model | None = None,
    parent: Annotation | None = None,
    motivation: str = Annotation.Motivation.COMMENT,
    quoted_passage: str = "",
) -> Annotation:
    """Annotate a target, or reply to an annotation (the reply shares its target)."""
    _require(roles.can_contribute(actor), CONTRIBUTOR_NEEDED)
    if parent is not None:
        if parent.withdrawn_at is not None:
            raise ValidationError({"parent": "That annotation was withdrawn; it takes no replies."})
        target = target or parent.target
    kind = targets.of(target)
    if kind is None:
        raise ValidationError("An annotation needs a claim, source, citation, grade or dispute to be about.")
    annotation = Annotation(
        author=actor,
        body=body,
        parent=parent,
        motivation=motivation,
        quoted_passage=quoted_passage,
        **{kind.field: target},
    )
    return _save(annotation, actor=actor)


def _require_own_annotation(actor: User, annotation: Annotation) -> None:
    _require(roles.can_change_annotation(actor, annotation), ANNOTATION_OWN_NEEDED)
    if annotation.withdrawn_at is not None:
        raise ValidationError("This annotation was withdrawn and can no longer be changed.")


@transaction.atomic
def annotation_update(
    *, actor: User, annotation: Annotation, data: dict[str, Any], expected_version: int | None = None
) -> Annotation:
    _require_own_annotation(actor, annotation)
    _update(
        annotation,
        actor=actor,
        data=data,
        editable=("body", "motivation", "quoted_passage"),
        expected_version=expected_version,
    )
    return annotation


@transaction.atomic
def annotation_withdraw(*, actor: User, annotation: Annotation, expected_version: int | None = None) -> Annotation:
    """Withdraw rather than delete, so that replies keep the note they answer.

    expected_version: the version of the note the person saw (the API's withdraw carries it);
    a note edited since is not withdrawn unseen."""
    _require_own_annotation(actor, annotation)
    check_version(annotation, expected_version, doing="withdrawing")
    annotation.withdrawn_at = timezone.now()
    return _save(annotation, actor=actor)


# --- Disputes ----------------------------------------------------------------------


@transaction.atomic
def dispute_raise(
    *, actor: User, target: Assessment | Claim, reason: str, proposed: Any, target_version: int | None = None
) -> Dispute:
    """Challenge a grade (proposing another) or a claim (proposing another status).

    target_version: the version of the grade or claim the person read; a dispute of a grade
    or status that has changed since is refused (it would argue with what is no longer there)."""
    kind = targets.of(target)
    proposal = kind.proposal if kind else None
    if proposal is not None and not proposal.of_grade:
        _require(roles.can_dispute_claim(actor), CONTRIBUTOR_NEEDED)
    else:
        _require(roles.can_dispute_grade(actor), GRADER_NEEDED + " Disputing a grade is for those who grade.")
    if proposal is None:
        raise ValidationError("Only a source grade, a citation grade, a consistency rating or a claim can be disputed.")
    dispute = Dispute(raised_by=actor, reason=reason, **{kind.field: target, proposal.field: proposed})
    check_unchanged(target, target_version, doing="disputing")
    if proposal.of_grade:
        if target.reviewer_id == actor.pk:
            noun = "rating" if isinstance(target, ConsistencyRating) else "grade"
            raise ValidationError(f"You cannot dispute your own {noun}; revise it instead.")
        if str(target.grade) == str(proposed):
            raise ValidationError({"proposed": "The proposed grade is the grade already given."})
    elif target.status == proposed:
        raise ValidationError({"proposed": "The proposed status is the claim's status already."})
    return _save(dispute, actor=actor)


def _lock_open(dispute: Dispute, expected_version: int | None, *, doing: str) -> Dispute:
    """The dispute, still open and as the person saw it, for this transaction alone: of two
    simultaneous decisions one resolves it, the other is refused.

    The version check is the first write (a conditional UPDATE): on PostgreSQL it locks the
    row until the transaction ends, on SQLite the database; a second decision waits for the
    first, then finds the dispute closed. (SELECT ... FOR UPDATE does nothing on SQLite.)
    """
    expected = dispute.version if expected_version is None else expected_version
    if Dispute.objects.filter(pk=dispute.pk, state=Dispute.State.OPEN, version=expected).update(version=expected + 1):
        return Dispute.objects.get(pk=dispute.pk)
    state = Dispute.objects.filter(pk=dispute.pk).values_list("state", flat=True).first()
    if state is None:
        raise ValidationError("This dispute no longer exists.")
    if state != Dispute.State.OPEN:
        raise ValidationError(f"This dispute is already {state}.")
    raise ValidationError(_conflict_message(dispute, expected, doing), code="conflict")


@transaction.atomic
def dispute_withdraw(*, actor: User, dispute: Dispute, expected_version: int | None = None) -> Dispute:
    _require(roles.can_withdraw_dispute(actor, dispute), WITHDRAW_OWN_ONLY)
    dispute = _lock_open(dispute, expected_version, doing="withdrawing")
    dispute.state = Dispute.State.WITHDRAWN
    dispute.closed_at = timezone.now()
    return _save(dispute, actor=actor)


@transaction.atomic
def dispute_resolve(
    *,
    actor: User,
    dispute: Dispute,
    outcome: str,
    note: str,
    expected_version: int | None = None,
    target_version: int | None = None,
) -> Dispute:
    """An editor with no stake in it upholds (the proposal takes effect) or rejects a dispute, with a note.

    expected_version / target_version: the versions of the dispute and of the disputed grade
    or claim the editor read. Either changed since refuses the decision. Upholding moves the
    target's version on, so an edit of it begun before the decision cannot put back what
    the decision replaced."""
    _require(roles.can_resolve_dispute(actor), EDITOR_NEEDED)
    _require(not (why := roles.own_work_in_dispute(actor, dispute)), why)
    if outcome not in {Dispute.State.UPHELD, Dispute.State.REJECTED}:
        raise ValidationError({"outcome": "A dispute is resolved as upheld or rejected."})
    dispute = _lock_open(dispute, expected_version, doing="deciding on")
    target = dispute.target
    upheld = outcome == Dispute.State.UPHELD
    (check_version if upheld else check_unchanged)(target, target_version, doing="deciding on a dispute of")
    dispute.state = outcome
    dispute.resolved_by = actor
    dispute.resolution_note = note
    dispute.closed_at = timezone.now()
    _save(dispute, actor=actor)
    if not upheld:
        return dispute
    proposal = targets.of(target).proposal
    setattr(target, proposal.attribute, getattr(dispute, proposal.field))
    # The history row of the changed grade or status names the deciding editor.
    _save(target, actor=actor)
    return dispute


# --- Staff data entry (the admin site) --------------------------------------------


@transaction.atomic
def staff_save(
    *,
    actor: User,
    instance: models.Model,
    m2m: dict[str, Iterable[models.Model]] | None = None,
    changed: bool = True,
    expected_version: int | None = None,
) -> models.Model:
    """Save a record entered by a staff admin, who may enter and correct anything.

    A change (changed: the admin form saw one) moves the record's version on (check_version,
    from expected_version, the version the admin form was filled from, else the one read with
    the POST), so of an admin edit and a site edit begun from the same version the later save
    is refused, not allowed to overwrite the other."""
    _require(roles.can_use_admin(actor), "This needs a staff account.")
    if _judged_fields(instance):
        _refuse_a_grade_of_own_work(instance)  # type: ignore[arg-type]  # (a grade or a rating)
    before = None
    moved_from = None  # the claim a citation belonged to (the admin may move it to another)
    if isinstance(instance, Citation) and not instance._state.adding:
        before = Citation.objects.filter(pk=instance.pk).values_list(*GRADED_CITATION_FIELDS).first()
        moved_from = Citation.objects.filter(pk=instance.pk).values_list("claim_id", flat=True).first()
    if changed and not instance._state.adding and hasattr(instance, "version"):
        check_version(instance, expected_version)
    links = {name: list(values) for name, values in (m2m or {}).items()}
    adding = instance._state.adding
    if not adding:
        _link_people(instance, links)  # type: ignore[arg-type]  # (the save's history row records them)
    _save(instance, actor=actor)
    if adding:
        _link_people(instance, links, added=True)  # type: ignore[arg-type]
    if before is not None:
        _outdate_grades_if_changed(instance, before, actor=actor)  # type: ignore[arg-type]  # (a citation's)
    search_index.after_save(instance, before={"claim_id": moved_from})
    return instance


def _judged_fields(instance: models.Model) -> tuple[str, ...]:
    """What a grade or a rating judges ("source"; "citation"; "citation" and "claim"), () for anything else."""
    if isinstance(instance, ConsistencyRating):
        return ("citation", "claim")
    graded = _graded_field(instance)
    return (graded,) if graded else ()


def _refuse_a_grade_of_own_work(assessment: Assessment | ConsistencyRating) -> None:
    """A grade or a rating entered for a reviewer (new, or moved to another reviewer or target)
    obeys the rule the reviewer would meet on the site. One already on record may still be corrected."""
    judged = _judged_fields(assessment)
    if not assessment._state.adding:
        stored = type(assessment).objects.filter(pk=assessment.pk).values_list("reviewer_id", *judged)
        if stored.first() == (assessment.reviewer_id, *(getattr(assessment, f"{name}_id") for name in judged)):
            return
    if assessment.reviewer_id is None or any(getattr(assessment, f"{name}_id") is None for name in judged):
        return  # (full_clean reports what is missing)
    if isinstance(assessment, ConsistencyRating):
        stake = roles.rating_stake(assessment.reviewer, assessment.citation, assessment.claim)
    else:
        stake = roles.stake_in(assessment.reviewer, _graded(assessment))
    if stake:
        raise ValidationError(
            {
                "reviewer": (
                    f"The reviewer {assessment.reviewer.get_username()} added {roles.GRADING_STAKE[stake]}, so a grade by "
                    "them would rule on their own work: choose another reviewer."
                )
            }
        )


def _graded_field(instance: models.Model) -> str:
    """The field of what a grade grades ("source", "citation"); "" for anything else."""
    kind = targets.of(instance)
    return kind.graded if kind else ""


@transaction.atomic
def staff_delete(*, actor: User, instance: models.Model) -> None:
    _require(roles.can_use_admin(actor), "This needs a staff account.")
    touched = search_index.touched_by_delete(instance)
    _delete_unless_in_use(instance, actor=actor)
    search_index.index_claims(touched)


# Rules that read other rows than the one written, checked on every write of it (_full_clean).
_ROW_RULES: dict[type, Callable[[Any], dict[str, str]]] = {
    Annotation: annotation_link_errors,
    SourceRelation: source_relation_errors,
    # (the one-record-per-id constraints, in words that name the record with the id)
    Person: authority.normalized_duplicate_errors,
    Source: authority.normalized_duplicate_errors,
}

"""Every URL of the project × every kind of visitor, with the answer each must get (issue 5).

The URLs come from the URLconf itself (ROUTES must name each one, so a new URL without an
entry here fails test_every_url_of_the_urlconf_has_an_entry). Each is asked with GET and
with an empty POST (with a valid CSRF token, as a browser would send it) by: an anonymous
visitor, a logged-in user with no role, a Researcher, a Reviewer, an Editor and a staff
account. The objects are owned as in docs/design.md's roles table: the Researcher added the
claim, source, person, citation and annotation; the Reviewer graded the source and raised
the dispute on the second Reviewer's grade of the citation.

Answers: 200 (shown, or a form shown again with its errors), 302 (redirected: to the login
page for anonymous visitors, else where the action leads), 403 (may not), 404 (no such
object, or not theirs to see), 405 (wrong method).
"""

import re
from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from claims import services, tasks
from claims.models import (
    Annotation,
    ApiToken,
    Citation,
    Claim,
    Dispute,
    Person,
    Source,
    SourceAssessment,
    SourceRelation,
    Topic,
    User,
)
from claims.roles import Role
from tests.conftest import make_user, world_for_the_module
from tests.jobs_support import run_jobs_in_this_transaction

# Some 3,000 requests, none of whose contexts is read.
pytestmark = pytest.mark.usefixtures("templates_render_plainly")

CSRF_SECRET = "matrixCsrfSecret0123456789abcdef"  # 32 characters, as Django's own
PERSONAS = ("anonymous", "no_role", "researcher", "reviewer", "editor", "staff")


def _routes(patterns, prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            found.append(prefix + str(pattern.pattern))
    return found


def urlconf_routes() -> list[str]:
    # The admin's app index is one URL whose pattern lists the installed apps' labels.
    return [
        re.sub(r"^admin/\^\(\?P<app_label>[^)]*\)/\$$", "admin/<app_label>/", route)
        for route in _routes(get_resolver().url_patterns)
    ]


@dataclass
class World:
    topic: Topic
    claim: Claim
    source: Source
    person: Person
    citation: Citation
    source_grade: SourceAssessment
    citation_grade: object
    annotation: Annotation
    dispute: Dispute
    users: dict[str, User]
    axes: dict[str, object]
    job: object = None  # the Researcher's background export, done
    rival: Claim | None = None  # another claim of the topic, added by the Researcher
    rating: object = None  # the Reviewer's rating of the citation against the rival claim
    token: ApiToken | None = None  # the Researcher's personal API token


def build_world() -> World:
    researcher = make_user("rita_researcher", Role.RESEARCHER)
    reviewer = make_user("victor_reviewer", Role.REVIEWER)
    second_reviewer = make_user("vera_reviewer", Role.REVIEWER)
    editor = make_user("edith_editor", Role.EDITOR)
    staff = make_user("stan_staff", staff=True)
    no_role = make_user("olga_outsider")
    # Accounts the user admin is asked about (EXPECTED_FOR_ACCOUNTS), besides the Researcher's.
    superuser = make_user("sam_superuser", superuser=True)
    other_staff = make_user("sid_staff", staff=True)
    topic = services.topic_create(actor=editor, title="Date of execution")
    person = services.person_create(actor=researcher, name="Mikhail Tukhachevsky")
    claim = services.claim_create(
        actor=researcher,
        key="execution-12-june",
        topic=topic,
        statement="The convicted were shot on 12 June 1937.",
        people=[person],
    )
    # An earlier version, which the claim page offers an editor to restore.
    services.claim_update(actor=researcher, claim=claim, data={"event_date": "1937-06-12"})
    source = services.source_create(
        actor=researcher,
        key="rogovin-1937",
        kind=Source.Kind.MONOGRAPH,
        level=Source.Level.SECONDARY,
        title="1937: Stalin's Year of Terror",
    )
    citation = services.citation_create(actor=researcher, claim=claim, source=source, locator="ch. 9")
    source_grade = services.grade_set(actor=reviewer, target=source, grade="B", rationale="Sound.")
    citation_grade = services.grade_set(
        actor=second_reviewer, target=citation, grade=2, rationale="Confirmed elsewhere."
    )
    # The Reviewer grades the citation too (blind grading: only then does he see the other grade).
    services.grade_set(actor=reviewer, target=citation, grade=4, rationale="One witness.")
    annotation = services.annotation_create(actor=researcher, body="Compare the protocol.", target=claim)
    dispute = services.dispute_raise(actor=reviewer, target=citation_grade, reason="Only one witness.", proposed=4)
    users = {
        "no_role": no_role,
        "researcher": researcher,
        "reviewer": reviewer,
        "editor": editor,
        "staff": staff,
        "superuser": superuser,
        "other_staff": other_staff,
    }
    axes = _axes_records()
    job = tasks.claims_export.enqueue(user_id=researcher.pk, query="")
    tasks.agreement_refresh.enqueue()  # (/agreement.json answers 503 until the figures are computed)
    run_jobs_in_this_transaction()
    world = World(
        topic, claim, source, person, citation, source_grade, citation_grade, annotation, dispute, users, axes, job
    )
    world.rival = services.claim_create(
        actor=researcher, key="execution-11-june", topic=topic, statement="The convicted were shot on 11 June 1937."
    )
    world.rating = services.consistency_rating_set(
        actor=reviewer, citation=citation, claim=world.rival, grade="I", rationale="After midnight."
    )
    world.token, _ = services.api_token_create(actor=researcher, name="laptop scripts")
    return world


# Some 400 tests ask about the same world, each request's changes rolled back (answer()):
# written once for the module, not once a test.
shared_world, world = world_for_the_module(build_world)


def _axes_records() -> dict[str, object]:
    """One of each of django-axes' records of a failed login by the Researcher."""
    login = {
        "user_agent": "pytest",
        "ip_address": "192.0.2.7",
        "username": "rita_researcher",
        "http_accept": "text/html",
        "path_info": "/accounts/login/",
    }
    return {
        "attempt": AccessAttempt.objects.create(**login, get_data="", post_data="", failures_since_start=2),
        "log": AccessLog.objects.create(**login),
        "failure": AccessFailureLog.objects.create(**login),
    }


# --- Where each route leads, for the world's objects ------------------------------------

ADMIN_OBJECTS = {  # admin model path -> the world's object of that model
    "auth/group": lambda w: w.users["researcher"].groups.get(),
    "claims/topic": lambda w: w.topic,
    "claims/person": lambda w: w.person,
    "claims/source": lambda w: w.source,
    "claims/claim": lambda w: w.claim,
    "claims/citation": lambda w: w.citation,
    "claims/sourceassessment": lambda w: w.source_grade,
    "claims/citationassessment": lambda w: w.citation_grade,
    "claims/consistencyrating": lambda w: w.rating,
    "claims/dispute": lambda w: w.dispute,
    "claims/annotation": lambda w: w.annotation,
    "claims/user": lambda w: w.users["researcher"],
    "claims/apitoken": lambda w: w.token,
    # django-axes' records of logins (see test_security.py), shown to staff in the admin
    "axes/accessattempt": lambda w: w.axes["attempt"],
    "axes/accesslog": lambda w: w.axes["log"],
    "axes/accessfailurelog": lambda w: w.axes["failure"],
}


WITHOUT_HISTORY = ("claims/user", "claims/apitoken")


def _admin_routes() -> dict:
    routes = {}
    for model, obj in ADMIN_OBJECTS.items():
        base = f"admin/{model}/"
        routes[base] = lambda w, base=base: "/" + base
        routes[base + "add/"] = lambda w, base=base: f"/{base}add/"
        for action in ("history/", "delete/", "change/", ""):
            routes[f"{base}<path:object_id>/{action}"] = lambda w, base=base, obj=obj, action=action: (
                f"/{base}{obj(w).pk}/{action}"
            )
        if model.startswith("claims/") and model not in WITHOUT_HISTORY:  # (simple_history's version pages)
            routes[base + "^([^/]+)/history/([^/]+)/$"] = lambda w, base=base, obj=obj: (
                f"/{base}{obj(w).pk}/history/{obj(w).history.earliest().history_id}/"
            )
    for model in ("claims/claim", "claims/source"):
        for action in ("import/", "export/", "process_import/"):
            routes[f"admin/{model}/{action}"] = lambda w, p=f"/admin/{model}/{action}": p
    routes["admin/claims/user/<id>/password/"] = lambda w: f"/admin/claims/user/{w.users['researcher'].pk}/password/"
    return routes


def _content_type_of(obj) -> int:
    return ContentType.objects.get_for_model(obj).pk


def _relation(world: World) -> SourceRelation:
    """The Researcher's source recorded as a translation of an original the Editor added."""
    original, _ = Source.objects.get_or_create(
        key="rogovin-1937-ru",
        defaults={"kind": Source.Kind.MONOGRAPH, "level": Source.Level.SECONDARY, "title": "1937"},
    )
    relation = SourceRelation.objects.filter(source=world.source, derived_from=original).first()
    return relation or services.source_relation_add(
        actor=world.users["editor"], source=world.source, derived_from=original, kind="translation"
    )


# The API's records: the name in the URL, the lookup's field and pattern, the world's record.
SLUG = "[-a-zA-Z0-9_]+"
API_RECORDS = {
    "topics": ("slug", SLUG, lambda w: w.topic.slug),
    "people": ("slug", SLUG, lambda w: w.person.slug),
    "sources": ("key", SLUG, lambda w: w.source.key),
    "claims": ("key", SLUG, lambda w: w.claim.key),
    "citations": ("pk", "[0-9]+", lambda w: w.citation.pk),
}
API_DETAIL = {name: f"api/v1/^{name}/(?P<{field}>{pattern})/$" for name, (field, pattern, _) in API_RECORDS.items()}

ROUTES = {
    # The admin site
    "admin/": lambda w: "/admin/",
    "admin/login/": lambda w: "/admin/login/",
    "admin/logout/": lambda w: "/admin/logout/",
    "admin/password_change/": lambda w: "/admin/password_change/",
    "admin/password_change/done/": lambda w: "/admin/password_change/done/",
    "admin/autocomplete/": lambda w: "/admin/autocomplete/?app_label=claims&model_name=claim&field_name=topic",
    "admin/jsi18n/": lambda w: "/admin/jsi18n/",
    "admin/r/<path:content_type_id>/<path:object_id>/": lambda w: f"/admin/r/{_content_type_of(w.claim)}/{w.claim.pk}/",
    "admin/<app_label>/": lambda w: "/admin/claims/",
    "admin/(?P<url>.*)$": lambda w: "/admin/no-such-page/",
    **_admin_routes(),
    # Accounts
    "accounts/login/": lambda w: "/accounts/login/",
    "accounts/logout/": lambda w: "/accounts/logout/",
    "accounts/password/": lambda w: "/accounts/password/",
    "accounts/password/done/": lambda w: "/accounts/password/done/",
    "accounts/": lambda w: "/accounts/",
    "accounts/tokens/<int:pk>/revoke/": lambda w: f"/accounts/tokens/{w.token.pk}/revoke/",
    # Pages and actions
    "": lambda w: "/",
    "topics/<slug:slug>/": lambda w: f"/topics/{w.topic.slug}/",
    "claims/": lambda w: "/claims/",
    "claims/new/": lambda w: "/claims/new/",
    "claims/export.csv": lambda w: "/claims/export.csv",
    "jobs/": lambda w: "/jobs/",
    "jobs/claims-export/": lambda w: "/jobs/claims-export/",
    "jobs/<uuid:job_id>/": lambda w: f"/jobs/{w.job.id}/",
    "jobs/<uuid:job_id>/progress.json": lambda w: f"/jobs/{w.job.id}/progress.json",
    "jobs/<uuid:job_id>/download/": lambda w: f"/jobs/{w.job.id}/download/",
    "claims/import/": lambda w: "/claims/import/",
    "claims/import/confirm/": lambda w: "/claims/import/confirm/",
    "claims/example.csv": lambda w: "/claims/example.csv",
    "citations/export.csv": lambda w: "/citations/export.csv",
    "citations/import/": lambda w: "/citations/import/",
    "citations/import/confirm/": lambda w: "/citations/import/confirm/",
    "citations/example.csv": lambda w: "/citations/example.csv",
    "claims/<slug:key>/": lambda w: f"/claims/{w.claim.key}/",
    "claims/<slug:key>.jsonld": lambda w: f"/claims/{w.claim.key}.jsonld",
    "claims/<slug:key>/annotations.jsonld": lambda w: f"/claims/{w.claim.key}/annotations.jsonld?after=0",
    "annotations.jsonld": lambda w: "/annotations.jsonld",
    "annotations/<int:pk>.jsonld": lambda w: f"/annotations/{w.annotation.pk}.jsonld",
    "users/<int:pk>.jsonld": lambda w: f"/users/{w.users['researcher'].pk}.jsonld",
    "claims/<slug:key>/edit/": lambda w: f"/claims/{w.claim.key}/edit/",
    "claims/<slug:key>/history/<int:history_id>/restore/": lambda w: (
        f"/claims/{w.claim.key}/history/{w.claim.history.earliest().history_id}/restore/"
    ),
    "claims/<slug:key>/citations/new/": lambda w: f"/claims/{w.claim.key}/citations/new/",
    "citations/<int:pk>/edit/": lambda w: f"/citations/{w.citation.pk}/edit/",
    "citations/<int:pk>/grade/": lambda w: f"/citations/{w.citation.pk}/grade/",
    "citations/<int:pk>/consistency/<slug:claim_key>/": lambda w: (
        f"/citations/{w.citation.pk}/consistency/{w.rival.key}/"
    ),
    "sources/": lambda w: "/sources/",
    "sources/new/": lambda w: "/sources/new/",
    "sources/suggest.json": lambda w: "/sources/suggest.json?q=rog",
    "sources/add.json": lambda w: "/sources/add.json",
    "sources/export.csv": lambda w: "/sources/export.csv",
    "sources/import/": lambda w: "/sources/import/",
    "sources/import/confirm/": lambda w: "/sources/import/confirm/",
    "sources/import/references/": lambda w: "/sources/import/references/",
    "sources/import/references/confirm/": lambda w: "/sources/import/references/confirm/",
    "sources/export.json": lambda w: "/sources/export.json",
    "sources/export.bib": lambda w: "/sources/export.bib",
    "sources/export.ris": lambda w: "/sources/export.ris",
    "sources/example.csv": lambda w: "/sources/example.csv",
    "sources/<slug:key>/": lambda w: f"/sources/{w.source.key}/",
    "sources/<slug:key>/edit/": lambda w: f"/sources/{w.source.key}/edit/",
    "sources/<slug:key>/grade/": lambda w: f"/sources/{w.source.key}/grade/",
    "people/new/": lambda w: "/people/new/",
    "people/suggest.json": lambda w: "/people/suggest.json?q=tukh",
    "people/add.json": lambda w: "/people/add.json",
    "dates/parse.json": lambda w: "/dates/parse.json?q=12+June+1937%3F",
    "people/<slug:slug>/": lambda w: f"/people/{w.person.slug}/",
    "people/<slug:slug>/edit/": lambda w: f"/people/{w.person.slug}/edit/",
    "annotations/on/<str:kind>/<int:pk>/": lambda w: f"/annotations/on/claim/{w.claim.pk}/",
    "annotations/<int:pk>/reply/": lambda w: f"/annotations/{w.annotation.pk}/reply/",
    "annotations/<int:pk>/edit/": lambda w: f"/annotations/{w.annotation.pk}/edit/",
    "annotations/<int:pk>/withdraw/": lambda w: f"/annotations/{w.annotation.pk}/withdraw/",
    "disputes/": lambda w: "/disputes/",
    "disputes/new/<str:kind>/<int:pk>/": lambda w: f"/disputes/new/citation-grade/{w.citation_grade.pk}/",
    "disputes/<int:pk>/": lambda w: f"/disputes/{w.dispute.pk}/",
    "disputes/<int:pk>/withdraw/": lambda w: f"/disputes/{w.dispute.pk}/withdraw/",
    "disputes/<int:pk>/resolve/": lambda w: f"/disputes/{w.dispute.pk}/resolve/",
    "review/": lambda w: "/review/",
    "review/adjudicate/": lambda w: "/review/adjudicate/",
    "sources/<slug:key>/relations/new/": lambda w: f"/sources/{w.source.key}/relations/new/",
    "sources/<slug:key>/relations/<int:pk>/edit/": lambda w: (
        f"/sources/{w.source.key}/relations/{_relation(w).pk}/edit/"
    ),
    "sources/<slug:key>/relations/<int:pk>/remove/": lambda w: (
        f"/sources/{w.source.key}/relations/{_relation(w).pk}/remove/"
    ),
    # Date conflicts and timelines (issue 13)
    "conflicts/": lambda w: f"/conflicts/?topic={w.topic.slug}",
    "topics/<slug:slug>/timeline/": lambda w: f"/topics/{w.topic.slug}/timeline/",
    "people/<slug:slug>/timeline/": lambda w: f"/people/{w.person.slug}/timeline/",
    # Reviewer agreement (issue 14)
    "agreement/": lambda w: f"/agreement/?topic={w.topic.slug}",
    "agreement.json": lambda w: f"/agreement.json?topic={w.topic.slug}",
    "agreement/recompute/": lambda w: "/agreement/recompute/",
    # The competing-hypotheses matrix (issue 14)
    "topics/<slug:slug>/matrix/": lambda w: f"/topics/{w.topic.slug}/matrix/",
    "topics/<slug:slug>/matrix.csv": lambda w: f"/topics/{w.topic.slug}/matrix.csv",
    # The grade legend (issue 15)
    "grades/legend/": lambda w: "/grades/legend/",
    # The JSON API's review resources (issue 16)
    "api/v1/^source-grades/$": lambda w: "/api/v1/source-grades/",
    "api/v1/^source-grades/(?P<pk>[^/.]+)/$": lambda w: f"/api/v1/source-grades/{w.source_grade.pk}/",
    "api/v1/^citation-grades/$": lambda w: "/api/v1/citation-grades/",
    "api/v1/^citation-grades/(?P<pk>[^/.]+)/$": lambda w: f"/api/v1/citation-grades/{w.citation_grade.pk}/",
    "api/v1/^annotations/$": lambda w: "/api/v1/annotations/",
    "api/v1/^annotations/(?P<pk>[^/.]+)/$": lambda w: f"/api/v1/annotations/{w.annotation.pk}/",
    "api/v1/^annotations/(?P<pk>[^/.]+)/reply/$": lambda w: f"/api/v1/annotations/{w.annotation.pk}/reply/",
    "api/v1/^annotations/(?P<pk>[^/.]+)/withdraw/$": lambda w: f"/api/v1/annotations/{w.annotation.pk}/withdraw/",
    "api/v1/^disputes/$": lambda w: "/api/v1/disputes/",
    "api/v1/^disputes/(?P<pk>[^/.]+)/$": lambda w: f"/api/v1/disputes/{w.dispute.pk}/",
    "api/v1/^disputes/(?P<pk>[^/.]+)/withdraw/$": lambda w: f"/api/v1/disputes/{w.dispute.pk}/withdraw/",
    "api/v1/^disputes/(?P<pk>[^/.]+)/resolve/$": lambda w: f"/api/v1/disputes/{w.dispute.pk}/resolve/",
    "api/v1/^consistency-ratings/$": lambda w: "/api/v1/consistency-ratings/",
    "api/v1/^consistency-ratings/(?P<pk>[^/.]+)/$": lambda w: f"/api/v1/consistency-ratings/{w.rating.pk}/",
    "api/v1/^agreement/$": lambda w: "/api/v1/agreement/",
    # The JSON API (issue 16)
    "api/v1/": lambda w: "/api/v1/",
    "api/schema/": lambda w: "/api/schema/",
    "api/docs/": lambda w: "/api/docs/",
    **{f"api/v1/^{name}/$": lambda w, name=name: f"/api/v1/{name}/" for name in API_RECORDS},
    **{
        f"api/v1/^{name}/(?P<{field}>{pattern})/$": lambda w, name=name, key=key: f"/api/v1/{name}/{key(w)}/"
        for name, (field, pattern, key) in API_RECORDS.items()
    },
}


def client_for(world: World, persona: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    if persona != "anonymous":
        client.force_login(world.users[persona])
    return client


def answer(client: Client, method: str, path: str) -> str:
    """The status code, and for a redirect whether it goes to a login page. What the
    request changed is rolled back, so every request meets the same world."""
    with transaction.atomic():
        code = _answer(client, method, path)
        transaction.set_rollback(True)
    return code


def _answer(client: Client, method: str, path: str) -> str:
    # The CSRF cookie a browser has from any form page, and the form's token for it (a script
    # sends it in a header: the API's PUT, PATCH and DELETE, with an empty JSON body).
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    if method == "GET":
        response = client.get(path)
    elif method == "POST":
        response = client.post(path, {"csrfmiddlewaretoken": CSRF_SECRET})
    else:
        response = client.generic(method, path, "{}", content_type="application/json", HTTP_X_CSRFTOKEN=CSRF_SECRET)
    if response.status_code == 302 and "login/" in response["Location"]:
        return "L"
    return str(response.status_code)


# --- What each visitor gets --------------------------------------------------------------

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# Each route: the answers to GET and to an empty POST, for
#        anonymous, no role, Researcher, Reviewer, Editor, staff
# L: a redirect to the login page. Notable cells: a logged-in visitor of the login page is
# sent on (redirect_authenticated_user); staff accounts that are not superusers may not
# change the role groups themselves (auth/group: 403) nor see django-axes' login records
# (403: a superuser unlocks an address there, or `manage.py axes_reset_username` does); an
# empty POST to an admin delete page deletes what is not protected (302) and shows what
# protects the rest (200); an empty POST to a change page or to simple_history's page of an
# old version lacks the version the form was filled from, so the form comes back with that
# error (200) where nothing else is required; the Reviewer who raised the dispute may
# withdraw it, the Editor may resolve it, neither may do the other's part.
API_READ = ("401 403 200 200 200 200", "401 403 405 405 405 405")  # an API record: GET, POST
EXPECTED = {
    "admin/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/login/": ("200 200 200 200 200 302", "200 200 200 200 200 200"),
    "admin/logout/": ("302 302 302 302 302 405", "302 302 302 302 302   L"),
    "admin/password_change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/password_change/done/": ("  L   L   L   L   L 200", "  L   L   L   L   L 405"),
    "admin/autocomplete/": ("  L   L   L   L   L 200", "  L   L   L   L   L 405"),
    "admin/jsi18n/": ("  L   L   L   L   L 200", "  L   L   L   L   L 405"),
    "admin/r/<path:content_type_id>/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/auth/group/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/auth/group/add/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/auth/group/<path:object_id>/history/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/auth/group/<path:object_id>/delete/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/auth/group/<path:object_id>/change/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/auth/group/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/axes/accessattempt/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accessattempt/add/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accessattempt/<path:object_id>/history/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accessattempt/<path:object_id>/delete/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accessattempt/<path:object_id>/change/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accessattempt/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/axes/accesslog/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accesslog/add/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accesslog/<path:object_id>/history/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accesslog/<path:object_id>/delete/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accesslog/<path:object_id>/change/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accesslog/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/axes/accessfailurelog/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accessfailurelog/add/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accessfailurelog/<path:object_id>/history/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accessfailurelog/<path:object_id>/delete/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accessfailurelog/<path:object_id>/change/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/axes/accessfailurelog/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/claims/topic/^([^/]+)/history/([^/]+)/$": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/topic/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/topic/add/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/topic/<path:object_id>/history/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/topic/<path:object_id>/delete/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/topic/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/topic/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/claims/person/^([^/]+)/history/([^/]+)/$": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/person/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/person/add/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/person/<path:object_id>/history/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/person/<path:object_id>/delete/": ("  L   L   L   L   L 200", "  L   L   L   L   L 302"),
    "admin/claims/person/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/person/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/claims/source/process_import/": ("  L   L   L   L   L 405", "  L   L   L   L   L 200"),
    "admin/claims/source/import/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/source/export/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/source/^([^/]+)/history/([^/]+)/$": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/source/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/source/add/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/source/<path:object_id>/history/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/source/<path:object_id>/delete/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/source/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/source/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/claims/claim/process_import/": ("  L   L   L   L   L 405", "  L   L   L   L   L 200"),
    "admin/claims/claim/import/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/claim/export/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/claim/^([^/]+)/history/([^/]+)/$": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/claim/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/claim/add/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/claim/<path:object_id>/history/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/claim/<path:object_id>/delete/": ("  L   L   L   L   L 200", "  L   L   L   L   L 302"),
    "admin/claims/claim/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/claim/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/claims/citation/^([^/]+)/history/([^/]+)/$": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/citation/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/citation/add/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/citation/<path:object_id>/history/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/citation/<path:object_id>/delete/": ("  L   L   L   L   L 200", "  L   L   L   L   L 302"),
    "admin/claims/citation/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/citation/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/claims/sourceassessment/^([^/]+)/history/([^/]+)/$": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/sourceassessment/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/sourceassessment/add/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/sourceassessment/<path:object_id>/history/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/sourceassessment/<path:object_id>/delete/": ("  L   L   L   L   L 200", "  L   L   L   L   L 302"),
    "admin/claims/sourceassessment/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/sourceassessment/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/claims/citationassessment/^([^/]+)/history/([^/]+)/$": (
        "  L   L   L   L   L 200",
        "  L   L   L   L   L 200",
    ),
    "admin/claims/citationassessment/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/citationassessment/add/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/citationassessment/<path:object_id>/history/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/citationassessment/<path:object_id>/delete/": ("  L   L   L   L   L 200", "  L   L   L   L   L 302"),
    "admin/claims/citationassessment/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/citationassessment/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/claims/consistencyrating/^([^/]+)/history/([^/]+)/$": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/consistencyrating/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/consistencyrating/add/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/consistencyrating/<path:object_id>/history/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/consistencyrating/<path:object_id>/delete/": ("  L   L   L   L   L 200", "  L   L   L   L   L 302"),
    "admin/claims/consistencyrating/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/consistencyrating/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/claims/dispute/^([^/]+)/history/([^/]+)/$": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/dispute/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/dispute/add/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/dispute/<path:object_id>/history/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/dispute/<path:object_id>/delete/": ("  L   L   L   L   L 200", "  L   L   L   L   L 302"),
    "admin/claims/dispute/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/dispute/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/claims/annotation/^([^/]+)/history/([^/]+)/$": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/annotation/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/annotation/add/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/annotation/<path:object_id>/history/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/annotation/<path:object_id>/delete/": ("  L   L   L   L   L 200", "  L   L   L   L   L 302"),
    "admin/claims/annotation/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/annotation/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/claims/user/<id>/password/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    # Tokens are read-only in the admin (made on the account page), revoked by an action of the list.
    "admin/claims/apitoken/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/apitoken/add/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/claims/apitoken/<path:object_id>/history/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/apitoken/<path:object_id>/delete/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/claims/apitoken/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 403"),
    "admin/claims/apitoken/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/claims/user/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/user/add/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/user/<path:object_id>/history/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/user/<path:object_id>/delete/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/user/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/user/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
    "admin/<app_label>/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/(?P<url>.*)$": ("  L   L   L   L   L 404", "  L   L   L   L   L 404"),
    "accounts/login/": ("200 302 302 302 302 302", "200 302 302 302 302 302"),
    "accounts/logout/": ("405 405 405 405 405 405", "  L   L   L   L   L   L"),
    "accounts/password/": ("  L 200 200 200 200 200", "  L 200 200 200 200 200"),
    "accounts/password/done/": ("  L 200 200 200 200 200", "  L 405 405 405 405 405"),
    # One's own account and API tokens (issue 16): an empty POST shows the form with its error;
    # only the token's owner (the Researcher) may revoke it, others are told there is no such token.
    "accounts/": ("  L 200 200 200 200 200", "  L 200 200 200 200 200"),
    "accounts/tokens/<int:pk>/revoke/": ("405 405 405 405 405 405", "  L 404 302 404 404 404"),
    "": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "topics/<slug:slug>/": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "claims/": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "claims/new/": ("  L 403 200 200 200 200", "  L 403 200 200 200 200"),
    "claims/export.csv": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    # Background jobs: the Researcher's export is theirs alone (404 for everyone else)
    "jobs/": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "jobs/claims-export/": ("405 405 405 405 405 405", "  L 403 302 302 302 302"),
    "jobs/<uuid:job_id>/": ("  L 403 200 404 404 404", "405 405 405 405 405 405"),
    "jobs/<uuid:job_id>/progress.json": ("  L 403 200 404 404 404", "405 405 405 405 405 405"),
    "jobs/<uuid:job_id>/download/": ("  L 403 200 404 404 404", "405 405 405 405 405 405"),
    "claims/import/": ("  L 403 403 403 200 200", "  L 403 403 403 200 200"),
    "claims/import/confirm/": ("405 405 405 405 405 405", "  L 403 403 403 302 302"),
    "claims/example.csv": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    # citations.csv: exported as the claims are, imported by who imports claims
    "citations/export.csv": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "citations/import/": ("  L 403 403 403 200 200", "  L 403 403 403 200 200"),
    "citations/import/confirm/": ("405 405 405 405 405 405", "  L 403 403 403 302 302"),
    "citations/example.csv": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "claims/<slug:key>/": ("  L 403 200 200 200 200", "  L 403 405 405 405 405"),
    "claims/<slug:key>.jsonld": ("  L 403 200 200 200 200", "  L 403 405 405 405 405"),
    "claims/<slug:key>/annotations.jsonld": ("  L 403 200 200 200 200", "  L 403 405 405 405 405"),
    "annotations.jsonld": ("  L 403 200 200 200 200", "  L 403 405 405 405 405"),
    "annotations/<int:pk>.jsonld": ("  L 403 200 200 200 200", "  L 403 405 405 405 405"),
    "users/<int:pk>.jsonld": ("  L 403 200 200 200 200", "  L 403 405 405 405 405"),
    "claims/<slug:key>/history/<int:history_id>/restore/": ("405 405 405 405 405 405", "  L 403 403 403 302 302"),
    "claims/<slug:key>/edit/": ("  L 403 200 403 200 200", "  L 403 200 403 200 200"),
    "claims/<slug:key>/citations/new/": ("  L 403 200 200 200 200", "  L 403 200 200 200 200"),
    "citations/<int:pk>/edit/": ("  L 403 200 403 200 200", "  L 403 200 403 200 200"),
    "citations/<int:pk>/grade/": ("  L 403 403 200 200 200", "  L 403 403 200 200 200"),
    # Every reader sees a cell of the matrix; who grades rates it (an empty POST: the form again).
    "citations/<int:pk>/consistency/<slug:claim_key>/": ("  L 403 200 200 200 200", "  L 403 403 200 200 200"),
    "sources/": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "sources/new/": ("  L 403 200 200 200 200", "  L 403 200 200 200 200"),
    "sources/export.csv": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "sources/import/": ("  L 403 403 403 200 200", "  L 403 403 403 200 200"),
    "sources/import/confirm/": ("405 405 405 405 405 405", "  L 403 403 403 302 302"),
    "sources/import/references/": ("  L 403 403 403 200 200", "  L 403 403 403 200 200"),
    "sources/import/references/confirm/": ("405 405 405 405 405 405", "  L 403 403 403 302 302"),
    "sources/export.json": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "sources/export.bib": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "sources/export.ris": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "sources/example.csv": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "sources/<slug:key>/": ("  L 403 200 200 200 200", "  L 403 405 405 405 405"),
    "sources/<slug:key>/edit/": ("  L 403 200 403 200 200", "  L 403 200 403 200 200"),
    "sources/<slug:key>/grade/": ("  L 403 403 200 200 200", "  L 403 403 200 200 200"),
    "people/new/": ("  L 403 200 200 200 200", "  L 403 200 200 200 200"),
    "people/suggest.json": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "sources/suggest.json": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    # Adding from within a form (issue 15): an empty POST names what is missing (400), nothing added.
    "people/add.json": ("405 405 405 405 405 405", "  L 403 400 400 400 400"),
    "sources/add.json": ("405 405 405 405 405 405", "  L 403 400 400 400 400"),
    "dates/parse.json": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "people/<slug:slug>/": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "people/<slug:slug>/edit/": ("  L 403 200 403 200 200", "  L 403 200 403 200 200"),
    "annotations/on/<str:kind>/<int:pk>/": ("  L 403 200 200 200 200", "  L 403 200 200 200 200"),
    "annotations/<int:pk>/reply/": ("  L 403 200 200 200 200", "  L 403 200 200 200 200"),
    "annotations/<int:pk>/edit/": ("  L 403 200 403 200 200", "  L 403 200 403 200 200"),
    "annotations/<int:pk>/withdraw/": ("  L 403 405 405 405 405", "  L 403 302 403 302 302"),
    "disputes/": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "disputes/new/<str:kind>/<int:pk>/": ("  L 403 403 200 200 200", "  L 403 403 200 200 200"),
    "disputes/<int:pk>/": ("  L 403 200 200 200 200", "  L 403 405 405 405 405"),
    "disputes/<int:pk>/withdraw/": ("  L 403 405 405 405 405", "  L 403 403 302 403 302"),
    "disputes/<int:pk>/resolve/": ("  L 403 405 405 405 405", "  L 403 403 403 200 200"),
    "review/": ("  L 403 403 200 200 200", "405 405 405 405 405 405"),
    "review/adjudicate/": ("  L 403 403 403 200 200", "405 405 405 405 405 405"),
    # A source's genealogy: the Researcher added the source, so they and the Editor may relate it;
    # an empty POST lacks the other source (new) or the version (edit: the form again; remove: a message).
    "sources/<slug:key>/relations/new/": ("  L 403 200 403 200 200", "  L 403 200 403 200 200"),
    "sources/<slug:key>/relations/<int:pk>/edit/": ("  L 403 200 403 200 200", "  L 403 200 403 200 200"),
    "sources/<slug:key>/relations/<int:pk>/remove/": ("  L 403 405 405 405 405", "  L 403 302 403 302 302"),
    "conflicts/": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "topics/<slug:slug>/timeline/": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "people/<slug:slug>/timeline/": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "agreement/": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "agreement.json": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "agreement/recompute/": ("405 405 405 405 405 405", "  L 403 403 403 302 302"),
    "topics/<slug:slug>/matrix/": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "grades/legend/": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    "topics/<slug:slug>/matrix.csv": ("  L 403 200 200 200 200", "405 405 405 405 405 405"),
    # The JSON API's review resources (issue 16): no login page, 401 asking for a token; a method
    # an address does not take is 405 once the visitor may read (GET, POST, PUT, PATCH, DELETE). An empty POST lacks what a write
    # needs (400) where the role allows it: grading is for Reviewers and Editors, withdrawing a
    # note for its author (the Researcher) and Editors, withdrawing the dispute for the Reviewer
    # who raised it and staff, resolving it for Editors with no stake in it.
    "api/v1/^source-grades/$": (
        "401 403 200 200 200 200",
        "401 403 403 400 400 400",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^source-grades/(?P<pk>[^/.]+)/$": (
        "401 403 200 200 200 200",
        "401 403 405 405 405 405",
        "401 403 403 400 400 400",
        "401 403 403 400 400 400",
        "401 403 405 405 405 405",
    ),
    "api/v1/^citation-grades/$": (
        "401 403 200 200 200 200",
        "401 403 403 400 400 400",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^citation-grades/(?P<pk>[^/.]+)/$": (
        "401 403 200 200 200 200",
        "401 403 405 405 405 405",
        "401 403 403 403 400 400",
        "401 403 403 403 400 400",
        "401 403 405 405 405 405",
    ),
    "api/v1/^annotations/$": (
        "401 403 200 200 200 200",
        "401 403 400 400 400 400",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^annotations/(?P<pk>[^/.]+)/$": (
        "401 403 200 200 200 200",
        "401 403 405 405 405 405",
        "401 403 400 403 400 400",
        "401 403 400 403 400 400",
        "401 403 405 405 405 405",
    ),
    "api/v1/^annotations/(?P<pk>[^/.]+)/reply/$": (
        "401 403 405 405 405 405",
        "401 403 400 400 400 400",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^annotations/(?P<pk>[^/.]+)/withdraw/$": (
        "401 403 405 405 405 405",
        "401 403 400 403 400 400",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^disputes/$": (
        "401 403 200 200 200 200",
        "401 403 400 400 400 400",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^disputes/(?P<pk>[^/.]+)/$": (
        "401 403 200 200 200 200",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^disputes/(?P<pk>[^/.]+)/withdraw/$": (
        "401 403 405 405 405 405",
        "401 403 403 400 403 400",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^disputes/(?P<pk>[^/.]+)/resolve/$": (
        "401 403 405 405 405 405",
        "401 403 403 403 400 400",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^consistency-ratings/$": (
        "401 403 200 200 200 200",
        "401 403 403 400 400 400",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^consistency-ratings/(?P<pk>[^/.]+)/$": (
        "401 403 200 200 200 200",
        "401 403 405 405 405 405",
        "401 403 403 400 403 403",
        "401 403 403 400 403 403",
        "401 403 405 405 405 405",
    ),
    "api/v1/^agreement/$": (
        "401 403 200 200 200 200",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    # The JSON API (issue 16): GET, POST, PUT, PATCH, DELETE. Never the login page: 401 with the
    # token's challenge, 403 without a role to read (as the pages). An empty POST adds nothing (400:
    # what is missing); an empty PUT or PATCH by whoever may edit the record lacks its fields or its
    # version (400), the others may not (403: the Researcher added all but the topic, the Editor's);
    # DELETE is staff's, as in the admin: the topic and the source are still in use (400).
    "api/v1/": ("401 403 200 200 200 200", *["401 403 405 405 405 405"] * 4),
    "api/schema/": ("401 200 200 200 200 200", *["401 405 405 405 405 405"] * 4),
    "api/docs/": ("  L 200 200 200 200 200", *["  L 405 405 405 405 405"] * 4),
    **{
        f"api/v1/^{name}/$": ("401 403 200 200 200 200", "401 403 400 400 400 400", *["401 403 405 405 405 405"] * 3)
        for name in API_RECORDS
    },
    API_DETAIL["topics"]: (*API_READ, *["401 403 403 403 400 400"] * 2, "401 403 403 403 403 400"),
    API_DETAIL["sources"]: (*API_READ, *["401 403 400 403 400 400"] * 2, "401 403 403 403 403 400"),
    **{
        API_DETAIL[name]: (*API_READ, *["401 403 400 403 400 400"] * 2, "401 403 403 403 403 204")
        for name in ("people", "claims", "citations")
    },
}


def test_every_url_of_the_urlconf_has_an_entry():
    routes = set(urlconf_routes())
    assert sorted(routes - set(EXPECTED)) == [], "URLs with no expected answers: add them to EXPECTED and ROUTES"
    assert sorted(set(EXPECTED) - routes) == [], "EXPECTED names URLs the project no longer has"
    assert set(ROUTES) == set(EXPECTED)


def wrong_answers(world: World, path: str, rows: tuple[str, ...]) -> list[str]:
    """Each visitor asks for path with GET and POST (and PUT, PATCH and DELETE, for the API's
    rows, which have five); what differs from rows (see EXPECTED)."""
    wrong = []
    for method, row in zip(METHODS, rows):
        for persona, wanted in zip(PERSONAS, row.split(), strict=True):
            got = answer(client_for(world, persona), method, path)
            if got != wanted:
                wrong.append(f"{method} {path} as {persona}: expected {wanted}, got {got}")
    return wrong


@pytest.mark.parametrize("route", list(EXPECTED))
def test_each_visitor_gets_the_answer_their_role_allows(world, route):
    wrong = wrong_answers(world, ROUTES[route](world), EXPECTED[route])
    assert not wrong, "\n".join(wrong)


# The user admin's pages of one account, for the other kinds of account (EXPECTED has the
# Researcher's, a plain account, whose rows are unchanged: staff manage plain accounts). Staff
# accounts that are not superusers only view a superuser or another staff account (change:
# 200 to GET, 403 to POST; delete: 403), and set no password but a plain account's (403):
# their own they correct, but change its password at accounts/password/, which asks for the
# current one. Nobody else gets past the admin's login.
ACCOUNT_ROWS_OF_OTHERS = {
    "admin/claims/user/<id>/password/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/claims/user/<path:object_id>/history/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    "admin/claims/user/<path:object_id>/delete/": ("  L   L   L   L   L 403", "  L   L   L   L   L 403"),
    "admin/claims/user/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 403"),
    "admin/claims/user/<path:object_id>/": ("  L   L   L   L   L 302", "  L   L   L   L   L 302"),
}
EXPECTED_FOR_ACCOUNTS = {
    "superuser": ACCOUNT_ROWS_OF_OTHERS,
    "other_staff": ACCOUNT_ROWS_OF_OTHERS,
    "staff": {
        **ACCOUNT_ROWS_OF_OTHERS,  # the staff account's own
        "admin/claims/user/<path:object_id>/change/": ("  L   L   L   L   L 200", "  L   L   L   L   L 200"),
    },
}


def test_every_page_of_the_user_admin_about_one_account_has_rows_for_each_kind_of_account():
    pages = {route for route in urlconf_routes() if route.startswith("admin/claims/user/<")}
    assert all(set(rows) == pages for rows in EXPECTED_FOR_ACCOUNTS.values())


@pytest.mark.parametrize("route", list(ACCOUNT_ROWS_OF_OTHERS))
@pytest.mark.parametrize("account", list(EXPECTED_FOR_ACCOUNTS))
def test_staff_that_are_not_superusers_only_view_other_staff_and_superuser_accounts(world, account, route):
    path = ROUTES[route](world).replace(f"/{world.users['researcher'].pk}/", f"/{world.users[account].pk}/")
    wrong = wrong_answers(world, path, EXPECTED_FOR_ACCOUNTS[account][route])
    assert not wrong, "\n".join(wrong)


# Expires is the time of the response (never_cache), so it may differ by a second; each
# request has its own id (annotator.request_log).
HEADERS_OF_THE_MOMENT = {"Expires", "X-Request-ID"}


def asked(client: Client, method: str, path: str):
    """The response to a GET or a HEAD, what it changed rolled back, its body read."""
    with transaction.atomic():
        response = client.generic(method, path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    return response, body


@pytest.mark.parametrize("route", list(EXPECTED))
def test_head_gets_the_answer_get_gets_without_the_body(world, route):
    """HTTP's HEAD is a GET without the body: the same status, redirect and headers
    (Content-Length included, so a HEAD cannot take a form page's other branch)."""
    path = ROUTES[route](world)
    wrong = []
    for persona, wanted in zip(PERSONAS, EXPECTED[route][0].split(), strict=True):
        get, _ = asked(client_for(world, persona), "GET", path)
        head, body = asked(client_for(world, persona), "HEAD", path)
        got = "L" if head.status_code == 302 and "login/" in head["Location"] else str(head.status_code)
        names = (set(head.headers) | set(get.headers)) - HEADERS_OF_THE_MOMENT
        differ = {
            name: (head.headers.get(name), get.headers.get(name))
            for name in sorted(names)
            if head.headers.get(name) != get.headers.get(name)
        }
        if got != wanted:
            wrong.append(f"HEAD {path} as {persona}: expected {wanted} as for GET, got {got}")
        elif differ:
            wrong.append(f"HEAD {path} as {persona}: headers (HEAD, GET) differ: {differ}")
        elif body:
            wrong.append(f"HEAD {path} as {persona}: a body of {len(body)} bytes")
    assert not wrong, "\n".join(wrong)


MISSING = 987654  # no object has this id
MISSING_OBJECT_PATHS = {  # each route with a parameter, asked about an object that does not exist
    "topics/<slug:slug>/": "/topics/no-such-topic/",
    "claims/<slug:key>/": "/claims/no-such-claim/",
    "claims/<slug:key>.jsonld": "/claims/no-such-claim.jsonld",
    "claims/<slug:key>/annotations.jsonld": "/claims/no-such-claim/annotations.jsonld",
    "annotations/<int:pk>.jsonld": f"/annotations/{MISSING}.jsonld",
    "users/<int:pk>.jsonld": f"/users/{MISSING}.jsonld",
    "claims/<slug:key>/edit/": "/claims/no-such-claim/edit/",
    "claims/<slug:key>/history/<int:history_id>/restore/": f"/claims/no-such-claim/history/{MISSING}/restore/",
    "claims/<slug:key>/citations/new/": "/claims/no-such-claim/citations/new/",
    "citations/<int:pk>/edit/": f"/citations/{MISSING}/edit/",
    "citations/<int:pk>/grade/": f"/citations/{MISSING}/grade/",
    "citations/<int:pk>/consistency/<slug:claim_key>/": f"/citations/{MISSING}/consistency/execution-12-june/",
    "sources/<slug:key>/": "/sources/no-such-source/",
    "sources/<slug:key>/edit/": "/sources/no-such-source/edit/",
    "sources/<slug:key>/grade/": "/sources/no-such-source/grade/",
    "people/<slug:slug>/": "/people/no-such-person/",
    "people/<slug:slug>/edit/": "/people/no-such-person/edit/",
    "annotations/on/<str:kind>/<int:pk>/": f"/annotations/on/claim/{MISSING}/",
    "annotations/<int:pk>/reply/": f"/annotations/{MISSING}/reply/",
    "annotations/<int:pk>/edit/": f"/annotations/{MISSING}/edit/",
    "annotations/<int:pk>/withdraw/": f"/annotations/{MISSING}/withdraw/",
    "disputes/new/<str:kind>/<int:pk>/": f"/disputes/new/citation-grade/{MISSING}/",
    "disputes/<int:pk>/": f"/disputes/{MISSING}/",
    "disputes/<int:pk>/withdraw/": f"/disputes/{MISSING}/withdraw/",
    "disputes/<int:pk>/resolve/": f"/disputes/{MISSING}/resolve/",
    "jobs/<uuid:job_id>/": "/jobs/00000000-0000-4000-8000-000000000000/",
    "jobs/<uuid:job_id>/progress.json": "/jobs/00000000-0000-4000-8000-000000000000/progress.json",
    "jobs/<uuid:job_id>/download/": "/jobs/00000000-0000-4000-8000-000000000000/download/",
    "sources/<slug:key>/relations/new/": "/sources/no-such-source/relations/new/",
    "sources/<slug:key>/relations/<int:pk>/edit/": f"/sources/rogovin-1937/relations/{MISSING}/edit/",
    "sources/<slug:key>/relations/<int:pk>/remove/": f"/sources/rogovin-1937/relations/{MISSING}/remove/",
    "topics/<slug:slug>/timeline/": "/topics/no-such-topic/timeline/",
    "people/<slug:slug>/timeline/": "/people/no-such-person/timeline/",
    "topics/<slug:slug>/matrix/": "/topics/no-such-topic/matrix/",
    "topics/<slug:slug>/matrix.csv": "/topics/no-such-topic/matrix.csv",
    "accounts/tokens/<int:pk>/revoke/": f"/accounts/tokens/{MISSING}/revoke/",
    "api/v1/^source-grades/(?P<pk>[^/.]+)/$": f"/api/v1/source-grades/{MISSING}/",
    "api/v1/^citation-grades/(?P<pk>[^/.]+)/$": f"/api/v1/citation-grades/{MISSING}/",
    "api/v1/^annotations/(?P<pk>[^/.]+)/$": f"/api/v1/annotations/{MISSING}/",
    "api/v1/^annotations/(?P<pk>[^/.]+)/reply/$": f"/api/v1/annotations/{MISSING}/reply/",
    "api/v1/^annotations/(?P<pk>[^/.]+)/withdraw/$": f"/api/v1/annotations/{MISSING}/withdraw/",
    "api/v1/^disputes/(?P<pk>[^/.]+)/$": f"/api/v1/disputes/{MISSING}/",
    "api/v1/^disputes/(?P<pk>[^/.]+)/withdraw/$": f"/api/v1/disputes/{MISSING}/withdraw/",
    "api/v1/^disputes/(?P<pk>[^/.]+)/resolve/$": f"/api/v1/disputes/{MISSING}/resolve/",
    "api/v1/^consistency-ratings/(?P<pk>[^/.]+)/$": f"/api/v1/consistency-ratings/{MISSING}/",
    **{API_DETAIL[name]: f"/api/v1/{name}/no-such-record/" for name in ("topics", "people", "sources", "claims")},
    API_DETAIL["citations"]: f"/api/v1/citations/{MISSING}/",
}


# The same for an object that does not exist: readers get 404 where they could act on an
# existing one; a refusal by role comes first (it never tells whether the object exists);
# where only the object's owner may act (withdraw, edit an annotation), the object is
# looked up first, so others get 404 instead of 403.
EXPECTED_FOR_MISSING_OBJECTS = {
    "topics/<slug:slug>/": ("  L 403 404 404 404 404", "405 405 405 405 405 405"),
    "claims/<slug:key>/": ("  L 403 404 404 404 404", "  L 403 405 405 405 405"),
    "claims/<slug:key>.jsonld": ("  L 403 404 404 404 404", "  L 403 405 405 405 405"),
    "claims/<slug:key>/annotations.jsonld": ("  L 403 404 404 404 404", "  L 403 405 405 405 405"),
    "annotations/<int:pk>.jsonld": ("  L 403 404 404 404 404", "  L 403 405 405 405 405"),
    "users/<int:pk>.jsonld": ("  L 403 404 404 404 404", "  L 403 405 405 405 405"),
    "claims/<slug:key>/history/<int:history_id>/restore/": ("405 405 405 405 405 405", "  L 403 404 404 404 404"),
    "claims/<slug:key>/edit/": ("  L 403 404 404 404 404", "  L 403 404 404 404 404"),
    "claims/<slug:key>/citations/new/": ("  L 403 404 404 404 404", "  L 403 404 404 404 404"),
    "citations/<int:pk>/edit/": ("  L 403 404 404 404 404", "  L 403 404 404 404 404"),
    "citations/<int:pk>/grade/": ("  L 403 403 404 404 404", "  L 403 403 404 404 404"),
    "citations/<int:pk>/consistency/<slug:claim_key>/": ("  L 403 404 404 404 404", "  L 403 403 404 404 404"),
    "sources/<slug:key>/": ("  L 403 404 404 404 404", "  L 403 405 405 405 405"),
    "sources/<slug:key>/edit/": ("  L 403 404 404 404 404", "  L 403 404 404 404 404"),
    "sources/<slug:key>/grade/": ("  L 403 403 404 404 404", "  L 403 403 404 404 404"),
    "people/<slug:slug>/": ("  L 403 404 404 404 404", "405 405 405 405 405 405"),
    "people/<slug:slug>/edit/": ("  L 403 404 404 404 404", "  L 403 404 404 404 404"),
    "annotations/on/<str:kind>/<int:pk>/": ("  L 403 404 404 404 404", "  L 403 404 404 404 404"),
    "annotations/<int:pk>/reply/": ("  L 403 404 404 404 404", "  L 403 404 404 404 404"),
    "annotations/<int:pk>/edit/": ("  L 403 404 404 404 404", "  L 403 404 404 404 404"),
    "annotations/<int:pk>/withdraw/": ("  L 403 405 405 405 405", "  L 403 404 404 404 404"),
    "disputes/new/<str:kind>/<int:pk>/": ("  L 403 403 404 404 404", "  L 403 403 404 404 404"),
    "disputes/<int:pk>/": ("  L 403 404 404 404 404", "  L 403 405 405 405 405"),
    "disputes/<int:pk>/withdraw/": ("  L 403 405 405 405 405", "  L 403 404 404 404 404"),
    "disputes/<int:pk>/resolve/": ("  L 403 405 405 405 405", "  L 403 403 403 404 404"),
    "jobs/<uuid:job_id>/": ("  L 403 404 404 404 404", "405 405 405 405 405 405"),
    "jobs/<uuid:job_id>/progress.json": ("  L 403 404 404 404 404", "405 405 405 405 405 405"),
    "jobs/<uuid:job_id>/download/": ("  L 403 404 404 404 404", "405 405 405 405 405 405"),
    "sources/<slug:key>/relations/new/": ("  L 403 404 404 404 404", "  L 403 404 404 404 404"),
    # (An unknown relation of a known source: refused by role first, as for an existing one.)
    "sources/<slug:key>/relations/<int:pk>/edit/": ("  L 403 404 403 404 404", "  L 403 404 403 404 404"),
    "sources/<slug:key>/relations/<int:pk>/remove/": ("  L 403 405 405 405 405", "  L 403 404 403 404 404"),
    "topics/<slug:slug>/timeline/": ("  L 403 404 404 404 404", "405 405 405 405 405 405"),
    "people/<slug:slug>/timeline/": ("  L 403 404 404 404 404", "405 405 405 405 405 405"),
    "topics/<slug:slug>/matrix/": ("  L 403 404 404 404 404", "405 405 405 405 405 405"),
    "topics/<slug:slug>/matrix.csv": ("  L 403 404 404 404 404", "405 405 405 405 405 405"),
    "accounts/tokens/<int:pk>/revoke/": ("405 405 405 405 405 405", "  L 404 404 404 404 404"),
    "api/v1/^source-grades/(?P<pk>[^/.]+)/$": (
        "401 403 404 404 404 404",
        "401 403 405 405 405 405",
        "401 403 403 404 404 404",
        "401 403 403 404 404 404",
        "401 403 405 405 405 405",
    ),
    "api/v1/^citation-grades/(?P<pk>[^/.]+)/$": (
        "401 403 404 404 404 404",
        "401 403 405 405 405 405",
        "401 403 403 404 404 404",
        "401 403 403 404 404 404",
        "401 403 405 405 405 405",
    ),
    "api/v1/^annotations/(?P<pk>[^/.]+)/$": (
        "401 403 404 404 404 404",
        "401 403 405 405 405 405",
        "401 403 404 404 404 404",
        "401 403 404 404 404 404",
        "401 403 405 405 405 405",
    ),
    "api/v1/^annotations/(?P<pk>[^/.]+)/reply/$": (
        "401 403 405 405 405 405",
        "401 403 404 404 404 404",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^annotations/(?P<pk>[^/.]+)/withdraw/$": (
        "401 403 405 405 405 405",
        "401 403 404 404 404 404",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^disputes/(?P<pk>[^/.]+)/$": (
        "401 403 404 404 404 404",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^disputes/(?P<pk>[^/.]+)/withdraw/$": (
        "401 403 405 405 405 405",
        "401 403 404 404 404 404",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^disputes/(?P<pk>[^/.]+)/resolve/$": (
        "401 403 405 405 405 405",
        "401 403 403 403 404 404",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
        "401 403 405 405 405 405",
    ),
    "api/v1/^consistency-ratings/(?P<pk>[^/.]+)/$": (
        "401 403 404 404 404 404",
        "401 403 405 405 405 405",
        "401 403 403 404 404 404",
        "401 403 403 404 404 404",
        "401 403 405 405 405 405",
    ),
    # (The API looks the record up first: 404 for every method it takes, to whoever may read.)
    **{
        route: ("401 403 404 404 404 404", "401 403 405 405 405 405", *["401 403 404 404 404 404"] * 3)
        for route in API_DETAIL.values()
    },
}


def test_every_url_with_an_object_has_an_entry_for_a_missing_one():
    with_objects = {route for route in urlconf_routes() if "<" in route and not route.startswith("admin/")}
    assert with_objects == set(MISSING_OBJECT_PATHS) == set(EXPECTED_FOR_MISSING_OBJECTS)


@pytest.mark.parametrize("route", list(EXPECTED_FOR_MISSING_OBJECTS))
def test_a_missing_object_is_not_found_by_whoever_may_act_on_it(world, route):
    wrong = wrong_answers(world, MISSING_OBJECT_PATHS[route], EXPECTED_FOR_MISSING_OBJECTS[route])
    assert not wrong, "\n".join(wrong)

"""No input gives a 500 (issue 10): generated values sent to every form the URLconf reaches,
to every query parameter and to every part of a path, by every persona.

Nothing is listed by hand. For every route of tests/test_url_matrix.py (its ROUTES, for its
world) each persona fetches the page; every <form> on it is parsed as a browser reads it
(tests/fuzzing.py), and so are the page's links to itself (the admin's filters, page
numbers); a valid CSV is uploaded to every file field, so the import previews' confirm forms
are found too. Hypothesis then sends, to each form's action and each page's query string:
the page's own values and valid choices, mixed with ids that no row has or that a database
cannot hold (0, -1, 2**63, 99999999999999999999), NUL characters, megabyte strings, wrong
types (several values for one, a file for text, a field left out) and unicode edge cases
(combining marks, right-to-left text, emoji; a form post cannot carry a lone surrogate).

Every answer must not be a 500, and no error message may quote more than QUOTE_LIMIT
characters of a value sent (claims/quoting.py): a form may show a person's input back in
its field, but a megabyte value must not come back as a megabyte message. Each example runs
in a transaction that is rolled back, so every example meets the same world.

CI runs a fixed number of derandomized examples (conftest.py's "ci" profile) and, always,
the sweeps below: every form, page and part of a path once with each kind of input that gave
a 500 (tests/test_bad_input.py keeps one example of each as a plain test of what a person
sees instead). HYPOTHESIS_PROFILE=thorough runs many more examples, at random.
"""

import re
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.db import transaction
from django.urls import resolve
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from rest_framework import serializers

from claims.api import records as api_records
from claims.api import review_annotations, review_disputes, review_grades, review_ratings
from claims.forms.entry import PersonQuickForm, SourceQuickForm
from tests.fuzzing import (
    BIG,
    FILE_LABELS,
    HUGE_IDS,
    ODD_TEXT,
    Control,
    Named,
    Target,
    client_as,
    crawl,
    materialized,
    path_from_route,
    route_of,
    route_parameters,
    session_cookies,
    with_uploads,
    wrong_with,
)
from tests.test_url_matrix import EXPECTED, PERSONAS, ROUTES, World, shared_world, world  # noqa: F401 (fixtures)

# Some 3,000 requests, none of whose contexts is read.
pytestmark = pytest.mark.usefixtures("templates_render_plainly")


# --- Sending --------------------------------------------------------------------------


def send(cookies: dict[str, str], target: Target, values: dict):
    """One request as the persona; whatever it changed is rolled back."""
    data = materialized(values)
    client = client_as(cookies, target.persona)
    with transaction.atomic():
        if target.method == "GET":
            response = client.get(target.path, {**dict(target.fixed), **data})
        else:
            response = client.post(target.path + (f"?{urlencode(target.fixed)}" if target.fixed else ""), data)
        transaction.set_rollback(True)
    return response, data


def check(cookies: dict[str, str], target: Target, values: dict) -> str | None:
    response, data = send(cookies, target, values)
    problem = wrong_with(response, data)
    return f"{target}: {problem}; sent {short(values)}" if problem else None


def short(values: dict) -> str:
    def one(value):
        if isinstance(value, list):
            return "[" + ", ".join(one(v) for v in value) + "]"
        text = repr(value)
        return text if len(text) <= 60 else text[:60] + f"…({len(text):,})"

    return "{" + ", ".join(f"{name}: {one(value)}" for name, value in values.items()) + "}"


# --- What hypothesis draws --------------------------------------------------------------

BAD = st.sampled_from([*HUGE_IDS, *ODD_TEXT, *(Named(label) for label in BIG)])
# Text a person might type: any character a form post can carry, slugs, dates, numbers.
PLAUSIBLE = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.from_regex(r"[a-z][a-z0-9-]{0,30}", fullmatch=True),
    st.sampled_from(
        [
            "1937",
            "1937-06-12",
            "[1937-06-11,1937-06-12]",
            "1937-06-11T23:35:00",
            "1937?",
            "B",
            "2",
            "https://example.org/a",
            "correct horse battery staple 1937",
            "1",
        ]
    ),
    st.integers(-(2**70), 2**70).map(str),
)
FILES = st.sampled_from(FILE_LABELS).map(Named)
HOW = ["keep"] * 4 + ["valid"] * 2 + ["plausible", "bad", "bad", "wrong"]


def kept(control):
    """What a browser sends for the control as the page filled it in (None: nothing)."""
    if not control.default:
        return None
    return list(control.default) if control.kind in {"multiple", "checkbox"} else control.default[-1]


def value_for(control, *, changed: bool = False):
    """Mostly what the page offers; else something a person might type, bad input, or a
    wrong type. changed: never the page's own value."""
    many = control.kind in {"multiple", "checkbox"}
    valid = st.sampled_from(control.options) if control.options else PLAUSIBLE
    if many and control.options:
        valid = st.lists(valid, max_size=3, unique=True)
    if control.kind == "file":
        valid = FILES

    def how(way: str):
        if way == "keep":
            return st.just(kept(control))
        if way == "valid":
            return valid
        if way == "plausible":
            return PLAUSIBLE
        if way == "bad":
            return st.lists(BAD, min_size=1, max_size=3) if many else BAD
        return st.one_of(  # a wrong type: several values for one, a file for text, left out
            st.lists(st.one_of(valid, BAD), min_size=2, max_size=3), FILES, st.none()
        )

    return st.sampled_from([way for way in HOW if not (changed and way == "keep")]).flatmap(how)


def values_for(target: Target):
    """Either one control changed and the rest as the page filled them in (so that a bad value
    gets past the form's other checks to the code behind it), or every control drawn."""
    controls = target.controls
    page = {c.name: kept(c) for c in controls}
    one = st.sampled_from(controls).flatmap(lambda c: value_for(c, changed=True).map(lambda v: {**page, c.name: v}))
    return st.one_of(one, st.fixed_dictionaries({c.name: value_for(c) for c in controls}))


# --- The generated examples ------------------------------------------------------------

PART = st.one_of(st.sampled_from([v for v in (*HUGE_IDS, *ODD_TEXT) if v]), PLAUSIBLE.filter(bool))


# What scripts POST, not a <form> (claims/views/entry.py): the people field's "add a new person"
# and the citation form's "New source", each the fields of its small form.
SCRIPT_FORMS = {"/people/add.json": PersonQuickForm(), "/sources/add.json": SourceQuickForm(prefix="new_source")}


# What scripts send the JSON API (claims/api/): each list's query parameters, and each record's
# writable fields to its list (a form's encoding, which the API reads as it reads JSON).
API_LISTS = {
    "/api/v1/claims/": [p.name for p in api_records.CLAIM_LIST_PARAMS] + ["cursor", "page_size"],
    "/api/v1/people/": ["q", "cursor", "page_size"],
    "/api/v1/sources/": ["q", "kind", "cursor", "page_size"],
    "/api/v1/citations/": ["claim", "source", "cursor", "page_size"],
    "/api/v1/topics/": ["cursor", "page_size"],
}
API_WRITES = {
    "/api/v1/claims/": api_records.ClaimViewSet.serializer_class,
    "/api/v1/people/": api_records.PersonViewSet.serializer_class,
    "/api/v1/sources/": api_records.SourceViewSet.serializer_class,
    "/api/v1/citations/": api_records.CitationViewSet.serializer_class,
    "/api/v1/topics/": api_records.TopicViewSet.serializer_class,
}


# The review resources' writes (claims/api/review_*.py), each with what it reads from the request,
# at the world's address of its route (the URL matrix's ROUTES).
API_REVIEW_WRITES = {
    "api/v1/^source-grades/$": review_grades.SourceGradeCreate,
    "api/v1/^citation-grades/$": review_grades.CitationGradeCreate,
    "api/v1/^consistency-ratings/$": review_ratings.RatingCreate,
    "api/v1/^annotations/$": review_annotations.AnnotationCreate,
    "api/v1/^annotations/(?P<pk>[^/.]+)/reply/$": review_annotations._NoteIn,
    "api/v1/^annotations/(?P<pk>[^/.]+)/withdraw/$": review_annotations.VersionIn,
    "api/v1/^disputes/$": review_disputes.DisputeRaise,
    "api/v1/^disputes/(?P<pk>[^/.]+)/withdraw/$": review_disputes.DisputeWithdraw,
    "api/v1/^disputes/(?P<pk>[^/.]+)/resolve/$": review_disputes.DisputeResolve,
}


def api_controls(serializer_class) -> tuple[Control, ...]:
    def control(name, field) -> Control:
        if isinstance(field, serializers.ChoiceField):  # (not a related field: its choices would read the table)
            return Control(name, "select", tuple(str(value) for value in field.choices))
        return Control(name, "multiple" if isinstance(field, serializers.ManyRelatedField) else "text")

    return tuple(control(name, field) for name, field in serializer_class().fields.items() if not field.read_only)


def script_targets(personas, routes: dict[str, str]) -> list[Target]:
    def control(field) -> Control:
        choices = tuple(str(value) for value, _label in getattr(field.field, "choices", ()))
        return Control(field.html_name, "select" if choices else "text", choices)

    return [
        *(
            Target(persona, "POST", path, tuple(control(field) for field in form), "a script")
            for persona in personas
            for path, form in SCRIPT_FORMS.items()
        ),
        *(
            Target(persona, "POST", path, api_controls(serializer), "a script")
            for persona in personas
            for path, serializer in API_WRITES.items()
        ),
        *(
            Target(persona, "POST", routes[route], api_controls(serializer), "a script")
            for persona in personas
            for route, serializer in API_REVIEW_WRITES.items()
        ),
        *(
            Target(persona, "GET", path, tuple(Control(name, "param") for name in params), "a script")
            for persona in personas
            for path, params in API_LISTS.items()
        ),
    ]


@pytest.fixture(scope="module")
def crawled(templates_render_plainly, shared_world, django_db_blocker):
    """Every persona's sessions and pages of the world, crawled once for the module (with
    shared_world's rows: see rows_for_the_module); each test then uploads its own files."""
    with django_db_blocker.unblock():
        cookies = session_cookies(shared_world.users)
        routes = {route: make(shared_world) for route, make in ROUTES.items()}
        return cookies, crawl(routes, cookies, PERSONAS), routes


def site_of(crawled, personas):
    cookies, pages, routes = crawled
    site = with_uploads(pages, cookies, personas)
    for target in script_targets(personas, routes):
        site.add(target)
    return cookies, site


def a_request(targets: list[Target], routes: list[tuple[str, str]]):
    """A form's action or a page with drawn values, or a route with drawn parts of its path."""
    by_form = st.sampled_from(targets).flatmap(
        lambda t: (values_for(t) if t.controls else st.just({})).map(lambda values: (t, values))
    )
    by_path = st.sampled_from(routes).flatmap(
        lambda rm: st.lists(PART, min_size=route_parameters(rm[0]), max_size=route_parameters(rm[0])).map(
            lambda parts: (Target("", rm[1], path_from_route(rm[0], parts), ()), {})
        )
    )
    # Three requests to a form or page for one to a generated path.
    return st.sampled_from([by_form, by_form, by_form, by_path]).flatmap(lambda way: way)


# Staff reach the admin's forms as well as the site's: twice the examples.
EXAMPLES = {"staff": 2}


@pytest.mark.parametrize("persona", PERSONAS)
def test_generated_input_never_gives_a_500(world, crawled, persona):
    cookies, site = site_of(crawled, [persona])
    routes = [(route, method) for route in ROUTES if route_parameters(route) for method in ("GET", "POST")]

    # too_slow: a form of the admin has some fifty fields, each drawn on its own.
    @settings(
        max_examples=settings().max_examples * EXAMPLES.get(persona, 1), suppress_health_check=[HealthCheck.too_slow]
    )
    @given(st.data())
    def run(data):
        target, values = data.draw(a_request(site.targets, routes), label="request")
        target = replace(target, persona=persona)
        note(f"{target} with {short(values)}")
        problem = check(cookies, target, values)
        assert problem is None, problem

    run()


# --- The sweeps: every form and page once with each kind of input that gave a 500 ---------

ID_BEYOND_64_BITS = "99999999999999999999"  # the example: people=99999999999999999999 on /claims/new/
# The largest number a column holds, on PostgreSQL (integer) and SQLite: a save's version + 1 overflows it.
COLUMN_LIMITS = (str(2**31 - 1), str(2**63 - 1))
LONG = "Тухачевский " * 20  # longer than a message may quote
TEXT_KINDS = {"text", "password"}
# Not swept one by one: the CSRF token (the test client does not check it; a wrong one is a
# 403 in use), and a formset's form counts: Django builds at most absolute_max (2,000) forms
# for any count, which takes a second a request; hypothesis still sends them any value.
NOT_SWEPT = re.compile(r"csrfmiddlewaretoken|.*-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS")


def row_free(name: str) -> str:
    """An inline row's field named once: citations-0-source and citations-2-source are one field."""
    return re.sub(r"-(\d+|__prefix__)-", "-N-", name)


def sweep_cases(site, persona: str):
    """(target, values, what): each form the persona reached once with each kind of bad input,
    and each page the persona was shown (200) once with each kind in every parameter.

    Staff's pages outside the admin are the editor's (docs/design.md: staff may do everything),
    swept as the editor's; its admin pages are swept only as staff's."""
    done = set()
    for target in site.targets:
        key = (target.method, route_of(target.path), frozenset(row_free(c.name) for c in target.controls))
        admin = target.path.startswith("/admin/")
        if key in done or not target.shown or (persona == "staff") != admin:
            continue
        done.add(key)
        page = {c.name: kept(c) for c in target.controls}
        swept = [c for c in target.controls if not NOT_SWEPT.fullmatch(c.name) and c.kind not in {"file", "submit"}]
        nul = {c.name: f"{c.options[-1]}\x00" if c.options else "a\x00b" for c in swept}
        # A field of one value takes the last one sent: the long one, which no message may quote whole.
        several = {c.name: [*(c.default or c.options)[-1:], ID_BEYOND_64_BITS, "a\x00", LONG] for c in swept}
        yield target, {**page, **nul}, "NUL in every field"
        yield target, {**page, **several}, "several values, among them a long one, in every field"
        if target.method == "GET":
            yield target, {**page, **{c.name: ID_BEYOND_64_BITS for c in swept}}, "an id beyond 64 bits everywhere"
            yield target, {**page, **{c.name: "" for c in swept}}, "every parameter empty"
            continue
        once = set()
        for c in swept:
            if c.kind in TEXT_KINDS or row_free(c.name) in once:
                continue
            once.add(row_free(c.name))
            if c.kind in {"hidden", "number"}:
                for limit in COLUMN_LIMITS:
                    yield target, {**page, c.name: limit}, f"the largest number a column holds in {c.name}"
            bad = [*c.options[-1:], ID_BEYOND_64_BITS] if c.kind in {"multiple", "checkbox"} else ID_BEYOND_64_BITS
            yield target, {**page, c.name: bad}, f"an id beyond 64 bits in {c.name}"


# A part of a path that is no id: not a number (with a NUL), a number of 5,000 digits (more
# than Python reads), an id beyond 64 bits.
PATH_PARTS = ("a\x00b", "1" * 5000, ID_BEYOND_64_BITS)


def path_cases(world: World, persona: str):
    """Each route with parameters, each parameter in turn no id while the others name the
    world's object; asked as the page answers (GET, or POST for an action)."""
    for route, make in ROUTES.items():
        url = urlsplit(make(world))
        match = resolve(url.path)
        parts = [str(v) for v in (match.kwargs.values() if match.kwargs else match.args)]
        if not parts or route.startswith("admin/") != (persona == "staff") or len(parts) != route_parameters(route):
            continue
        method = "POST" if EXPECTED[route][0].split()[-1] == "405" else "GET"
        for i in range(len(parts)):
            for bad in PATH_PARTS:
                path = path_from_route(route, [*parts[:i], bad, *parts[i + 1 :]])
                yield Target(persona, method, path, (), fixed=tuple(parse_qsl(url.query))), {}, f"no id in {route}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_form_and_page_answers_each_kind_of_bad_input(world, crawled, persona):
    cookies, site = site_of(crawled, [persona])
    problems = []
    for target, values, what in [*sweep_cases(site, persona), *path_cases(world, persona)]:
        problem = check(cookies, target, values)
        if problem:
            problems.append(f"{what}: {problem}")
    assert not problems, f"{len(problems)} answers were wrong:\n" + "\n".join(problems)


# --- The discovery finds what there is --------------------------------------------------

# The admin answers a POST to nearly any page, most by showing the page; its forms post to these.
# (Its delete pages too, but the world's source, topic and user are protected by what refers
# to them: their pages say why, with no form.)
ADMIN_FORMS = re.compile(r"admin/.*/(add|change|password|import|process_import)/|admin/.*/history/\(.*")


def posted_routes() -> set[str]:
    """Routes of the URL matrix that someone may POST to (not a 405, login redirect, 401 or 403 for
    everyone), whose POST comes from a form: each route of the site, the admin's form pages."""
    return {
        route.replace("^", "")
        for route, (_get, post, *_api_methods) in EXPECTED.items()
        if set(post.split()) - {"405", "L", "401", "403"}
        and (not route.startswith("admin/") or ADMIN_FORMS.fullmatch(route))
    }


def test_the_discovery_finds_every_form_and_reads_its_fields(world, crawled):
    """If the parser missed a form, or a route that takes a POST had no form found for it, that
    route would silently go unfuzzed."""
    cookies, site = site_of(crawled, PERSONAS)
    unread = [
        f"{persona} {route}: {tags} <form> tags, {parsed} read"
        for (persona, route), (tags, parsed) in site.form_tags.items()
        if tags != parsed
    ]
    assert not unread, "forms the parser missed:\n" + "\n".join(unread)
    actions = {route_of(t.path).replace("^", "") for t in site.targets if t.method == "POST"}
    assert sorted(posted_routes() - actions) == [], "routes that take a POST but no form found posts to them"

    def form(persona: str, path: str) -> dict:
        found = [t for t in site.targets if t.persona == persona and t.method == "POST" and t.path == path]
        assert len(found) == 1, f"{len(found)} forms post to {path} as {persona}"
        return {c.name: c for c in found[0].controls}

    claim = form("researcher", "/claims/new/")
    assert claim["people"].kind == "text" and not claim["people"].options  # typed: slugs or names
    assert claim["topic"].kind == "select" and str(world.topic.pk) in claim["topic"].options
    assert claim["statement"].kind == "text" and claim["kind"].default == ("fact",)
    edit = form("researcher", f"/claims/{world.claim.key}/edit/")
    assert edit["version"].default == (str(world.claim.version),) and edit["people"].default == (world.person.slug,)
    admin = form("staff", f"/admin/claims/claim/{world.claim.pk}/change/")
    assert {"people", "topic", "citations-TOTAL_FORMS", "citations-0-source", "version"} <= set(admin)
    confirm = form("staff", "/admin/claims/source/process_import/")  # found by uploading a valid file
    assert confirm["import_file_name"].default[0]
    changelist = [t for t in site.targets if (t.persona, t.method, t.path) == ("staff", "GET", "/admin/claims/claim/")]
    assert {"q", "o", "p", "kind__exact", "status__exact"} <= {c.name for c in changelist[0].controls}

"""The admin site as staff use it for data entry, and as everyone else finds it: closed.

Forms are posted the way a browser would post them: the page is fetched, its form is
read field by field from the HTML (hidden management fields included), a few fields are
filled in, and the whole form goes back in one request.
"""

import contextlib
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import NoReverseMatch, reverse

from claims import services
from claims.models import (
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
    Topic,
    User,
)

# --- Reading pages like a browser -------------------------------------------------


class _FormReader(HTMLParser):
    """Collects what a browser would submit for the form with the given id."""

    SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields: list[tuple[str, str]] = []
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
            return
        if not self.in_form:
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            name = attrs.get("name")
            if not name or kind in self.SKIPPED_INPUTS:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value") or "on"))
                return
            self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select":
            self._select = {"name": attrs.get("name"), "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": ""}
            self._select["options"].append(self._option)
        elif tag == "textarea":
            self._textarea = {"name": attrs.get("name"), "text": ""}

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            select, self._select = self._select, None
            if not select["name"]:
                return
            options = select["options"]
            chosen = [o for o in options if o["selected"]]
            if not chosen and options and not select["multiple"]:
                chosen = options[:1]  # a single select with nothing selected sends its first option
            for option in chosen:
                value = option["value"] if option["value"] is not None else option["text"].strip()
                self.fields.append((select["name"], value))
        elif tag == "textarea" and self._textarea is not None:
            area, self._textarea = self._textarea, None
            text = area["text"]
            # A browser drops the one newline that follows <textarea>.
            if text.startswith("\r\n"):
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            if area["name"]:
                self.fields.append((area["name"], text))


def form_data(response, form_id: str) -> dict[str, str | list[str]]:
    """The fields a browser would submit from the page's form, minus the inline templates."""
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.fields, f"the page has no form with id {form_id!r}"
    data: dict[str, list[str]] = {}
    for name, value in reader.fields:
        if "__prefix__" in name:  # the hidden row that "Add another" copies
            continue
        data.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in data.items()}


class _TableReader(HTMLParser):
    """The text of each body row's cells in the table with the given id."""

    def __init__(self, table_id: str):
        super().__init__(convert_charrefs=True)
        self.table_id = table_id
        self.depth = 0
        self.rows: list[list[str]] = []
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and (self.depth or dict(attrs).get("id") == self.table_id):
            self.depth += 1
        elif self.depth == 1 and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag in {"td", "th"}:
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag == "tbody":
            self._in_body = False
        elif tag in {"td", "th"} and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None


def table_rows(response, table_id: str) -> list[list[str]]:
    reader = _TableReader(table_id)
    reader.feed(response.content.decode())
    return reader.rows


def shown_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Objects to open -------------------------------------------------------------


@pytest.fixture
def yakir(researcher) -> Person:
    return services.person_create(actor=researcher, name="Iona Yakir", name_original="Якир, Иона Эммануилович")


@pytest.fixture
def ochishchenie(researcher) -> Source:
    return services.source_create(
        actor=researcher,
        key="lavrenev-ochishchenie",
        kind=Source.Kind.MONOGRAPH,
        level=Source.Level.SECONDARY,
        title="The Purge",
        title_original="«Очищение»",
        language="ru",
    )


@pytest.fixture
def citation_grade(citation, reviewer) -> CitationAssessment:
    return services.grade_set(
        actor=reviewer, target=citation, grade=2, rationale="Rogovin had the 1964 report in hand."
    )


@pytest.fixture
def open_dispute(citation_grade, second_reviewer) -> Dispute:
    return services.dispute_raise(
        actor=second_reviewer,
        target=citation_grade,
        reason="No other source dates the shooting to 12 June.",
        proposed=4,
    )


@pytest.fixture
def one_of_each(
    topic, tukhachevsky, source, claim, citation, reviewer, citation_grade, open_dispute, researcher, staff
) -> dict[type, object]:
    """An existing object of every model the admin edits, for its change and history pages."""
    source_grade = services.grade_set(
        actor=reviewer, target=source, grade="B", rationale="A historian with archival access, with a thesis."
    )
    note = services.annotation_create(
        actor=researcher, target=claim, body="The 1964 report names the commission head Shvernik."
    )
    rival = services.claim_create(actor=researcher, key="execution-11-june", topic=topic, statement="On 11 June.")
    rating = services.consistency_rating_set(
        actor=reviewer, citation=citation, claim=rival, grade="I", rationale="The night of 11-12 June."
    )
    return {
        Topic: topic,
        Person: tukhachevsky,
        Source: source,
        Claim: claim,
        Citation: citation,
        SourceAssessment: source_grade,
        CitationAssessment: citation_grade,
        Dispute: open_dispute,
        Annotation: note,
        ConsistencyRating: rating,
        User: staff,
        ApiToken: services.api_token_create(actor=researcher, name="laptop scripts")[0],
    }


# Built from the registry, so that a model registered later is covered without editing this list.
CLAIMS_ADMINS = sorted(
    (model_admin for model, model_admin in admin.site._registry.items() if model._meta.app_label == "claims"),
    key=lambda model_admin: model_admin.model._meta.model_name,
)


def _admin_param(model_admin):
    return pytest.param(model_admin, id=model_admin.model._meta.model_name)


def admin_urls(model_admin, obj) -> dict[str, str]:
    opts = model_admin.model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}"
    urls = {
        "changelist": reverse(f"{name}_changelist"),
        "add": reverse(f"{name}_add"),
        "change": reverse(f"{name}_change", args=[obj.pk]),
    }
    with contextlib.suppress(NoReverseMatch):
        urls["history"] = reverse(f"{name}_history", args=[obj.pk])
    return urls


def existing(one_of_each, model_admin):
    model = model_admin.model
    assert model in one_of_each, f"add an object of {model.__name__} to the one_of_each fixture"
    return one_of_each[model]


# --- Who gets in -----------------------------------------------------------------


def test_every_claims_model_is_in_the_admin():
    names = {model_admin.model._meta.model_name for model_admin in CLAIMS_ADMINS}
    assert {
        "topic",
        "person",
        "source",
        "claim",
        "citation",
        "sourceassessment",
        "citationassessment",
        "dispute",
        "annotation",
        "user",
    } <= names


# API tokens are no domain record (no history) and are made by their owners on the account
# page alone: staff only view and revoke them (tests/test_api_tokens.py), so no add page.
WITHOUT_HISTORY = {User, ApiToken}
READ_ONLY = {ApiToken}


@pytest.mark.parametrize("model_admin", [_admin_param(m) for m in CLAIMS_ADMINS])
def test_staff_opens_list_add_change_and_history_pages_of_every_model(client, staff, one_of_each, model_admin):
    client.force_login(staff)
    urls = admin_urls(model_admin, existing(one_of_each, model_admin))
    if model_admin.model not in WITHOUT_HISTORY:
        assert "history" in urls, "every domain model keeps its history (SimpleHistoryAdmin)"
    statuses = {page: client.get(url).status_code for page, url in urls.items()}
    expected = dict.fromkeys(urls, 200)
    if model_admin.model in READ_ONLY:
        expected["add"] = 403
    assert statuses == expected


@pytest.mark.parametrize("persona", ["researcher", "reviewer", "editor", "outsider", "anonymous"])
@pytest.mark.parametrize("model_admin", [pytest.param(m, id=m.model._meta.model_name) for m in CLAIMS_ADMINS])
def test_everyone_but_staff_is_sent_to_the_admin_login(client, request, one_of_each, model_admin, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    for url in admin_urls(model_admin, existing(one_of_each, model_admin)).values():
        response = client.get(url)
        assert response.status_code == 302, f"{persona} got {response.status_code} for {url}"
        location = urlsplit(response["Location"])
        assert location.path == reverse("admin:login")
        assert parse_qs(location.query) == {"next": [url]}


def test_staff_sees_the_claims_app_on_the_admin_index(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    page = response.content.decode()
    for label in ("Claims", "Sources", "Citations", "Disputes", "Annotations"):
        assert f">{label}<" in page


# --- Search ----------------------------------------------------------------------


def test_person_search_in_lower_case_cyrillic_finds_the_capitalised_name(client, staff, tukhachevsky, yakir):
    client.force_login(staff)
    response = client.get(reverse("admin:claims_person_changelist"), {"q": "тухачевский"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [tukhachevsky]
    names = [row[1] for row in table_rows(response, "result_list")]  # column 0 is the checkbox
    assert names == ["Mikhail Tukhachevsky"]


def test_source_search_finds_the_original_title_without_its_guillemets(client, staff, ochishchenie, source):
    client.force_login(staff)
    response = client.get(reverse("admin:claims_source_changelist"), {"q": "очищение"})
    assert list(response.context["cl"].result_list) == [ochishchenie]
    assert "«Очищение»" in response.content.decode()


def test_claim_search_by_a_persons_alias_finds_the_claim(client, staff, researcher, topic, claim, tukhachevsky):
    about_him = services.claim_create(
        actor=researcher,
        key="tukhachevsky-arrested",
        topic=topic,
        people=[tukhachevsky],
        statement="Tukhachevsky was arrested in Kuibyshev on 22 May 1937.",
        event_date="1937-05-22",
    )
    client.force_login(staff)
    response = client.get(reverse("admin:claims_claim_changelist"), {"q": "Toukhatchevski"})
    assert list(response.context["cl"].result_list) == [about_him]
    keys = [row[1] for row in table_rows(response, "result_list")]
    assert keys == ["tukhachevsky-arrested"]


# --- Entering a claim ------------------------------------------------------------


def test_staff_enters_claim_with_three_citations_on_one_page(
    client, staff, topic, tukhachevsky, source, shvernik_report, verdict_file
):
    client.force_login(staff)
    add_url = reverse("admin:claims_claim_add")
    add_page = client.get(add_url)
    data = form_data(add_page, "claim_form")
    (citations,) = [f.formset for f in add_page.context["inline_admin_formsets"]]
    prefix = citations.prefix
    assert data[f"{prefix}-TOTAL_FORMS"] == "3", "three empty citation rows are offered"
    data.update(
        {
            "key": "execution-11-or-12-june",
            "topic": str(topic.pk),
            "people": [str(tukhachevsky.pk)],
            "statement": "The convicted were shot in the night after the verdict of 11 June 1937.",
            "kind": Claim.Kind.FACT,
            "status": Claim.Status.CONTESTED,
            "event_date": "[1937-06-11,1937-06-12]",
        }
    )
    rows = [
        (source, "ch. 9", Citation.Stance.SUPPORTS),
        (shvernik_report, "p. 412", Citation.Stance.SUPPORTS),
        (verdict_file, "l. 12", Citation.Stance.MENTIONS),
    ]
    for i, (cited, locator, stance) in enumerate(rows):
        data.update(
            {f"{prefix}-{i}-source": str(cited.pk), f"{prefix}-{i}-locator": locator, f"{prefix}-{i}-stance": stance}
        )

    response = client.post(add_url, data, follow=True)

    assert response.redirect_chain == [(reverse("admin:claims_claim_changelist"), 302)]
    assert any("was added successfully" in m for m in shown_messages(response))
    claim = Claim.objects.get(key="execution-11-or-12-june")
    assert (claim.topic, claim.status, claim.created_by) == (topic, Claim.Status.CONTESTED, staff)
    assert list(claim.people.all()) == [tukhachevsky]
    assert (str(claim.date_earliest), str(claim.date_latest)) == ("1937-06-11", "1937-06-12")
    cited = {(c.source.key, c.locator, c.stance, c.created_by) for c in claim.citations.all()}
    assert cited == {(s.key, loc, stance, staff) for s, loc, stance in rows}
    assert staff in {record.history_user for record in claim.history.all()}
    assert all(c.history.earliest().history_user == staff for c in claim.citations.all())


def test_invalid_edtf_date_is_refused_with_a_message_and_nothing_is_saved(client, staff, topic, source):
    client.force_login(staff)
    add_url = reverse("admin:claims_claim_add")
    data = form_data(client.get(add_url), "claim_form")
    data.update(
        {
            "key": "execution-date-in-words",
            "topic": str(topic.pk),
            "statement": "The convicted were shot on 12 June 1937.",
            "event_date": "12 June 1937",
            "citations-0-source": str(source.pk),
            "citations-0-locator": "ch. 9",
        }
    )
    claims_before, citations_before = Claim.objects.count(), Citation.objects.count()

    response = client.post(add_url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["event_date"]
    assert any("EDTF" in error for error in errors)
    assert "is not a valid EDTF date" in response.content.decode()
    assert (Claim.objects.count(), Citation.objects.count()) == (claims_before, citations_before)
    assert not Claim.objects.filter(key="execution-date-in-words").exists()


def test_history_page_of_a_claim_changed_in_the_admin_names_the_staff_user(client, staff, researcher, claim):
    client.force_login(staff)
    change_url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = form_data(client.get(change_url), "claim_form")
    data["statement"] = "The convicted were shot in the night of 11 to 12 June 1937."
    assert client.post(change_url, data).status_code == 302

    history = client.get(reverse("admin:claims_claim_history", args=[claim.pk]))

    assert history.status_code == 200
    header = ["Object", "Date/time", "Comment", "Changed by", "Change reason", "Changes"]
    changed_by = [row[header.index("Changed by")] for row in table_rows(history, "change-history")]
    assert staff.username in changed_by
    assert researcher.username in changed_by  # who added it, before staff corrected it
    claim.refresh_from_db()
    assert claim.statement.startswith("The convicted were shot in the night")


def test_one_save_in_the_admin_adds_one_history_row(client, staff, claim):
    client.force_login(staff)
    change_url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = form_data(client.get(change_url), "claim_form")
    data["status"] = Claim.Status.CONTESTED
    rows_before = claim.history.count()

    assert client.post(change_url, data).status_code == 302

    added = list(claim.history.all()[: claim.history.count() - rows_before])
    assert [(row.history_type, row.history_user, row.status) for row in added] == [("~", staff, Claim.Status.CONTESTED)]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ("own parent", "parent", "An annotation cannot reply to itself."),
        ("other target", "parent", "A reply must be about the same thing as the annotation it answers."),
        ("misquote", "quoted_passage", "The quoted passage does not occur in the text it annotates."),
    ],
)
def test_a_bad_reply_or_quote_entered_in_the_admin_is_refused_on_its_field(
    client, staff, researcher, claim, source, change, field, message
):
    root = services.annotation_create(actor=researcher, target=claim, body="Why 12 June?")
    note = services.annotation_create(actor=researcher, target=claim, body="The 1964 report says otherwise.")
    client.force_login(staff)
    change_url = reverse("admin:claims_annotation_change", args=[note.pk])
    data = form_data(client.get(change_url), "annotation_form")
    if change == "own parent":
        data["parent"] = str(note.pk)
    elif change == "other target":
        data.update({"parent": str(root.pk), "claim": "", "source": str(source.pk)})
    else:
        data["quoted_passage"] = "shot on 13 June"

    response = client.post(change_url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert message in response.content.decode()
    note.refresh_from_db()
    assert (note.parent, note.claim, note.quoted_passage) == (None, claim, "")


# --- Deleting and deciding -------------------------------------------------------


def test_deleting_a_cited_source_is_refused_and_says_what_cites_it(client, staff, source, citation):
    client.force_login(staff)
    delete_url = reverse("admin:claims_source_delete", args=[source.pk])

    response = client.post(delete_url, {"post": "yes"}, follow=True)

    assert Source.objects.filter(pk=source.pk).exists()
    assert Citation.objects.filter(pk=citation.pk).exists()
    # Django's admin finds the protected citation before anything is deleted and answers
    # with its "Cannot delete" page rather than a redirect and a message.
    assert response.redirect_chain == []
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cannot delete source" in page
    assert "would require deleting the following protected related objects" in page
    assert str(citation) in page
    assert not any("deleted successfully" in m for m in shown_messages(response))


def test_deleting_an_uncited_source_works(client, staff, ochishchenie):
    client.force_login(staff)
    response = client.post(reverse("admin:claims_source_delete", args=[ochishchenie.pk]), {"post": "yes"}, follow=True)
    assert any("was deleted successfully" in m for m in shown_messages(response))
    assert not Source.objects.filter(pk=ochishchenie.pk).exists()
    assert ochishchenie.history.latest().history_user == staff


def test_staff_upholds_a_dispute_and_the_proposed_grade_takes_effect(
    client, staff, reviewer, citation_grade, open_dispute
):
    client.force_login(staff)
    change_url = reverse("admin:claims_dispute_change", args=[open_dispute.pk])
    data = form_data(client.get(change_url), "dispute_form")
    data.update({"decision": "upheld", "note": "The 1964 report gives the night of 11 to 12 June."})

    response = client.post(change_url, data, follow=True)

    assert response.redirect_chain[0][1] == 302
    assert any("was changed successfully" in m for m in shown_messages(response))
    open_dispute.refresh_from_db()
    assert open_dispute.state == Dispute.State.UPHELD
    assert open_dispute.resolved_by == staff
    assert open_dispute.resolution_note == "The 1964 report gives the night of 11 to 12 June."
    assert open_dispute.closed_at is not None
    citation_grade.refresh_from_db()
    assert citation_grade.grade == open_dispute.proposed_credibility == 4
    assert citation_grade.reviewer == reviewer  # still the reviewer's grade, changed by the decision
    assert citation_grade.history.latest().history_user == staff


def test_upholding_a_dispute_without_a_note_is_refused_and_changes_nothing(client, staff, citation_grade, open_dispute):
    client.force_login(staff)
    change_url = reverse("admin:claims_dispute_change", args=[open_dispute.pk])
    data = form_data(client.get(change_url), "dispute_form")
    data.update({"decision": "upheld", "note": "   "})

    response = client.post(change_url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["note"] == ["Say why the dispute is upheld or rejected."]
    assert "Say why the dispute is upheld or rejected." in response.content.decode()
    open_dispute.refresh_from_db()
    assert (open_dispute.state, open_dispute.resolved_by, open_dispute.closed_at) == (Dispute.State.OPEN, None, None)
    citation_grade.refresh_from_db()
    assert citation_grade.grade == 2


# --- counting a large table -------------------------------------------------------------


def test_a_changelist_says_exactly_how_many_rows_it_lists(client, staff, topic, researcher):
    for n in range(3):
        services.claim_create(actor=researcher, key=f"counted-{n}", topic=topic, statement=f"Counted {n}.")
    client.force_login(staff)
    text = client.get("/admin/claims/claim/").content.decode()
    assert re.search(r"(?<!about )\b3 claims\b", text)
    assert "about 3 claims" not in text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics (SQLite counts fast)")
def test_a_whole_large_table_is_counted_from_the_statistics_and_says_about(
    client, staff, topic, researcher, editor, monkeypatch
):
    from claims import admin_paging

    monkeypatch.setattr(admin_paging, "ESTIMATE_FROM", 3)
    for n in range(4):
        services.claim_create(
            actor=editor,
            key=f"counted-{n}",
            topic=topic,
            statement=f"Counted {n}.",
            status="supported" if n else "open",
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    client.force_login(staff)
    assert "about 4 claims" in client.get("/admin/claims/claim/").content.decode()
    # Filtered, the list is counted exactly.
    filtered = client.get("/admin/claims/claim/", {"status__exact": "supported"}).content.decode()
    assert "3 claims" in filtered and "about 3" not in filtered

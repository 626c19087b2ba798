"""The pages that add and edit claims, citations, sources and people."""

import datetime
import html
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from claims import services
from claims.models import Citation, Claim, Person, Source, Topic

# --- Helpers -------------------------------------------------------------------------


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def field_errors(response, name: str) -> str:
    """The error text shown next to one field ("" when there is none)."""
    # Django 5.2 gives the field's error list the id that the input's aria-describedby names.
    match = re.search(rf'<ul class="errorlist" id="id_{name}_error"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def top_errors(response) -> str:
    """The errors shown above the fields (not tied to one field)."""
    match = re.search(r'<div class="errors" role="alert">(.*?)</div>', response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def input_value(response, name: str) -> str:
    text = response.content.decode()
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', text) or re.search(
        rf'<textarea[^>]*name="{name}"[^>]*>\n?(.*?)</textarea>', text, re.S
    )
    return html.unescape(match.group(1)) if match else ""


def shown_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def person(researcher) -> Person:
    return services.person_create(actor=researcher, name="Tukhachevsky", name_original="Тухачевский")


@pytest.fixture
def yakir(researcher) -> Person:
    return services.person_create(actor=researcher, name="Yakir", name_original="Якир")


@pytest.fixture
def editors_claim(topic, editor) -> Claim:
    return services.claim_create(
        actor=editor, key="verdict-2335", topic=topic, statement="The verdict was read at 23:35 on 11 June 1937."
    )


@pytest.fixture
def pages(claim, citation, source, person) -> dict[str, str]:
    """Every page of this module, at an object the researcher added."""
    return {
        "claim_create": "/claims/new/",
        "claim_edit": f"/claims/{claim.key}/edit/",
        "citation_create": f"/claims/{claim.key}/citations/new/",
        "citation_edit": f"/citations/{citation.pk}/edit/",
        "source_create": "/sources/new/",
        "source_edit": f"/sources/{source.key}/edit/",
        "person_create": "/people/new/",
        "person_edit": f"/people/{person.slug}/edit/",
    }


PAGE_NAMES = [
    "claim_create",
    "claim_edit",
    "citation_create",
    "citation_edit",
    "source_create",
    "source_edit",
    "person_create",
    "person_edit",
]
CREATE_PAGES = ["claim_create", "citation_create", "source_create", "person_create"]
EDIT_PAGES = ["claim_edit", "citation_edit", "source_edit", "person_edit"]


def claim_form(topic=None, **changes) -> dict:
    data = {
        "key": "execution-11-june",
        "topic": topic.pk if topic else "",
        "new_topic": "",
        "statement": "The convicted were shot on 11 June 1937, right after the verdict.",
        "kind": "fact",
        "status": "open",
        "event_date": "1937-06-11",
    }
    data.update(changes)
    return data


def source_form(**changes) -> dict:
    data = {
        "key": "izvestiya-tsk-1989-4",
        "kind": "periodical",
        "level": "primary",
        "title": "Izvestiya TsK KPSS, 1989, no. 4",
        "title_original": "Известия ЦК КПСС",
        "authors": "",
        "date": "1989-04",
        "publisher": "Izvestiya TsK KPSS",
        "archive": "",
        "archive_fond": "",
        "archive_opis": "",
        "archive_delo": "",
        "archive_list": "",
        "url": "",
        "language": "ru",
        "notes": "",
    }
    data.update(changes)
    return data


# --- Who may open the pages ----------------------------------------------------------


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_anonymous_visitors_are_sent_to_log_in_and_brought_back(client, pages, name):
    url = pages[name]
    for response in (client.get(url), client.post(url, {})):
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_an_account_without_a_role_cannot_open_or_post_any_form(client, outsider, pages, name):
    logged_in(client, outsider)
    for response in (client.get(pages[name]), client.post(pages[name], {})):
        assert response.status_code == 403
        assert "has no role yet" in page_text(response)


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_methods_other_than_get_and_post_are_refused(client, editor, pages, name):
    logged_in(client, editor)
    assert client.put(pages[name]).status_code == 405
    assert client.delete(pages[name]).status_code == 405
    assert client.patch(pages[name]).status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/claims/no-such-claim/edit/",
        "/claims/no-such-claim/citations/new/",
        "/citations/999999/edit/",
        "/sources/no-such-source/edit/",
        "/people/no-such-person/edit/",
    ],
)
def test_an_unknown_key_is_not_found(client, editor, url):
    logged_in(client, editor)
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404


@pytest.mark.parametrize("persona", ["researcher", "reviewer", "editor", "staff"])
@pytest.mark.parametrize("name", CREATE_PAGES)
def test_every_role_may_open_the_forms_that_add_things(client, request, pages, persona, name):
    logged_in(client, request.getfixturevalue(persona))
    response = client.get(pages[name])
    assert response.status_code == 200
    assert '<form method="post"' in response.content.decode()
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert ">Save</button>" in response.content.decode()


@pytest.mark.parametrize(
    "persona, allowed",
    [("researcher", True), ("reviewer", False), ("editor", True), ("staff", True), ("outsider", False)],
)
@pytest.mark.parametrize("name", EDIT_PAGES)
def test_only_the_author_an_editor_or_staff_may_open_an_edit_form(client, request, pages, persona, allowed, name):
    # Everything in `pages` was added by the researcher.
    logged_in(client, request.getfixturevalue(persona))
    response = client.get(pages[name])
    assert response.status_code == (200 if allowed else 403)
    if persona == "reviewer":
        assert "needs the Editor role" in page_text(response)


@pytest.mark.parametrize("persona", ["researcher", "reviewer", "editor", "staff"])
def test_every_role_may_add_a_claim(client, request, topic, persona):
    user = request.getfixturevalue(persona)
    logged_in(client, user)
    response = client.post("/claims/new/", claim_form(topic, key=f"by-{persona}"))
    assert response.status_code == 302
    assert Claim.objects.get(key=f"by-{persona}").created_by == user


def test_an_account_without_a_role_cannot_add_anything(client, outsider, topic):
    logged_in(client, outsider)
    client.post("/claims/new/", claim_form(topic))
    client.post("/sources/new/", source_form())
    client.post("/people/new/", {"name": "Yakir"})
    assert not Claim.objects.exists() and not Source.objects.exists() and not Person.objects.exists()


def test_a_researcher_edits_their_own_claim_but_not_someone_elses(client, researcher, claim, editors_claim):
    logged_in(client, researcher)
    own = client.post(
        f"/claims/{claim.key}/edit/",
        claim_form(
            claim.topic,
            version=claim.version,
            key=claim.key,
            statement="The convicted were shot on 12 June 1937, at dawn.",
        ),
    )
    assert own.status_code == 302
    assert own["Location"] == f"/claims/{claim.key}/"
    claim.refresh_from_db()
    assert claim.statement == "The convicted were shot on 12 June 1937, at dawn."

    others = f"/claims/{editors_claim.key}/edit/"
    for response in (
        client.get(others),
        client.post(
            others,
            claim_form(editors_claim.topic, version=editors_claim.version, key=editors_claim.key, statement="Changed"),
        ),
    ):
        assert response.status_code == 403
        assert "Editing a claim that someone else added needs the Editor role." in page_text(response)
    editors_claim.refresh_from_db()
    assert editors_claim.statement == "The verdict was read at 23:35 on 11 June 1937."


def test_an_editor_may_edit_a_claim_a_researcher_added(client, editor, claim):
    logged_in(client, editor)
    response = client.post(
        f"/claims/{claim.key}/edit/",
        claim_form(claim.topic, version=claim.version, key=claim.key, statement=claim.statement, status="contested"),
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "contested"
    assert claim.history.first().history_user == editor


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_a_reviewer_cannot_save_changes_to_what_a_researcher_added(
    client, reviewer, pages, claim, source, person, name
):
    logged_in(client, reviewer)
    response = client.post(pages[name], {"key": "hijacked", "name": "Hijacked", "statement": "Hijacked"})
    assert response.status_code == 403
    assert "needs the Editor role" in page_text(response)
    assert not Claim.objects.filter(key="hijacked").exists()
    assert not Source.objects.filter(key="hijacked").exists()
    assert not Person.objects.filter(name="Hijacked").exists()


# --- Adding a claim ------------------------------------------------------------------


def test_a_researcher_adds_a_dated_claim_about_two_people_under_a_new_topic(client, researcher, person, yakir):
    logged_in(client, researcher)
    response = client.post(
        "/claims/new/",
        claim_form(
            key="execution-11-or-12-june",
            new_topic="Place of execution",
            event_date="[1937-06-11,1937-06-12]",
            people="tukhachevsky | Якир",  # a slug and a name in the original script
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == "/claims/execution-11-or-12-june/"
    assert shown_messages(response) == ["Claim “execution-11-or-12-june” added."]

    claim = Claim.objects.get(key="execution-11-or-12-june")
    assert claim.topic.title == "Place of execution"
    assert claim.topic.created_by == researcher
    assert claim.event_date == "[1937-06-11,1937-06-12]"
    assert claim.date_earliest == datetime.date(1937, 6, 11)
    assert claim.date_latest == datetime.date(1937, 6, 12)
    assert set(claim.people.all()) == {person, yakir}
    assert claim.created_by == researcher
    assert claim.history.first().history_user == researcher


def test_the_claim_form_offers_topics_a_people_field_with_suggestions_and_date_examples(
    client, researcher, topic, person, yakir
):
    logged_in(client, researcher)
    response = client.get("/claims/new/")
    text = page_text(response)
    for name in ("key", "topic", "new_topic", "statement", "kind", "event_date", "people"):
        assert f'<label for="id_{name}"' in text
    assert 'name="status"' not in text  # a new claim starts open: the status is an editor's decision
    assert "11 or 12 June 1937, before 22 May 1937" in text  # dates as historians write them, next to the date
    assert "<legend>People</legend>" in text
    # The people are typed (suggested as one types, chips: people_picker.js), not listed: the
    # form does not grow with them.
    assert re.search(
        r'<input type="text" name="people"[^>]*data-people-picker="/people/suggest.json"[^>]*data-separator="\|"'
        r'[^>]*data-people-add="/people/add.json"',
        text,
    )
    assert "Tukhachevsky (Тухачевский)" not in text and "Yakir (Якир)" not in text
    assert '<a href="/people/new/">Add a person</a>' in text
    assert '<script src="/static/claims/people_picker.js" defer></script>' in text
    assert f'<option value="{topic.pk}">Date of execution</option>' in text


def test_a_new_topic_title_that_exists_already_files_the_claim_under_that_topic(client, researcher, topic):
    logged_in(client, researcher)
    response = client.post("/claims/new/", claim_form(new_topic="date of EXECUTION"))
    assert response.status_code == 302
    assert Claim.objects.get(key="execution-11-june").topic == topic
    assert Topic.objects.count() == 1


def test_a_claim_needs_a_topic(client, researcher, topic):
    logged_in(client, researcher)
    response = client.post("/claims/new/", claim_form())
    assert response.status_code == 200
    assert "Choose a topic, or give the title of a new one" in field_errors(response, "topic")
    assert not Claim.objects.exists()


def test_a_date_that_is_not_understood_is_refused_next_to_the_date_and_leaves_no_new_topic(client, researcher, topic):
    logged_in(client, researcher)
    response = client.post("/claims/new/", claim_form(new_topic="Place of execution", event_date="the 11th"))
    assert response.status_code == 200
    errors = field_errors(response, "event_date")
    assert "“the 11th” is not a date this form understands" in errors
    assert errors.count("not a date this form understands") == 1
    assert "Nothing was saved" in page_text(response)
    assert input_value(response, "event_date") == "the 11th"  # what was typed is kept
    assert not Claim.objects.exists()
    assert list(Topic.objects.values_list("title", flat=True)) == ["Date of execution"]


def test_a_duplicate_key_is_refused_and_the_new_topic_made_for_it_is_undone(client, researcher, claim):
    logged_in(client, researcher)
    response = client.post("/claims/new/", claim_form(key=claim.key, new_topic="Place of execution"))
    assert response.status_code == 200
    assert "Claim with this Key already exists." in field_errors(response, "key")
    assert Claim.objects.count() == 1
    assert not Topic.objects.filter(title="Place of execution").exists()


def test_an_empty_statement_is_refused(client, researcher, topic):
    logged_in(client, researcher)
    response = client.post("/claims/new/", claim_form(topic, statement="   "))
    assert response.status_code == 200
    assert "This field is required." in field_errors(response, "statement")
    assert not Claim.objects.exists()


def test_the_word_new_cannot_be_a_claim_key(client, researcher, topic):
    logged_in(client, researcher)
    response = client.post("/claims/new/", claim_form(topic, key="new"))
    assert response.status_code == 200
    assert "'new' is reserved" in field_errors(response, "key")


# --- Editing a claim -----------------------------------------------------------------


def test_the_edit_form_shows_the_claim_as_it_is(client, researcher, claim, person):
    claim.people.set([person])
    logged_in(client, researcher)
    response = client.get(f"/claims/{claim.key}/edit/")
    text = page_text(response)
    assert response.status_code == 200
    assert input_value(response, "key") == "execution-12-june"
    assert input_value(response, "event_date") == "1937-06-12"
    assert "The convicted were shot on 12 June 1937." in text
    assert f'<option value="{claim.topic.pk}" selected>' in text
    assert input_value(response, "people") == person.slug
    assert f'href="/claims/{claim.key}/"' in text  # Cancel leads back to the claim


def test_changing_a_claims_key_leads_to_its_new_address(client, researcher, claim, person, yakir):
    logged_in(client, researcher)
    response = client.post(
        f"/claims/{claim.key}/edit/",
        claim_form(
            claim.topic, version=claim.version, key="execution-12-june-dawn", statement=claim.statement, people="Yakir"
        ),
    )
    assert response["Location"] == "/claims/execution-12-june-dawn/"
    claim.refresh_from_db()
    assert claim.key == "execution-12-june-dawn"
    assert list(claim.people.all()) == [yakir]
    assert claim.date_earliest == datetime.date(1937, 6, 11)


def test_a_refused_edit_changes_nothing_and_still_leads_back_to_the_claim(client, researcher, claim, editors_claim):
    logged_in(client, researcher)
    response = client.post(
        f"/claims/{claim.key}/edit/",
        claim_form(claim.topic, version=claim.version, key=editors_claim.key, statement="Changed"),
    )
    assert response.status_code == 200
    assert "Claim with this Key already exists." in field_errors(response, "key")
    assert 'href="/claims/execution-12-june/"' in response.content.decode()
    claim.refresh_from_db()
    assert claim.statement == "The convicted were shot on 12 June 1937."


def test_saving_an_unchanged_claim_says_nothing_changed(client, researcher, claim):
    logged_in(client, researcher)
    response = client.post(
        f"/claims/{claim.key}/edit/",
        claim_form(
            claim.topic, version=claim.version, key=claim.key, statement=claim.statement, event_date="1937-06-12"
        ),
    )
    assert response.status_code == 302
    assert shown_messages(response) == ["Claim “execution-12-june”: nothing was changed."]
    assert claim.history.count() == 1


def test_an_editor_moves_a_claim_to_a_new_topic_while_editing_it(client, editor, claim):
    logged_in(client, editor)
    response = client.post(
        f"/claims/{claim.key}/edit/",
        claim_form(
            claim.topic, version=claim.version, key=claim.key, statement=claim.statement, new_topic="Place of execution"
        ),
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.topic.title == "Place of execution"
    assert claim.topic.created_by == editor


def test_the_service_refuses_even_if_the_page_let_someone_through(client, monkeypatch, reviewer, claim):
    # The page's own check is only a courtesy: the service checks again when saving.
    monkeypatch.setattr("claims.views.records.require", lambda allowed, message: None)
    logged_in(client, reviewer)
    response = client.post(
        f"/claims/{claim.key}/edit/",
        claim_form(claim.topic, version=claim.version, key=claim.key, statement="Changed", new_topic="Stray"),
    )
    assert response.status_code == 403
    assert "needs the Editor role" in page_text(response)
    claim.refresh_from_db()
    assert claim.statement == "The convicted were shot on 12 June 1937."
    assert not Topic.objects.filter(title="Stray").exists()


# --- Citations -----------------------------------------------------------------------


def test_a_researcher_cites_a_source_for_a_claim(client, researcher, claim, source):
    logged_in(client, researcher)
    form = client.get(f"/claims/{claim.key}/citations/new/")
    assert re.search(
        r'<input type="text" name="source"[^>]*data-suggest="/sources/suggest.json"', form.content.decode()
    )
    assert "Stalin's Year of Terror" not in page_text(form)  # typed, not chosen from a list of every source
    assert '<a href="/sources/new/">Add the source first</a>' in page_text(form)
    assert "The convicted were shot on 12 June 1937." in page_text(form)  # which claim is being cited for
    response = client.post(
        f"/claims/{claim.key}/citations/new/",
        {
            "source": source.key,
            "locator": "p. 412",
            "quote": "Расстреляны 12 июня",
            "quote_translation": "Shot on 12 June",
            "stance": "supports",
        },
    )
    assert response.status_code == 302
    citation = Citation.objects.get(locator="p. 412")
    assert response["Location"] == f"/claims/{claim.key}/#citation-{citation.pk}"  # at the new citation
    assert (citation.claim, citation.source, citation.quote) == (claim, source, "Расстреляны 12 июня")
    assert citation.created_by == researcher


def test_a_second_citation_of_the_same_source_at_the_same_place_is_refused(client, researcher, citation):
    logged_in(client, researcher)
    response = client.post(
        f"/claims/{citation.claim.key}/citations/new/",
        {"source": citation.source.key, "locator": "ch. 9", "stance": "mentions"},
    )
    assert response.status_code == 200
    assert "This claim already cites this source at this locator." in top_errors(response)
    assert Citation.objects.count() == 1


def test_a_citation_is_edited_and_leads_back_to_its_claim(client, researcher, citation):
    logged_in(client, researcher)
    url = f"/citations/{citation.pk}/edit/"
    shown = client.get(url)
    assert (input_value(shown, "locator"), input_value(shown, "source")) == ("ch. 9", citation.source.key)
    response = client.post(
        url,
        {
            "version": citation.version,
            "source": citation.source.key,
            "locator": "ch. 9, p. 415",
            "stance": "contradicts",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/claims/{citation.claim.key}/#citation-{citation.pk}"
    citation.refresh_from_db()
    assert (citation.locator, citation.stance) == ("ch. 9, p. 415", "contradicts")


def test_any_role_may_cite_for_a_claim_someone_else_added(client, reviewer, claim, source):
    logged_in(client, reviewer)
    response = client.post(f"/claims/{claim.key}/citations/new/", {"source": "Stalin's Year", "stance": "mentions"})
    assert response.status_code == 302
    assert Citation.objects.get().created_by == reviewer


# --- Sources -------------------------------------------------------------------------


def test_the_source_form_groups_the_archival_reference(client, researcher):
    logged_in(client, researcher)
    text = page_text(client.get("/sources/new/"))
    fieldset = re.search(r"<fieldset>(.*?)</fieldset>", text, re.S).group(1)
    assert "<legend>Archival reference" in fieldset
    for name in ("archive", "archive_fond", "archive_opis", "archive_delo", "archive_list"):
        assert f'name="{name}"' in fieldset
    for name in (
        "key",
        "kind",
        "level",
        "title",
        "title_original",
        "authors",
        "date",
        "publisher",
        "url",
        "language",
        "notes",
    ):
        assert f'<label for="id_{name}"' in text


def test_a_source_with_a_russian_title_is_saved_and_shown_back(client, researcher):
    logged_in(client, researcher)
    response = client.post(
        "/sources/new/",
        source_form(
            key="ochishchenie",
            kind="monograph",
            level="secondary",
            title="The Purge",
            title_original="«Очищение»",
            authors="Борис Соколов",
            date="2004",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == "/sources/ochishchenie/"
    source = Source.objects.get(key="ochishchenie")
    assert source.title_original == "«Очищение»"
    form = client.get("/sources/ochishchenie/edit/")
    assert input_value(form, "title_original") == "«Очищение»"
    assert input_value(form, "authors") == "Борис Соколов"
    assert "«Очищение»" in form.content.decode("utf-8")


def test_an_archival_file_without_its_archive_is_refused_on_the_archive_field(client, researcher):
    logged_in(client, researcher)
    response = client.post("/sources/new/", source_form(key="rgva-33987", kind="archival_file", archive_fond="33987"))
    assert response.status_code == 200
    assert "An archival file needs the archive that holds it." in field_errors(response, "archive")
    assert not Source.objects.exists()


def test_a_source_is_edited_and_a_new_key_is_its_new_address(client, researcher, source):
    logged_in(client, researcher)
    data = source_form(
        key="rogovin-1937-en",
        kind=source.kind,
        level=source.level,
        title=source.title,
        title_original=source.title_original,
        authors=source.authors,
        date="1998",
        publisher="Mehring Books",
        version=source.version,
    )
    response = client.post(f"/sources/{source.key}/edit/", data)
    assert response["Location"] == "/sources/rogovin-1937-en/"
    source.refresh_from_db()
    assert (source.key, source.publisher, source.date_earliest) == (
        "rogovin-1937-en",
        "Mehring Books",
        datetime.date(1998, 1, 1),
    )


# --- People --------------------------------------------------------------------------


def test_a_person_with_a_cyrillic_name_is_saved_and_shown_back(client, researcher):
    logged_in(client, researcher)
    response = client.post(
        "/people/new/",
        {"name": "Tukhachevsky", "name_original": "Тухачевский", "aliases": "Tukhachevskii\n\n  Toukhatchevski  \n"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/people/tukhachevsky/"  # the slug is derived from the name
    person = Person.objects.get(slug="tukhachevsky")
    assert person.name_original == "Тухачевский"
    assert person.alias_list == ["Tukhachevskii", "Toukhatchevski"]
    form = client.get("/people/tukhachevsky/edit/")
    assert input_value(form, "name_original") == "Тухачевский"
    assert input_value(form, "aliases") == "Tukhachevskii\nToukhatchevski"


def test_a_name_only_in_cyrillic_gets_a_latin_address(client, researcher):
    logged_in(client, researcher)
    response = client.post("/people/new/", {"name": "Тухачевский"})
    assert response["Location"] == "/people/tukhachevskii/"


def test_a_second_person_with_the_same_address_is_refused_on_the_slug(client, researcher, person):
    logged_in(client, researcher)
    response = client.post("/people/new/", {"name": "Tukhachevsky", "slug": person.slug})
    assert response.status_code == 200
    assert "already exists" in field_errors(response, "slug")
    assert Person.objects.count() == 1


def test_a_taken_address_made_from_the_name_asks_for_another_one(client, researcher, person):
    logged_in(client, researcher)
    response = client.post("/people/new/", {"name": "Tukhachevsky"})
    assert response.status_code == 200
    assert "“tukhachevsky”, belongs to someone else already" in field_errors(response, "slug")
    response = client.post("/people/new/", {"name": "Tukhachevsky", "slug": "tukhachevsky-nikolai"})
    assert response["Location"] == "/people/tukhachevsky-nikolai/"


def test_a_person_is_edited_by_their_author(client, researcher, person):
    logged_in(client, researcher)
    response = client.post(
        f"/people/{person.slug}/edit/",
        {
            "version": person.version,
            "name": "Mikhail Tukhachevsky",
            "name_original": "Тухачевский, Михаил Николаевич",
            "slug": person.slug,
        },
    )
    assert response["Location"] == f"/people/{person.slug}/"
    person.refresh_from_db()
    assert person.name_original == "Тухачевский, Михаил Николаевич"


# --- Forgery -------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused(researcher, topic):
    client = Client(enforce_csrf_checks=True)
    client.force_login(researcher)
    response = client.post("/claims/new/", claim_form(topic))
    assert response.status_code == 403
    assert not Claim.objects.exists()
    # With the token from the form, the same post is accepted.
    form = client.get("/claims/new/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode()).group(1)
    response = client.post("/claims/new/", {**claim_form(topic), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Claim.objects.count() == 1

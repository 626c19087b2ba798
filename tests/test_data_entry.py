"""Data entry without dead ends (issue 15), as the server sees it: "Add a claim" from a topic
keeps the topic; a claim left without a key gets one made from its statement; a person or a
source is added from within the claim or citation form (people/add.json, sources/add.json).
The scripts that use them are tried in tests/test_data_entry_browser.py."""

import json

import pytest

from claims import services
from claims.keys import key_from_text
from claims.models import Claim, Person, Source
from tests.test_records import input_value, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(researcher) -> Person:
    return services.person_create(actor=researcher, name="Tukhachevsky", name_original="Тухачевский")


def selected_topic(response) -> str:
    page = response.content.decode()
    select = page.split('name="topic"', 1)[1].split("</select>", 1)[0]
    chosen = [part.split(">", 1)[1].split("<", 1)[0] for part in select.split("<option")[1:] if " selected" in part]
    return chosen[0] if chosen else ""


# --- The topic chosen ----------------------------------------------------------------


def test_add_a_claim_from_a_topic_page_keeps_that_topic_chosen(client, researcher, topic):
    services.topic_create(actor=researcher, title="Another question")
    logged_in(client, researcher)
    topic_page = client.get(f"/topics/{topic.slug}/").content.decode()
    assert f'href="/claims/new/?topic={topic.slug}"' in topic_page
    form = client.get(f"/claims/new/?topic={topic.slug}")
    assert selected_topic(form) == "Date of execution"
    assert f'href="/topics/{topic.slug}/"' in form.content.decode()  # Cancel goes back to the topic


def test_an_unknown_topic_in_the_address_is_ignored(client, researcher, topic):
    logged_in(client, researcher)
    for asked in ("no-such-topic", "x" * 300, ""):
        response = client.get("/claims/new/", {"topic": asked})
        assert response.status_code == 200
        assert selected_topic(response) == "(choose a topic)"


# --- The key -------------------------------------------------------------------------


def test_the_key_field_carries_what_the_script_needs_to_suggest_it_from_the_statement(client, researcher):
    logged_in(client, researcher)
    page = client.get("/claims/new/").content.decode()
    assert 'data-key-from="id_statement"' in page
    assert "&quot;щ&quot;: &quot;shch&quot;" in page  # the server's transliteration, given to the script
    assert '<script src="/static/claims/key_suggest.js" defer></script>' in page
    # Editing a claim keeps its key as it is: nothing is suggested over it.
    claim = services.claim_create(
        actor=researcher, key="k", topic=services.topic_create(actor=researcher, title="T"), statement="S"
    )
    assert "data-key-from" not in client.get(f"/claims/{claim.key}/edit/").content.decode()


def test_a_claim_left_without_a_key_gets_one_made_from_its_statement_and_unique(client, researcher, topic):
    logged_in(client, researcher)
    statement = "Тухачевский был расстрелян 12 июня 1937 года вместе с Якиром, Уборевичем и другими"
    made = key_from_text(statement)
    assert made == "tukhachevskii-byl-rasstrelian-12-iiunia-1937-goda-vmeste-s"  # cut at a word's end, 60 at most
    for _ in range(2):
        response = client.post("/claims/new/", {"key": "", "topic": topic.pk, "statement": statement, "kind": "fact"})
        assert response.status_code == 302
    assert sorted(Claim.objects.values_list("key", flat=True)) == [made, f"{made}-2"]


def test_a_key_typed_is_kept_and_a_taken_one_refused(client, researcher, topic, claim):
    logged_in(client, researcher)
    response = client.post("/claims/new/", {"key": claim.key, "topic": topic.pk, "statement": "Other.", "kind": "fact"})
    assert response.status_code == 200
    assert "Claim with this Key already exists." in response.content.decode()
    assert input_value(response, "key") == claim.key


# --- A person added from the claim form ----------------------------------------------


def test_a_person_added_from_the_claim_form_is_made_and_named_by_a_new_slug(client, researcher, person):
    logged_in(client, researcher)
    response = client.post("/people/add.json", {"name": "Август Корк"})
    assert response.status_code == 201
    assert response.json() == {"value": "avgust-kork", "label": "Август Корк"}
    added = Person.objects.get(slug="avgust-kork")
    assert (added.name, added.created_by) == ("Август Корк", researcher)
    # A namesake gets the next free slug rather than a refusal.
    again = client.post("/people/add.json", {"name": person.name})
    assert again.status_code == 201
    assert again.json()["value"] == f"{person.slug}-2"


def test_a_person_without_a_name_is_refused_naming_the_field_and_nothing_is_added(client, researcher):
    logged_in(client, researcher)
    response = client.post("/people/add.json", {"name": "  "})
    assert response.status_code == 400
    assert response.json() == {"errors": {"name": ["This field is required."]}}
    bad = client.post("/people/add.json", {"name": "Kork | Yakir"})
    assert bad.status_code == 400
    assert "name" in bad.json()["errors"]
    assert not Person.objects.exists()


def test_adding_a_person_needs_a_role_and_a_post(client, outsider, researcher):
    logged_in(client, outsider)
    assert client.post("/people/add.json", {"name": "Avgust Kork"}).status_code == 403
    logged_in(client, researcher)
    assert client.get("/people/add.json", {"name": "Avgust Kork"}).status_code == 405
    assert not Person.objects.exists()


def test_the_people_field_shows_the_people_chosen_for_the_chips(client, researcher, claim, person):
    claim.people.set([person])
    logged_in(client, researcher)
    page = client.get(f"/claims/{claim.key}/edit/").content.decode()
    chosen = page.split('data-chosen="', 1)[1].split('"', 1)[0]
    assert json.loads(chosen.replace("&quot;", '"')) == [{"value": person.slug, "label": "Tukhachevsky (Тухачевский)"}]


# --- A source added from the citation form -------------------------------------------


def test_a_source_added_from_the_citation_form_gets_a_key_from_its_title(client, researcher):
    logged_in(client, researcher)
    response = client.post(
        "/sources/add.json",
        {
            "new_source-title": "Партия расстрелянных",
            "new_source-kind": "monograph",
            "new_source-level": "secondary",
            "new_source-date": "about 1997",
        },
    )
    assert response.status_code == 201, response.content
    source = Source.objects.get()
    assert response.json() == {"value": source.key, "label": f"{source.key}: Партия расстрелянных"}
    assert (source.key, source.date, source.created_by) == ("partiia-rasstreliannykh", "1997~", researcher)


def test_a_source_refused_names_each_problem_by_field_and_nothing_is_added(client, researcher):
    logged_in(client, researcher)
    response = client.post(
        "/sources/add.json",
        {"new_source-title": "Case file", "new_source-kind": "archival_file", "new_source-level": "primary",
         "new_source-date": "the 12th"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "“the 12th” is not a date this form understands" in response.json()["errors"]["date"][0]
    no_archive = client.post(
        "/sources/add.json",
        {"new_source-title": "Case file", "new_source-kind": "archival_file", "new_source-level": "primary"},
    )
    assert no_archive.status_code == 400
    assert no_archive.json()["errors"] == {"archive": ["An archival file needs the archive that holds it."]}
    assert not Source.objects.exists()


def test_the_citation_form_holds_the_new_source_form_inert_until_asked(client, researcher, claim):
    logged_in(client, researcher)
    page = client.get(f"/claims/{claim.key}/citations/new/").content.decode()
    assert 'data-source-add="/sources/add.json"' in page
    template = page.split('<template id="id_source_new">', 1)[1].split("</template>", 1)[0]
    for name in ("title", "kind", "level", "date", "archive", "key"):
        assert f'name="new_source-{name}"' in template
    assert " required" not in template  # it never stops the citation form being sent

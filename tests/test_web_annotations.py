"""Issue 16, point 2: every annotation as a W3C Web Annotation, one by one, per claim and for the
whole site in pages; read back with PyLD against the published context (vendored)."""

from types import SimpleNamespace

import pytest

from claims import services
from claims.linked_data.annotations import MEDIA_TYPE
from claims.models import Citation, Claim, Source, Topic
from claims.roles import Role
from claims.selectors import annotation_feed
from tests.conftest import make_user, rows_for_the_module
from tests.linked_data_support import (
    AS,
    DC,
    DCTERMS,
    FOAF_NAME,
    OA,
    RDF_VALUE,
    compact_keys,
    expand,
    expanded_keys,
    ids,
    literals,
)

HOST = "http://testserver"


@pytest.fixture(scope="module")
def notes(django_db_setup, django_db_blocker, tmp_path_factory):
    """A claim with a note quoting it and a reply, a note on its citation, a withdrawn note,
    victor_reviewer's grade of the citation with a note on it, and a note on the source."""
    with rows_for_the_module(django_db_blocker, tmp_path_factory):
        researcher = make_user("rita_researcher", Role.RESEARCHER)
        victor = make_user("victor_reviewer", Role.REVIEWER)
        vera = make_user("vera_reviewer", Role.REVIEWER)
        editor = make_user("edith_editor", Role.EDITOR)
        topic: Topic = services.topic_create(actor=editor, title="Date of execution")
        claim: Claim = services.claim_create(
            actor=researcher,
            key="execution-12-june",
            topic=topic,
            statement="The convicted were shot on 12 June 1937, hours after the verdict.",
        )
        source: Source = services.source_create(
            actor=researcher, key="rogovin-1937", kind="monograph", level="secondary", title="1937", date="1998"
        )
        citation: Citation = services.citation_create(actor=researcher, claim=claim, source=source, locator="ch. 9")
        quoting = services.annotation_create(
            actor=researcher,
            target=claim,
            body="Which **sources** give the hour?",
            motivation="question",
            quoted_passage="12 June 1937",
        )
        reply = services.annotation_create(actor=editor, parent=quoting, body="The Shvernik report.")
        on_citation = services.annotation_create(actor=researcher, target=citation, body="Chapter 9, p. 481.")
        withdrawn = services.annotation_create(actor=researcher, target=claim, body="My secret doubt.")
        services.annotation_withdraw(actor=researcher, annotation=withdrawn)
        grade = services.grade_set(actor=victor, target=citation, grade=3, rationale="One witness.")
        on_grade = services.annotation_create(actor=researcher, target=grade, body="Why only 3?")
        on_source = services.annotation_create(actor=researcher, target=source, body="Which edition?")
        yield SimpleNamespace(**locals())


@pytest.fixture
def world(notes, db):
    return notes


def get(client, user, path):
    client.force_login(user)
    return client.get(path)


def test_an_annotation_is_served_with_the_w3c_media_type_and_context(client, world):
    response = get(client, world.researcher, f"/annotations/{world.quoting.pk}.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"] == 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    assert response["Content-Type"] == MEDIA_TYPE
    document = response.json()
    assert document["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert document["id"] == f"{HOST}/annotations/{world.quoting.pk}.jsonld"
    assert document["type"] == "Annotation"


def test_every_term_of_an_annotation_survives_expansion_against_the_published_context(client, world):
    document = get(client, world.researcher, f"/annotations/{world.quoting.pk}.jsonld").json()
    expanded = expand(document)
    assert compact_keys(document) == expanded_keys(expanded), "expansion dropped a property the context lacks"
    [node] = expanded
    assert node["@type"] == [OA + "Annotation"]
    assert ids(node[OA + "motivatedBy"]) == [OA + "questioning"]
    [creator] = node[DCTERMS + "creator"]
    assert creator["@id"] == f"{HOST}/users/{world.researcher.pk}.jsonld"
    assert literals(creator[FOAF_NAME]) == ["rita_researcher"]
    for term in ("created", "modified"):
        [when] = literals(node[DCTERMS + term])
        assert when.startswith(str(world.quoting.created_at.year)) and when.endswith("+00:00"), "ISO 8601 with zone"
    [body] = node[OA + "hasBody"]
    assert body["@type"] == [OA + "TextualBody"]
    assert literals(body[RDF_VALUE]) == ["Which **sources** give the hour?"]
    assert literals(body[DC + "format"]) == ["text/markdown"]
    [target] = node[OA + "hasTarget"]
    assert ids(target[OA + "hasSource"]) == [f"{HOST}/claims/execution-12-june/"]
    [selector] = target[OA + "hasSelector"]
    assert selector["@type"] == [OA + "TextQuoteSelector"]
    assert literals(selector[OA + "exact"]) == ["12 June 1937"]
    assert literals(selector[OA + "prefix"]) == ["The convicted were shot on "]
    assert literals(selector[OA + "suffix"]) == [", hours after the verdict."]


def test_a_reply_is_replying_to_its_parent_annotation(client, world):
    document = get(client, world.researcher, f"/annotations/{world.reply.pk}.jsonld").json()
    assert document["motivation"] == "replying"
    assert document["target"] == f"{HOST}/annotations/{world.quoting.pk}.jsonld"
    assert document["creator"]["name"] == "edith_editor"
    [node] = expand(document)
    assert ids(node[OA + "motivatedBy"]) == [OA + "replying"]


def test_a_note_on_a_citation_targets_the_citation_on_its_claims_page(client, world):
    document = get(client, world.researcher, f"/annotations/{world.on_citation.pk}.jsonld").json()
    assert document["motivation"] == "commenting"
    assert document["target"] == f"{HOST}/claims/execution-12-june/#citation-{world.citation.pk}"


def test_a_withdrawn_annotation_keeps_its_place_but_not_its_words(client, world):
    document = get(client, world.researcher, f"/annotations/{world.withdrawn.pk}.jsonld").json()
    assert document["body"]["value"].startswith("Withdrawn by its author on ")
    assert document["body"]["format"] == "text/plain"
    assert "secret" not in str(document)
    assert document["modified"] == world.withdrawn.__class__.objects.get(pk=world.withdrawn.pk).withdrawn_at.isoformat()


def test_the_author_is_named_without_their_email_and_their_id_answers(client, world):
    world.researcher.email = "rita@example.org"
    world.researcher.save()
    document = get(client, world.editor, f"/annotations/{world.quoting.pk}.jsonld").json()
    assert "example.org" not in str(document)
    person = client.get(f"/users/{world.researcher.pk}.jsonld")
    assert person.json()["name"] == "rita_researcher" and "example.org" not in person.content.decode()
    [node] = expand(person.json())
    assert node["@type"] == ["http://xmlns.com/foaf/0.1/Person"]


def test_a_claims_collection_holds_its_own_its_citations_and_their_grades_notes_but_not_its_sources(client, world):
    collection = get(client, world.editor, "/claims/execution-12-june/annotations.jsonld").json()
    assert collection["type"] == "AnnotationCollection" and collection["total"] == 5
    page = client.get(collection["first"].removeprefix(HOST)).json()
    assert [item["id"] for item in page["items"]] == [
        f"{HOST}/annotations/{a.pk}.jsonld"
        for a in (world.quoting, world.reply, world.on_citation, world.withdrawn, world.on_grade)
    ]
    [node] = expand(collection)
    assert literals(node[AS + "totalItems"]) == [5]
    assert ids(node[AS + "first"]) == [collection["first"]]


def test_the_sites_collection_is_paged_each_page_naming_the_next_to_the_end(client, world, monkeypatch):
    monkeypatch.setattr(annotation_feed, "PER_PAGE", 2)
    collection = get(client, world.editor, "/annotations.jsonld").json()
    assert collection["total"] == 6
    seen, url, starts = [], collection["first"], []
    while url:
        response = client.get(url.removeprefix(HOST))
        assert response["Content-Type"] == MEDIA_TYPE
        page = response.json()
        assert page["type"] == "AnnotationPage" and page["partOf"]["id"] == f"{HOST}/annotations.jsonld"
        expanded = expand(page)
        assert compact_keys(page) == expanded_keys(expanded)
        [node] = expanded
        assert ids(node[AS + "partOf"]) == [page["partOf"]["id"]]
        assert len(node[AS + "items"][0]["@list"]) == len(page["items"])
        starts.append(page["startIndex"])
        seen += [item["id"] for item in page["items"]]
        url = page.get("next")
    assert starts == [0, 2, 4]
    assert len(seen) == len(set(seen)) == 6
    last = client.get(collection["last"].removeprefix(HOST)).json()
    assert last["startIndex"] == 4 and "next" not in last
    assert [item["id"] for item in last["items"]] == seen[4:]
    before_last = client.get(last["prev"].removeprefix(HOST)).json()
    assert [item["id"] for item in before_last["items"]] == seen[2:4] and before_last["startIndex"] == 2


def test_a_deep_page_reads_as_many_queries_as_an_early_one_and_skips_nothing(
    client, world, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(annotation_feed, "PER_PAGE", 2)
    client.force_login(world.editor)
    # Session, user and roles (3); the page's rows, whether any come before, its start index, the total (4).
    for path in (f"/annotations.jsonld?after={world.quoting.pk}", "/annotations.jsonld?before=9223372036854775807"):
        with django_assert_num_queries(7) as queries:
            assert client.get(path).status_code == 200
        assert not [q for q in queries.captured_queries if "OFFSET" in q["sql"]], "a page cut by OFFSET"


@pytest.mark.parametrize("cursor", ["after=x", "before=-3", "after=1&before=9", "after=" + "9" * 25])
def test_a_page_asked_for_wrongly_is_refused_with_what_is_wrong(client, world, cursor):
    response = get(client, world.editor, f"/annotations.jsonld?{cursor}")
    assert response.status_code == 400
    assert "after" in response.json()["error"] or "before" in response.json()["error"]


def test_notes_on_a_grade_hidden_from_a_blind_reviewer_do_not_show_through(client, world):
    client.force_login(world.vera)
    assert client.get(f"/annotations/{world.on_grade.pk}.jsonld").status_code == 404
    hidden = f"{HOST}/annotations/{world.on_grade.pk}.jsonld"
    for path in ("/annotations.jsonld", "/claims/execution-12-june/annotations.jsonld"):
        collection = client.get(path).json()
        page = client.get(collection["first"].removeprefix(HOST)).json()
        assert hidden not in [item["id"] for item in page["items"]]
        assert collection["total"] == page["partOf"]["total"] == len(page["items"])
    assert client.get("/claims/execution-12-june/annotations.jsonld").json()["total"] == 4
    # Once she has graded the citation herself, she sees the others' grades and the notes on them.
    services.grade_set(actor=world.vera, target=world.citation, grade=2, rationale="Two witnesses.")
    assert client.get(f"/annotations/{world.on_grade.pk}.jsonld").status_code == 200
    page = client.get("/claims/execution-12-june/annotations.jsonld?after=0").json()
    assert hidden in [item["id"] for item in page["items"]]


def test_notes_on_a_dispute_of_a_hidden_grade_are_hidden_too_but_not_from_who_raised_it(client, world):
    dispute = services.dispute_raise(actor=world.editor, target=world.grade, reason="Too low.", proposed=2)
    note = services.annotation_create(actor=world.researcher, target=dispute, body="Agreed.")
    reply = services.annotation_create(actor=world.editor, parent=note, body="Thanks.")
    address = f"{HOST}/annotations/{note.pk}.jsonld"
    for user, status in ((world.vera, 404), (world.editor, 200), (world.researcher, 200)):
        client.force_login(user)
        assert client.get(f"/annotations/{note.pk}.jsonld").status_code == status
        assert client.get(f"/annotations/{reply.pk}.jsonld").status_code == status
        listed = [
            item["id"] for item in client.get("/claims/execution-12-june/annotations.jsonld?after=0").json()["items"]
        ]
        assert (address in listed) == (status == 200)
    document = client.get(f"/annotations/{note.pk}.jsonld").json()
    assert document["target"] == f"{HOST}/disputes/{dispute.pk}/"


def test_the_grades_reviewer_and_an_editor_see_the_note_on_it(client, world):
    for user in (world.victor, world.editor):
        assert get(client, user, f"/annotations/{world.on_grade.pk}.jsonld").status_code == 200


def test_an_annotation_that_does_not_exist_is_not_found(client, world):
    assert get(client, world.editor, "/annotations/987654.jsonld").status_code == 404
    assert client.get("/claims/no-such-claim/annotations.jsonld").status_code == 404

"""A source's genealogy on its page (issue 13, point 1): what it derives from and what derives
from it, and the forms that record, change and remove a relation."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import Source, SourceRelation
from tests.forms_support import form_values, hidden_fields, page_text


def _source(actor, key: str, title: str) -> Source:
    return services.source_create(actor=actor, key=key, kind="monograph", level="secondary", title=title)


@pytest.fixture
def russian(editor) -> Source:
    """The Russian original of Rogovin's «1937», added by the editor."""
    return _source(editor, "rogovin-1937-ru", "1937 (Russian original)")


@pytest.fixture
def translation(researcher, source, russian) -> SourceRelation:
    """The researcher's rogovin-1937 recorded as a translation of the Russian original."""
    return services.source_relation_add(
        actor=researcher, source=source, derived_from=russian, kind="translation", note="Translator's preface."
    )


def _new_url(source: Source) -> str:
    return f"/sources/{source.key}/relations/new/"


def _edit_url(relation: SourceRelation) -> str:
    return f"/sources/{relation.source.key}/relations/{relation.pk}/edit/"


def _remove_url(relation: SourceRelation) -> str:
    return f"/sources/{relation.source.key}/relations/{relation.pk}/remove/"


def _errors(response) -> str:
    return page_text(response)


# --- The page ---------------------------------------------------------------------------


def test_the_source_page_says_what_it_derives_from_with_the_note_and_who_added_it(
    client, reviewer, source, russian, translation
):
    client.force_login(reviewer)
    text = page_text(client.get(f"/sources/{source.key}/"))
    assert "Genealogy" in text
    assert "This source is a translation of « 1937 (Russian original) » [ rogovin-1937-ru ]" in text
    assert "Translator's preface." in text and "Added by rita_researcher" in text
    assert f'href="/sources/{russian.key}/"' in client.get(f"/sources/{source.key}/").content.decode()


def test_the_original_lists_what_derives_from_it_with_links(client, reviewer, source, russian, translation):
    client.force_login(reviewer)
    response = client.get(f"/sources/{russian.key}/")
    assert "« 1937: Stalin's Year of Terror » [ rogovin-1937 ] is a translation of this source" in page_text(response)
    assert f'href="/sources/{source.key}/"' in response.content.decode()


def test_only_those_who_may_edit_the_source_are_offered_the_forms(
    client, researcher, reviewer, editor, source, translation
):
    page = f"/sources/{source.key}/"
    for user, offered in ((researcher, True), (editor, True), (reviewer, False)):
        client.force_login(user)
        html = client.get(page).content.decode()
        assert (_new_url(source) in html) is offered
        assert (_edit_url(translation) in html) is offered
        assert (_remove_url(translation) in html) is offered


def test_the_source_page_reads_the_same_number_of_queries_however_many_relations(
    client, django_assert_num_queries, editor, source, russian
):
    client.force_login(editor)
    page = f"/sources/{source.key}/"
    services.source_relation_add(actor=editor, source=source, derived_from=russian, kind="translation")
    client.get(page)  # (anything read once per session is read now)
    with CaptureQueriesContext(connection) as few:
        client.get(page)
    for n in range(6):
        other = _source(editor, f"edition-{n}", f"Edition {n}")
        services.source_relation_add(actor=editor, source=other, derived_from=source, kind="copy", note=f"Ed. {n}")
        services.source_relation_add(actor=editor, source=other, derived_from=russian, kind="quotes")
        quoted = _source(editor, f"quoted-{n}", f"Quoted {n}")
        services.source_relation_add(actor=editor, source=source, derived_from=quoted, kind="quotes")
    with django_assert_num_queries(len(few)):
        response = client.get(page)
    assert page_text(response).count("is a copy of this source") == 6
    assert page_text(response).count("This source quotes") == 6


def test_an_original_with_many_derivations_lists_the_first_and_says_how_many(client, editor, source):
    # An original may have hundreds of editions and works based on it: the page stays one size.
    from claims.selectors import detail

    client.force_login(editor)
    for n in range(detail.DERIVED_SHOWN + 3):
        other = _source(editor, f"edition-{n:02d}", f"Edition {n}")
        services.source_relation_add(actor=editor, source=other, derived_from=source, kind="copy")
    text = page_text(client.get(f"/sources/{source.key}/"))
    assert f"What derives from it ({detail.DERIVED_SHOWN + 3})" in text
    assert text.count("is a copy of this source") == detail.DERIVED_SHOWN
    assert f"The first {detail.DERIVED_SHOWN} of {detail.DERIVED_SHOWN + 3} by key" in text
    assert "edition-00" in text and f"edition-{detail.DERIVED_SHOWN + 2}" not in text


# --- Adding -----------------------------------------------------------------------------


def test_a_researcher_records_that_their_source_is_a_translation(client, researcher, source, russian):
    client.force_login(researcher)
    response = client.post(
        _new_url(source), {"derived_from": "rogovin-1937-ru", "kind": "translation", "note": "See the preface."}
    )
    assert response.status_code == 302 and response["Location"] == f"/sources/{source.key}/#genealogy"
    relation = SourceRelation.objects.get()
    assert str(relation) == "rogovin-1937 is a translation of rogovin-1937-ru"
    assert relation.note == "See the preface." and relation.created_by == researcher
    assert relation.history.get().history_user == researcher
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Recorded: rogovin-1937 is a translation of rogovin-1937-ru."
    ]


def test_an_unknown_key_is_refused_naming_it(client, researcher, source):
    client.force_login(researcher)
    response = client.post(_new_url(source), {"derived_from": "no-such-1937", "kind": "copy", "note": ""})
    assert response.status_code == 200
    assert "No source with the key 'no-such-1937'." in _errors(response)
    assert not SourceRelation.objects.exists()


def test_a_circle_is_refused_on_the_form_naming_the_chain(client, editor, source, russian, translation):
    client.force_login(editor)
    response = client.post(_new_url(russian), {"derived_from": source.key, "kind": "summary", "note": ""})
    assert response.status_code == 200
    assert (
        "This would make a circle of derivations: rogovin-1937-ru → rogovin-1937 → rogovin-1937-ru "
        "(each derived from the next)."
    ) in _errors(response)
    assert SourceRelation.objects.count() == 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"derived_from": "rogovin-1937"}, "A source cannot be derived from itself."),
        ({"derived_from": "rogovin-1937-ru"}, "These two sources are related already: change that relation instead."),
        ({"kind": "sequel"}, "Select a valid choice. sequel is not one of the available choices."),
        ({"derived_from": ""}, "This field is required."),
    ],
)
def test_a_bad_relation_is_refused_on_the_form_and_nothing_is_saved(
    client, editor, source, russian, translation, typed, message
):
    client.force_login(editor)
    before = list(SourceRelation.objects.values_list("pk", "kind", "version"))
    response = client.post(_new_url(source), {"derived_from": "rogovin-1937-ru", "kind": "copy", "note": "", **typed})
    assert response.status_code == 200
    assert message in _errors(response)
    assert "Nothing was saved" in _errors(response)
    assert list(SourceRelation.objects.values_list("pk", "kind", "version")) == before


# --- Who may ----------------------------------------------------------------------------


def test_a_researcher_may_not_relate_a_source_someone_else_added(client, researcher, source, russian):
    client.force_login(researcher)
    assert client.get(_new_url(russian)).status_code == 403
    response = client.post(_new_url(russian), {"derived_from": source.key, "kind": "quotes", "note": ""})
    assert response.status_code == 403
    assert "needs the Editor role" in response.content.decode()
    assert not SourceRelation.objects.exists()


def test_an_editor_relates_any_source(client, editor, source, russian):
    client.force_login(editor)
    response = client.post(_new_url(source), {"derived_from": russian.key, "kind": "copy", "note": ""})
    assert response.status_code == 302
    assert SourceRelation.objects.get().created_by == editor


def test_a_reviewer_may_read_the_genealogy_but_not_change_it(client, reviewer, source, translation):
    client.force_login(reviewer)
    assert client.get(f"/sources/{source.key}/").status_code == 200
    assert client.get(_new_url(source)).status_code == 403
    assert client.get(_edit_url(translation)).status_code == 403
    assert client.post(_remove_url(translation), {"version": 1}).status_code == 403
    assert SourceRelation.objects.count() == 1


def test_an_outsider_is_refused_and_an_anonymous_visitor_sent_to_log_in(client, outsider, source, translation):
    response = client.get(_edit_url(translation))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(outsider)
    assert client.get(_new_url(source)).status_code == 403
    assert client.post(_remove_url(translation), {"version": 1}).status_code == 403
    assert SourceRelation.objects.count() == 1


def test_a_relation_is_found_only_under_its_own_source(client, editor, source, russian, translation):
    client.force_login(editor)
    # The relation is rogovin-1937's; under the Russian original's address it does not exist.
    assert client.get(f"/sources/{russian.key}/relations/{translation.pk}/edit/").status_code == 404
    assert client.post(f"/sources/{russian.key}/relations/{translation.pk}/remove/", {"version": 1}).status_code == 404
    assert client.get("/sources/no-such-source/relations/new/").status_code == 404
    assert SourceRelation.objects.count() == 1


# --- Editing and removing ---------------------------------------------------------------


def test_a_researcher_changes_the_kind_and_note_of_their_relation(client, researcher, source, translation):
    client.force_login(researcher)
    url = _edit_url(translation)
    shown = client.get(url)
    assert form_values(shown, "", itself=True)["note"] == ["Translator's preface."]
    data = {**hidden_fields(shown, "", itself=True), "kind": "copy", "note": "An edition, not a translation."}
    response = client.post(url, data)
    assert response.status_code == 302
    translation.refresh_from_db()
    assert (translation.kind, translation.note, translation.version) == ("copy", "An edition, not a translation.", 2)
    assert [h.history_type for h in translation.history.order_by("history_id")] == ["+", "~"]


def test_an_edit_from_an_older_version_is_refused_saying_who_changed_it(
    client, researcher, editor, source, translation
):
    client.force_login(researcher)
    url = _edit_url(translation)
    shown = client.get(url)
    services.source_relation_update(actor=editor, relation=translation, data={"note": "Checked."}, expected_version=1)
    data = {**hidden_fields(shown, "", itself=True), "kind": "copy", "note": "Mine."}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "edith_editor" in _errors(response)
    translation.refresh_from_db()
    assert (translation.kind, translation.note) == ("translation", "Checked.")


def test_an_edit_without_its_version_is_refused(client, researcher, source, translation):
    client.force_login(researcher)
    response = client.post(_edit_url(translation), {"kind": "copy", "note": ""})
    assert response.status_code == 200
    assert "did not carry the version" in _errors(response)
    translation.refresh_from_db()
    assert translation.kind == "translation"


def test_the_remove_button_removes_the_relation_keeping_its_history(client, researcher, source, translation):
    client.force_login(researcher)
    page = f"/sources/{source.key}/"
    assert client.get(_remove_url(translation)).status_code == 405
    data = hidden_fields(client.get(page), _remove_url(translation))
    response = client.post(_remove_url(translation), data, follow=True)
    assert "Removed: rogovin-1937 is a translation of rogovin-1937-ru." in page_text(response)
    assert "Nothing recorded" in page_text(response)
    assert not SourceRelation.objects.exists()
    assert SourceRelation.history.latest().history_type == "-"
    assert SourceRelation.history.latest().history_user == researcher


def test_a_relation_changed_since_the_page_was_shown_is_not_removed(client, researcher, editor, source, translation):
    client.force_login(researcher)
    data = hidden_fields(client.get(f"/sources/{source.key}/"), _remove_url(translation))
    services.source_relation_update(actor=editor, relation=translation, data={"kind": "copy"}, expected_version=1)
    response = client.post(_remove_url(translation), data, follow=True)
    assert "edith_editor" in page_text(response)
    assert SourceRelation.objects.get().kind == "copy"


def test_the_edit_and_remove_forms_need_csrf(researcher, source, translation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(researcher)
    assert client.post(_remove_url(translation), {"version": 1}).status_code == 403
    assert client.post(_edit_url(translation), {"version": 1, "kind": "copy"}).status_code == 403
    assert SourceRelation.objects.get().kind == "translation"

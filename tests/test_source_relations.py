"""Source genealogy (issue 13, point 1): one source recorded as a copy, translation,
quotation, reliance or summary of another; never in a circle."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from claims import services
from claims.models import Source, SourceRelation
from claims.roles import Role
from tests.conftest import make_user
from tests.test_admin import form_data
from tests.test_concurrent_edits import _at_once


def _source(actor, key: str, title: str) -> Source:
    return services.source_create(actor=actor, key=key, kind="article", level="secondary", title=title)


@pytest.fixture
def translation(researcher) -> Source:
    """The researcher's own source: the English translation of Rogovin's «1937»."""
    return _source(researcher, "rogovin-1937-en", "1937: Stalin's Year of Terror (English)")


def test_a_researcher_records_that_their_source_is_a_translation(researcher, source, translation):
    relation = services.source_relation_add(
        actor=researcher, source=translation, derived_from=source, kind="translation", note="Translator's preface."
    )
    assert str(relation) == "rogovin-1937-en is a translation of rogovin-1937"
    assert list(source.derived.all()) == [relation] and list(translation.derivations.all()) == [relation]
    added = relation.history.get()
    assert added.history_type == "+" and added.history_user == researcher


def test_a_researcher_may_not_relate_a_source_someone_else_added_but_an_editor_may(researcher, editor, source):
    other = _source(editor, "izvestiya-1989", "Izvestiya TsK KPSS, 1989, no. 4")
    with pytest.raises(PermissionDenied):
        services.source_relation_add(actor=researcher, source=other, derived_from=source, kind="quotes")
    assert not SourceRelation.objects.exists()
    services.source_relation_add(actor=editor, source=other, derived_from=source, kind="quotes")
    assert SourceRelation.objects.count() == 1


def test_a_chain_back_to_its_start_is_refused_naming_the_circle(editor):
    a, b, c = (_source(editor, key, key.upper()) for key in ("report-1964", "izvestiya-1989", "memoir-1990"))
    services.source_relation_add(actor=editor, source=b, derived_from=a, kind="copy")
    services.source_relation_add(actor=editor, source=c, derived_from=b, kind="based_on")
    with pytest.raises(ValidationError) as refused:
        services.source_relation_add(actor=editor, source=a, derived_from=c, kind="summary")
    assert refused.value.message_dict["derived_from"] == [
        "This would make a circle of derivations: report-1964 → memoir-1990 → izvestiya-1989 → report-1964 "
        "(each derived from the next)."
    ]
    assert SourceRelation.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"derived_from": "self"}, "derived_from", "A source cannot be derived from itself."),
        ({"kind": "sequel"}, "kind", "Unknown kind of relation “sequel”"),
        ({"kind": ""}, "kind", "This field cannot be blank."),
    ],
)
def test_a_bad_relation_is_refused_with_a_message_on_its_field(editor, source, translation, change, field, message):
    data = {"source": translation, "derived_from": source, "kind": "translation", **change}
    if data["derived_from"] == "self":
        data["derived_from"] = translation
    with pytest.raises(ValidationError) as refused:
        services.source_relation_add(actor=editor, **data)
    assert any(message in text for text in refused.value.message_dict[field])
    assert not SourceRelation.objects.exists()


def test_two_sources_are_related_once(editor, source, translation):
    services.source_relation_add(actor=editor, source=translation, derived_from=source, kind="translation")
    with pytest.raises(ValidationError, match="These two sources are related already"):
        services.source_relation_add(actor=editor, source=translation, derived_from=source, kind="quotes")


def test_a_relation_is_changed_and_removed_with_its_history_kept(researcher, source, translation):
    relation = services.source_relation_add(actor=researcher, source=translation, derived_from=source, kind="copy")
    services.source_relation_update(
        actor=researcher, relation=relation, data={"kind": "translation"}, expected_version=1
    )
    relation.refresh_from_db()
    assert relation.kind == "translation" and relation.version == 2
    services.source_relation_remove(actor=researcher, relation=relation)
    assert not SourceRelation.objects.exists()
    assert [h.history_type for h in SourceRelation.history.order_by("history_id")] == ["+", "~", "-"]
    assert SourceRelation.history.latest().history_user == researcher


def test_an_original_others_derive_from_cannot_be_deleted_in_the_admin(staff, editor, source, translation):
    services.source_relation_add(actor=editor, source=translation, derived_from=source, kind="translation")
    with pytest.raises(ValidationError, match="still in use"):
        services.staff_delete(actor=staff, instance=source)
    services.staff_delete(actor=staff, instance=translation)  # the derived one: its relation goes with it
    assert not SourceRelation.objects.exists() and Source.objects.filter(pk=source.pk).exists()


def _relation_rows(data: dict, derived_from: Source, kind: str) -> dict:
    prefix = "derivations"
    data.update({f"{prefix}-0-derived_from": str(derived_from.pk), f"{prefix}-0-kind": kind, f"{prefix}-0-note": ""})
    return data


def test_staff_enter_a_relation_in_the_admin_and_a_circle_is_refused_there(client, staff, editor, source, translation):
    client.force_login(staff)
    url = f"/admin/claims/source/{translation.pk}/change/"
    data = _relation_rows(form_data(client.get(url), "source_form"), source, "translation")
    assert client.post(url, data).status_code == 302
    assert str(SourceRelation.objects.get()) == "rogovin-1937-en is a translation of rogovin-1937"
    back = f"/admin/claims/source/{source.pk}/change/"
    data = _relation_rows(form_data(client.get(back), "source_form"), translation, "copy")
    response = client.post(back, data, follow=True)
    assert "This would make a circle of derivations: rogovin-1937 → rogovin-1937-en → rogovin-1937" in (
        response.content.decode()
    )
    assert SourceRelation.objects.count() == 1


def test_the_seed_records_the_relations_the_article_supports(db):
    call_command("seed", stdout=io.StringIO())
    relations = {str(r) for r in SourceRelation.objects.select_related("source", "derived_from")}
    assert {
        "izvestiya-tsk-1989-4 is a copy of shvernik-commission-1964",
        "rogovin-1937 is a translation of rogovin-1937-ru",
        "wikipedia-case-of-military-2010 is based on suvorov-ochishchenie-1998",
    } <= relations
    assert len(relations) == 7
    # Loaded raw, each still gets its first history entry, by the seed's own account.
    assert SourceRelation.history.filter(history_type="+").count() == 7


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # (the role groups)
@pytest.mark.parametrize("attempt", range(3))
def test_two_editors_relating_two_sources_opposite_ways_at_once_make_no_circle(attempt):
    # Each alone is fine; together they would be a circle, which neither sees in what the
    # other has not committed unless relation writes wait for each other.
    editors = [make_user("edith_editor", Role.EDITOR), make_user("emil_editor", Role.EDITOR)]
    original = _source(editors[0], "rogovin-1937-ru", "1937 (Russian)")
    english = _source(editors[0], "rogovin-1937", "1937: Stalin's Year of Terror")

    def relate(editor, source, derived_from):
        return lambda: services.source_relation_add(
            actor=editor,
            source=Source.objects.get(pk=source.pk),
            derived_from=Source.objects.get(pk=derived_from.pk),
            kind="translation",
        )

    results = _at_once(relate(editors[0], english, original), relate(editors[1], original, english))
    added = [r for r in results if isinstance(r, SourceRelation)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(added) == 1 and len(refused) == 1, results
    assert "This would make a circle of derivations" in refused[0].messages[0]
    assert SourceRelation.objects.count() == 1

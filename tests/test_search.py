"""The search index (issue 11, point 2): one search across scripts, spellings and inflections,
ranked and marked, kept in step with every kind of write. Runs on SQLite and, with
DATABASE_URL, on PostgreSQL alike."""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import services
from claims.csv.claims_csv import claims_import
from claims.csv.sources_csv import sources_import
from claims.models import Claim, ClaimSearch, Person, SearchTerm, SearchWord, Source
from claims.search import index as search_index
from tests.forms_support import form_values
from tests.test_admin import form_data

# --- a small world with one man written every way ------------------------------------


@pytest.fixture
def marshal(researcher) -> Person:
    return services.person_create(
        actor=researcher,
        name="Mikhail Tukhachevsky",
        name_original="Тухачевский, Михаил Николаевич",
        aliases="Toukhatchevski",
    )


@pytest.fixture
def memoir(researcher) -> Source:
    return services.source_create(
        actor=researcher,
        key="memoir",
        kind="memoir",
        level="primary",
        title="Memories of the Red Army",
        title_original="Воспоминания о Красной армии",
    )


@pytest.fixture
def about(researcher, topic, marshal, memoir) -> dict[str, Claim]:
    """Claims that name him in their people, in Russian inflected, in German, and one that does not."""
    claims = {
        "named": services.claim_create(
            actor=researcher,
            key="named",
            topic=topic,
            people=[marshal],
            statement="Arrested in Kuibyshev on 22 May 1937.",
        ),
        "inflected": services.claim_create(
            actor=researcher, key="inflected", topic=topic, statement="Приговор Тухачевскому вынесен 11 июня."
        ),
        "german": services.claim_create(
            actor=researcher, key="german", topic=topic, statement="Tuchatschewski wurde erschossen."
        ),
        "other": services.claim_create(
            actor=researcher, key="other", topic=topic, statement="Yakir wrote to Stalin from prison."
        ),
    }
    services.citation_create(actor=researcher, claim=claims["other"], source=memoir)
    return claims


def listed(client, query: str, **params) -> list[str]:
    response = client.get("/claims/", {"q": query, **params})
    assert response.status_code == 200
    return re.findall(r'<td><a href="/claims/([^/"]+)/">', response.content.decode())


SPELLINGS = [
    "Тухачевский",
    "тухачевский",
    "ТУХАЧЕВСКИЙ",
    "Тухачевского",
    "Tukhachevsky",
    "tukhachevskii",
    "Tuchatschewski",
    "Toukhatchevski",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_script_and_inflection_finds_the_same_claims(client, researcher, about, spelling):
    client.force_login(researcher)
    assert sorted(listed(client, spelling)) == ["german", "inflected", "named"]


def test_the_start_of_a_name_or_a_part_of_it_finds_it_in_either_script(client, researcher, about):
    client.force_login(researcher)
    assert sorted(listed(client, "Tukh")) == ["german", "inflected", "named"]
    assert sorted(listed(client, "Тухач")) == ["german", "inflected", "named"]
    assert "inflected" in listed(client, "chevsk")  # inside «Тухачевскому», through its romanization
    assert listed(client, "uibysh") == ["named"]


def test_every_word_must_match_and_source_titles_count(client, researcher, about):
    client.force_login(researcher)
    assert listed(client, "Tukhachevsky Kuibyshev") == ["named"]
    assert listed(client, "Tukhachevsky Stalin") == []
    assert listed(client, "воспоминания") == ["other"]  # the cited source's original title
    assert listed(client, "Memory red army") == ["other"]  # its English title, stemmed


def test_a_search_lists_the_best_matches_first_and_other_sorts_still_apply(client, researcher, topic, marshal, memoir):
    # A name in the claim's people weighs more than the same name in a cited source's title.
    by_title = services.source_create(
        actor=researcher, key="by-title", kind="article", level="secondary", title="Tukhachevsky and the army"
    )
    cites = services.claim_create(
        actor=researcher, key="a-cites", topic=topic, statement="A reform.", event_date="1930"
    )
    services.citation_create(actor=researcher, claim=cites, source=by_title)
    services.claim_create(
        actor=researcher, key="b-names", topic=topic, statement="A reform.", people=[marshal], event_date="1931"
    )
    client.force_login(researcher)
    assert listed(client, "Tukhachevsky") == ["b-names", "a-cites"]
    assert listed(client, "Tukhachevsky", sort="key") == ["a-cites", "b-names"]
    assert listed(client, "Tukhachevsky", sort="date") == ["a-cites", "b-names"]
    form = client.get("/claims/", {"q": "Tukhachevsky"}).context["form"]
    assert form.filters().sort == "relevance"


def test_the_matching_words_are_marked_and_the_matching_names_named(client, researcher, about):
    services.claim_create(
        actor=researcher, key="markup", topic=about["named"].topic, statement="<b>Тухачевского</b> & co"
    )
    client.force_login(researcher)
    page = client.get("/claims/", {"q": "Tukhachevsky"}).content.decode()
    assert "Приговор <mark>Тухачевскому</mark> вынесен 11 июня." in page
    assert "<mark>Tuchatschewski</mark> wurde erschossen." in page
    assert "&lt;b&gt;<mark>Тухачевского</mark>&lt;/b&gt; &amp; co" in page
    assert re.search(r"found by\s*<mark>Mikhail Tukhachevsky</mark>", page)
    assert "<b>" not in page


def test_the_admin_claim_search_uses_the_same_index(client, staff, about):
    client.force_login(staff)
    response = client.get(reverse("admin:claims_claim_changelist"), {"q": "Тухачевского"})
    assert sorted(c.key for c in response.context["cl"].result_list) == ["german", "inflected", "named"]
    response = client.get(reverse("admin:claims_claim_changelist"), {"q": "other"})  # a key typed whole
    assert [c.key for c in response.context["cl"].result_list] == ["other"]


def test_a_search_runs_the_same_queries_for_four_claims_or_four_hundred(client, researcher, about, marshal, topic):
    client.force_login(researcher)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/claims/", {"q": "Тухачевский 1937"}).status_code == 200
        return len(captured)

    few = queries()
    claims = Claim.objects.bulk_create(
        [Claim(key=f"bulk-{n}", topic=topic, statement=f"Тухачевский, 1937, {n}") for n in range(400)]
    )
    Claim.people.through.objects.bulk_create([Claim.people.through(claim=c, person=marshal) for c in claims])
    search_index.rebuild()
    assert len(listed(client, "Тухачевский 1937")) == 25
    assert queries() == few


def test_a_query_without_words_lists_everything_and_punctuation_is_harmless(client, researcher, about):
    client.force_login(researcher)
    assert len(listed(client, "«»—!")) == 4
    for query in ['"', "'", "*", "a OR b", "NEAR(", "):*", "Tukh*", "-x", "ъ", "ь ъ", "%_\\"]:
        assert client.get("/claims/", {"q": query}).status_code == 200, query


# --- the index equals a fresh rebuild after every kind of write --------------------


def snapshot() -> tuple[dict, set[str]]:
    rows = {
        row[0]: row[1:]
        for row in ClaimSearch.objects.order_by("claim_id").values_list(
            "claim_id", "people_terms", "statement_terms", "sources_terms", "people", "sources"
        )
    }
    return rows, set(SearchWord.objects.values_list("word", flat=True))


def assert_index_is_fresh() -> None:
    """The index as the writes left it is the index a rebuild makes (its vocabulary may keep
    words no claim has any more), and on SQLite its FTS5 tables agree with their rows."""
    rows, vocabulary = snapshot()
    assert set(rows) == set(Claim.objects.values_list("pk", flat=True))
    # Every key of every row is listed, so that a search for its beginning asks for it.
    held = {term for row in rows.values() for column in row[:3] for term in column.split()}
    assert held <= set(SearchTerm.objects.values_list("term", flat=True))
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO claims_claimsearch_fts(claims_claimsearch_fts) VALUES ('integrity-check')")
            cursor.execute("INSERT INTO claims_searchword_fts(claims_searchword_fts) VALUES ('integrity-check')")
    search_index.rebuild()
    fresh_rows, fresh_vocabulary = snapshot()
    assert rows == fresh_rows
    assert vocabulary >= fresh_vocabulary


def _claim_created(w):
    services.claim_create(
        actor=w.researcher, key="added", topic=w.topic, statement="Якир арестован.", people=[w.marshal]
    )


def _claim_edited(w):
    services.claim_update(actor=w.editor, claim=w.about["named"], data={"statement": "Расстрелян 12 июня."})


def _claim_deleted(w):
    services.staff_delete(actor=w.staff, instance=w.about["other"])


def _people_changed(w):
    yakir = services.person_create(actor=w.researcher, name="Iona Yakir", name_original="Якир")
    services.claim_update(actor=w.editor, claim=w.about["german"], data={"people": [yakir, w.marshal]})
    services.claim_update(actor=w.editor, claim=w.about["named"], data={"people": []})


def _person_renamed(w):
    services.person_update(
        actor=w.editor,
        person=w.marshal,
        data={"name": "M. N. Tukhachevskii", "aliases": "Tuchatschewski\nТухачевский М. Н."},
    )


def _person_deleted(w):
    services.staff_delete(actor=w.staff, instance=w.marshal)


def _citations_changed(w):
    other = services.source_create(
        actor=w.researcher, key="izvestiya", kind="periodical", level="primary", title="Известия ЦК КПСС"
    )
    added = services.citation_create(actor=w.researcher, claim=w.about["named"], source=w.memoir)
    services.citation_update(actor=w.editor, citation=added, data={"source": other})
    services.staff_delete(actor=w.staff, instance=w.about["other"].citations.get())


def _source_retitled(w):
    services.source_update(actor=w.editor, source=w.memoir, data={"title": "Recollections", "title_original": ""})


def _source_deleted(w):
    services.staff_delete(actor=w.staff, instance=w.about["other"].citations.get())
    services.staff_delete(actor=w.staff, instance=w.memoir)


def _claims_imported(w):
    data = (
        "key,topic,statement,people,sources\n"
        "named,Date of execution,Changed by the file.,Mikhail Tukhachevsky|Новый Человек,\n"
        "german,Date of execution,Tuchatschewski wurde erschossen.,,memoir: p. 3\n"
        "brand-new,Новая тема,Ещё одно утверждение о Тухачевском.,Тухачевский,memoir\n"
    ).encode()
    report = claims_import(actor=w.editor, data=data)
    assert report.ok, report.errors


def _sources_imported(w):
    data = (
        "key,kind,level,title,title_original\n"
        "memoir,memoir,primary,Renamed by the file,Переименовано\n"
        "fresh,article,secondary,A new article,\n"
    ).encode()
    report = sources_import(actor=w.editor, data=data)
    assert report.ok, report.errors


def _admin_edits(w):
    client = w.client
    client.force_login(w.staff)
    url = reverse("admin:claims_claim_change", args=[w.about["german"].pk])
    data = form_data(client.get(url), "claim_form")
    data["statement"] = "Erschossen am 12. Juni."
    data["citations-0-source"], data["citations-0-locator"] = str(w.memoir.pk), "S. 5"  # an inline row added
    assert client.post(url, data).status_code == 302
    assert w.about["german"].citations.count() == 1
    url = reverse("admin:claims_person_change", args=[w.marshal.pk])
    data = form_data(client.get(url), "person_form")
    data["aliases"] = "Tuchatschewski"
    assert client.post(url, data).status_code == 302
    url = reverse("admin:claims_claim_change", args=[w.about["other"].pk])  # an inline row deleted
    data = form_data(client.get(url), "claim_form")
    data["citations-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert not w.about["other"].citations.exists()


def _history_reverted(w):
    claim = w.about["named"]
    as_created = claim.history.order_by("-history_date").first()
    services.claim_update(actor=w.editor, claim=claim, data={"statement": "Changed.", "people": []})
    services.claim_restore(actor=w.editor, claim=claim, history_id=as_created.history_id)
    claim.refresh_from_db()
    assert list(claim.people.all()) == [w.marshal]
    # ...and in the admin: simple_history's page of an earlier version, saved.
    w.client.force_login(w.staff)
    edited = claim.history.filter(statement="Changed.").latest()
    url = f"/admin/claims/claim/{claim.pk}/history/{edited.history_id}/"
    assert w.client.post(url, form_values(w.client.get(url), "", itself=True)).status_code == 302
    claim.refresh_from_db()
    assert claim.statement == "Changed."


def _seeded(w):
    out = io.StringIO()
    call_command("seed", stdout=out)
    assert "Indexed 33 claims for search." in out.getvalue()


WRITES = [
    _claim_created,
    _claim_edited,
    _claim_deleted,
    _people_changed,
    _person_renamed,
    _person_deleted,
    _citations_changed,
    _source_retitled,
    _source_deleted,
    _claims_imported,
    _sources_imported,
    _admin_edits,
    _history_reverted,
    _seeded,
]


class World:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


@pytest.mark.parametrize("write", WRITES, ids=lambda f: f.__name__.strip("_"))
def test_the_index_equals_a_fresh_rebuild_after(
    write, client, researcher, editor, staff, topic, marshal, memoir, about
):
    world = World(
        client=client,
        researcher=researcher,
        editor=editor,
        staff=staff,
        topic=topic,
        marshal=marshal,
        memoir=memoir,
        about=about,
    )
    before = snapshot()[0]
    write(world)
    assert snapshot()[0] != before, "the write should change what some claim is found by"
    assert_index_is_fresh()


# A restore empties tables, which PostgreSQL's TRUNCATE does only in a transaction of its own
# (as tests/test_backup.py).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_index_equals_a_fresh_rebuild_after_a_restore(editor, staff, about, tmp_path):
    path = tmp_path / "backup.json.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    before = snapshot()[0]
    services.claim_update(actor=editor, claim=about["named"], data={"statement": "After the backup."})
    services.staff_delete(actor=staff, instance=about["german"])
    call_command("restore", str(path), "--yes", stdout=io.StringIO())
    assert Claim.objects.get(key="named").statement == "Arrested in Kuibyshev on 22 May 1937."
    assert snapshot()[0] == before
    assert_index_is_fresh()


def test_a_renamed_person_is_found_by_the_new_name_and_no_longer_by_the_old(client, researcher, editor, about, marshal):
    services.person_update(
        actor=editor, person=marshal, data={"name": "The Red Marshal", "name_original": "", "aliases": ""}
    )
    client.force_login(researcher)
    assert listed(client, "red marshal") == ["named"]
    assert sorted(listed(client, "Tukhachevsky")) == ["german", "inflected"]  # in their statements still


def test_rebuild_search_index_says_how_many_claims_it_indexed(about):
    ClaimSearch.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert out.getvalue() == "Indexed 4 claims for search.\n"
    assert ClaimSearch.objects.count() == 4


def test_a_failed_import_leaves_the_index_as_it_was(editor, about):
    before = snapshot()
    data = (
        b"key,topic,statement,sources\n"
        b"named,Date of execution,Changed.,\n"
        b"bad,Date of execution,Cites nothing known.,no-such-source\n"
    )
    assert not claims_import(actor=editor, data=data).ok
    assert snapshot() == before
    assert json.loads(ClaimSearch.objects.get(claim=about["named"]).people)[0][0] == "Mikhail Tukhachevsky"


# --- a search too broad to rank ----------------------------------------------------------


@pytest.fixture
def rank_limit(monkeypatch):
    """A limit of three matches, so that five claims are too many to rank."""
    from claims.selectors import lists

    monkeypatch.setattr(lists, "RANK_LIMIT", 3)
    monkeypatch.setattr("claims.admin.RANK_LIMIT", 3)
    return 3


@pytest.fixture
def five_about_him(researcher, topic, marshal) -> list[str]:
    keys = [f"trial-{n}" for n in range(5)]
    for n, key in enumerate(keys):
        services.claim_create(
            actor=researcher,
            key=key,
            topic=topic,
            statement=f"Tukhachevsky, statement {n}.",
            event_date=f"1937-06-{10 + n}",
        )
    return keys


def test_a_search_too_broad_to_rank_lists_the_claims_added_last_and_says_so(
    client, researcher, rank_limit, five_about_him
):
    client.force_login(researcher)
    response = client.get("/claims/", {"q": "Tukhachevsky"})
    text = response.content.decode()
    assert listed(client, "Tukhachevsky") == ["trial-4", "trial-3", "trial-2"]
    assert "More than 3 claims match" in text
    assert "Too many claims match to rank them by relevance" in text
    # Narrowed to three, the same search is ranked again and counted.
    assert sorted(listed(client, "Tukhachevsky statement 1")) == ["trial-1"]
    # Sorted by date, every match is listed.
    assert listed(client, "Tukhachevsky", sort="date") == five_about_him


def test_a_search_within_the_limit_is_ranked_and_counted(client, researcher, rank_limit, topic, marshal):
    for key, statement in [("once", "Tukhachevsky was tried."), ("twice", "Tukhachevsky, Tukhachevsky.")]:
        services.claim_create(actor=researcher, key=key, topic=topic, statement=statement)
    client.force_login(researcher)
    response = client.get("/claims/", {"q": "Tukhachevsky"})
    assert "2 claims match" in response.content.decode()
    assert "Too many claims match" not in response.content.decode()
    assert listed(client, "Tukhachevsky") == ["twice", "once"]


def test_the_admin_lists_the_claims_added_last_of_a_search_too_broad_to_rank(client, staff, rank_limit, five_about_him):
    client.force_login(staff)
    response = client.get("/admin/claims/claim/", {"q": "Tukhachevsky"}, follow=True)
    text = response.content.decode()
    assert "More than 3 claims match: the 3 added last are listed." in text
    assert {"trial-2", "trial-3", "trial-4"} == set(re.findall(r"trial-\d", text))


def test_a_new_word_is_found_by_its_beginning_once_a_claim_has_it(client, researcher, topic):
    client.force_login(researcher)
    assert listed(client, "Yezhovsh") == []
    services.claim_create(actor=researcher, key="yezhovshchina", topic=topic, statement="The Yezhovshchina began.")
    assert listed(client, "Yezhovsh") == ["yezhovshchina"]
    assert listed(client, "Ежовщ") == ["yezhovshchina"]  # its beginning in the other script

"""Authority ids (issue 16, point 5): people and sources may carry Wikidata, VIAF and GND ids,
typed or pasted as addresses, one record for each id; shown as links, in the sources CSV,
found by the suggestions and the searches; the seed gives the ones known for its people.
Sources also carry the reference fields a reference manager exports (place, DOI, ISBN)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import Q

from claims import authority, services
from claims.csv.claims_csv import claims_import
from claims.csv.sources_csv import SOURCE_COLUMNS, sources_export, sources_import
from claims.models import Claim, Person, Source

pytestmark = pytest.mark.django_db

STALIN = "https://www.wikidata.org/wiki/Q855"


@pytest.fixture
def seed(db, seed_for_the_module) -> None:
    """The seed data set as `manage.py seed` loads it (once for the module)."""


@pytest.fixture
def identified_book(researcher, seed) -> Source:
    return services.source_create(
        actor=researcher,
        key="conquest-1968",
        kind=Source.Kind.MONOGRAPH,
        level=Source.Level.SECONDARY,
        title="The Great Terror",
        publisher="Macmillan",
        publisher_place="London",
        doi="https://doi.org/10.1000/182",
        isbn="978-3-16-148410-0",
        wikidata_id="Q4115189",
        viaf_id="https://viaf.org/viaf/56609913/",
    )


def person_form(**fields) -> dict[str, str]:
    return {"name": "", "name_original": "", "aliases": "", "slug": "", **fields}


# --- Formats ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, typed, kept",
    [
        ("wikidata_id", "https://www.wikidata.org/wiki/Q855", "Q855"),
        ("wikidata_id", "http://www.wikidata.org/entity/Q855", "Q855"),
        ("wikidata_id", " q855 ", "Q855"),
        ("viaf_id", "https://viaf.org/viaf/56609913/", "56609913"),
        ("gnd_id", "https://d-nb.info/gnd/4036568-6", "4036568-6"),
        ("gnd_id", "11862482x", "11862482X"),
    ],
)
def test_an_id_typed_or_pasted_as_its_address_is_kept_as_the_id(kind, typed, kept):
    assert authority.NORMALIZERS[kind](typed) == kept


@pytest.mark.parametrize(
    "kind, typed, says",
    [
        ("wikidata_id", "P31", "is not a Wikidata id: it is Q followed by digits"),
        ("wikidata_id", "Q0855", "is not a Wikidata id"),
        ("viaf_id", "0123", "is not a VIAF id: it is 2 to 22 digits"),
        ("gnd_id", "abc-1", "is not a GND id"),
    ],
)
def test_an_id_in_the_wrong_format_is_refused_saying_what_the_format_is(client, researcher, kind, typed, says):
    client.force_login(researcher)
    response = client.post("/people/new/", person_form(name="Ivan Belov", **{kind: typed}))
    assert response.status_code == 200
    assert says in " ".join(response.context["form"].errors[kind])
    assert not Person.objects.filter(name="Ivan Belov").exists()


def test_a_person_added_with_a_pasted_wikidata_address_keeps_the_id(client, researcher):
    client.force_login(researcher)
    response = client.post("/people/new/", person_form(name="Someone", wikidata_id="https://www.wikidata.org/wiki/Q42"))
    assert response.status_code == 302
    assert Person.objects.get(name="Someone").wikidata_id == "Q42"


def test_a_service_reads_a_pasted_address_as_the_id_too(researcher):
    person = services.person_create(actor=researcher, name="Someone", gnd_id="https://d-nb.info/gnd/4036568-6")
    assert person.gnd_id == "4036568-6"


# --- One record for each id ------------------------------------------------------------


def test_a_second_person_with_an_id_is_refused_naming_who_has_it(client, researcher, seed):
    client.force_login(researcher)
    response = client.post("/people/new/", person_form(name="Iosif Dzhugashvili", wikidata_id=STALIN))
    assert response.status_code == 200
    assert response.context["form"].errors["wikidata_id"] == ["Q855 is already Joseph Stalin's Wikidata id."]
    assert not Person.objects.filter(name="Iosif Dzhugashvili").exists()


def test_giving_a_source_the_id_of_another_names_that_source(researcher, identified_book, verdict_file):
    with pytest.raises(ValidationError) as refused:
        services.source_update(actor=researcher, source=verdict_file, data={"wikidata_id": "Q4115189"})
    assert refused.value.message_dict == {
        "wikidata_id": ["Q4115189 is already the Wikidata id of the source «The Great Terror» [conquest-1968]."]
    }
    verdict_file.refresh_from_db()
    assert verdict_file.wikidata_id == ""


def test_the_admin_names_who_has_the_id_too(client, staff, seed):
    client.force_login(staff)
    trotsky = Person.objects.get(slug="trotsky")
    response = client.post(
        f"/admin/claims/person/{trotsky.pk}/change/",
        {
            "name": trotsky.name,
            "name_original": trotsky.name_original,
            "aliases": trotsky.aliases,
            "slug": trotsky.slug,
            "wikidata_id": "Q855",
            "viaf_id": "",
            "gnd_id": "",
            "version": trotsky.version,
        },
    )
    assert response.status_code == 200
    assert "Q855 is already Joseph Stalin&#x27;s Wikidata id." in response.content.decode()
    trotsky.refresh_from_db()
    assert trotsky.wikidata_id == "Q33391"


def test_the_admin_finds_a_person_by_an_id_and_filters_those_with_none(client, staff, seed):
    client.force_login(staff)
    found = client.get("/admin/claims/person/", {"q": "Q33391"})
    assert found.context["cl"].result_count == 1
    assert "Leon Trotsky" in found.content.decode()
    without = client.get("/admin/claims/person/", {"has_ids": "no"})
    assert without.context["cl"].result_count == Person.objects.filter(wikidata_id="", viaf_id="", gnd_id="").count()


# --- Shown as links --------------------------------------------------------------------


def test_the_person_page_links_the_persons_wikidata_item(client, researcher, seed):
    client.force_login(researcher)
    page = client.get("/people/stalin/").content.decode()
    assert '<a href="https://www.wikidata.org/wiki/Q855" rel="external noopener">Q855</a>' in page
    assert "Elsewhere" not in client.get("/people/yakir/").content.decode()


def test_the_source_page_shows_its_places_doi_isbn_and_ids(client, researcher, identified_book):
    client.force_login(researcher)
    page = client.get("/sources/conquest-1968/").content.decode()
    assert '<a href="https://doi.org/10.1000/182" rel="external noopener">10.1000/182</a>' in page
    assert "978-3-16-148410-0" in page
    assert "<dt>Place of publication</dt><dd>London</dd>" in page
    assert '<a href="https://viaf.org/viaf/56609913/" rel="external noopener">56609913</a>' in page
    assert '<a href="https://www.wikidata.org/wiki/Q4115189" rel="external noopener">Q4115189</a>' in page


def test_the_archive_line_names_the_archives_place(client, researcher, verdict_file):
    services.source_update(actor=researcher, source=verdict_file, data={"archive_place": "Moscow"})
    client.force_login(researcher)
    page = client.get("/sources/tsa-fsb-verdict/").content.decode()
    assert "TsA FSB (Moscow), f. R-9000, l. 12" in page


@pytest.mark.parametrize(
    "field, typed, says",
    [
        ("isbn", "978-3-16", "is not an ISBN: it is 10 digits (the last may be X) or 13"),
        ("doi", "10.1000", "is not a DOI"),
    ],
)
def test_a_malformed_isbn_or_doi_is_refused_on_the_source_form(client, researcher, field, typed, says):
    client.force_login(researcher)
    form = {"key": "x-1", "kind": "monograph", "level": "secondary", "title": "X", field: typed}
    response = client.post("/sources/new/", form)
    assert response.status_code == 200
    assert says in " ".join(response.context["form"].errors[field])
    assert not Source.objects.filter(key="x-1").exists()


# --- The sources CSV -------------------------------------------------------------------


def test_the_sources_csv_carries_the_ids_and_reference_fields_there_and_back(researcher, editor, identified_book):
    assert {"wikidata_id", "viaf_id", "gnd_id", "archive_place", "publisher_place", "doi", "isbn"} <= set(
        SOURCE_COLUMNS
    )
    out = io.StringIO()
    sources_export(out=out)
    exported = out.getvalue()
    assert "conquest-1968,monograph,secondary,The Great Terror" in exported
    assert ",London," in exported and ",10.1000/182,978-3-16-148410-0," in exported
    report = sources_import(actor=editor, data=exported.encode())
    assert not report.errors
    assert {outcome.action for outcome in report.rows} == {"unchanged"}
    again = io.StringIO()
    sources_export(out=again)
    assert again.getvalue() == exported


def _sources_file(*rows: str) -> bytes:
    return ("key,kind,level,title,wikidata_id,isbn\n" + "\n".join(rows) + "\n").encode()


def test_a_bad_id_in_the_sources_csv_is_an_error_naming_its_row_and_column(editor, seed):
    before = Source.objects.count()
    report = sources_import(
        actor=editor,
        data=_sources_file(
            "new-a,article,secondary,A,https://www.wikidata.org/wiki/Q77,", "new-b,article,secondary,B,P31,"
        ),
    )
    assert [(e.row, e.column) for e in report.errors] == [(3, "wikidata_id")]
    assert "'P31' is not a Wikidata id" in report.errors[0].message
    assert Source.objects.count() == before


def test_an_id_given_twice_or_carried_already_is_an_error_naming_the_other(editor, identified_book):
    report = sources_import(
        actor=editor,
        data=_sources_file(
            "new-a,article,secondary,A,Q77,",
            "new-b,article,secondary,B,Q77,",
            "new-c,article,secondary,C,Q4115189,",
            "new-d,article,secondary,D,,12345",
        ),
    )
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages == {
        (3, "wikidata_id"): "Q77 is also the Wikidata id of row 2 (new-a): one source for each id.",
        (4, "wikidata_id"): "Q4115189 is already the Wikidata id of the source «The Great Terror» [conquest-1968].",
        (5, "isbn"): messages[(5, "isbn")],
    }
    assert "is not an ISBN" in messages[(5, "isbn")]
    assert not Source.objects.filter(key__startswith="new-").exists()


def test_the_example_sources_file_imports_with_its_new_columns(client, editor, seed):
    client.force_login(editor)
    example = b"".join(client.get("/sources/example.csv").streaming_content)
    header = example.decode().splitlines()[0].split(",")
    assert header == SOURCE_COLUMNS
    assert not sources_import(actor=editor, data=example, dry_run=True).errors


def test_an_id_names_a_person_in_the_claims_csv_and_an_unknown_one_is_an_error(editor, seed):
    header = b"key,topic,statement,people,attributed_to\n"
    known = b"trotsky-q,Motives,A claim about Trotsky,Q33391,https://www.wikidata.org/wiki/Q855\n"
    unknown = b"nobody-q,Motives,A claim about nobody known,Q999999999,\n"
    report = claims_import(actor=editor, data=header + known + unknown, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "people")]
    assert "No person has the Wikidata id" in report.errors[0].message
    assert not claims_import(actor=editor, data=header + known).errors
    claim = Claim.objects.get(key="trotsky-q")
    assert [p.slug for p in claim.people.all()] == ["trotsky"]
    assert [p.slug for p in claim.attributed_to.all()] == ["stalin"]
    assert not Person.objects.filter(name__startswith="Q").exists()


# --- Found by its id -------------------------------------------------------------------


def test_the_suggestions_find_the_person_and_the_source_carrying_an_id(client, researcher, identified_book):
    client.force_login(researcher)
    people = client.get("/people/suggest.json", {"q": "Q33391"}).json()["results"]
    assert [p["value"] for p in people] == ["trotsky"]
    pasted = client.get("/people/suggest.json", {"q": STALIN}).json()["results"]
    assert [p["value"] for p in pasted] == ["stalin"]
    sources = client.get("/sources/suggest.json", {"q": "56609913"}).json()["results"]
    assert [s["value"] for s in sources] == ["conquest-1968"]


def test_the_source_list_finds_the_source_carrying_an_id(client, researcher, identified_book):
    client.force_login(researcher)
    page = client.get("/sources/", {"q": "Q4115189"})
    assert [s.key for s in page.context["page"].object_list] == ["conquest-1968"]
    # Digits that are no one's VIAF id are still looked for in the titles.
    assert "conquest-1968" not in [s.key for s in client.get("/sources/", {"q": "1937"}).context["page"].object_list]


def test_the_claim_list_finds_the_claims_about_or_made_by_whoever_carries_an_id(client, researcher, seed):
    client.force_login(researcher)
    stalin = Person.objects.get(slug="stalin")
    expected = set(Claim.objects.filter(people=stalin).values_list("key", flat=True)) | set(
        Claim.objects.filter(attributed_to=stalin).values_list("key", flat=True)
    )
    assert expected
    found = client.get("/claims/", {"q": "Q855"}).context["claims"]
    assert {claim.key for claim in found} == expected


def test_the_admins_claim_search_finds_the_claims_about_whoever_carries_an_id(client, staff, seed):
    client.force_login(staff)
    trotsky = Person.objects.get(slug="trotsky")
    expected = Claim.objects.filter(Q(people=trotsky) | Q(attributed_to=trotsky)).distinct().count()
    assert expected
    assert client.get("/admin/claims/claim/", {"q": "Q33391"}).context["cl"].result_count == expected


def test_the_person_filter_of_the_claim_list_takes_an_id(client, researcher, seed):
    client.force_login(researcher)
    response = client.get("/claims/", {"person": "Q33391"})
    assert response.context["form"].cleaned_data["person"].slug == "trotsky"


@pytest.mark.parametrize(
    "typed, indexes",
    [("Q855", {"person_wikidata_id_unique"}), ("118624822", {"person_viaf_id_unique", "person_gnd_id_unique"})],
)
def test_an_id_is_looked_up_through_its_unique_index(typed, indexes):
    condition = authority.carrying_q(typed)
    sql, params = Person.objects.filter(condition).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        else:
            # (A table of a few rows is read whole; the question is whether the index can serve.)
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
    assert all(index in plan for index in indexes), plan


# --- The seed --------------------------------------------------------------------------


def test_the_seed_gives_the_wikidata_ids_known_for_its_people_and_keeps_them_on_a_second_load(seed):
    known = {"stalin": "Q855", "trotsky": "Q33391", "zhukov": "Q124617"}
    assert dict(Person.objects.exclude(wikidata_id="").values_list("slug", "wikidata_id")) == known
    history = Person.history.count()
    call_command("seed", verbosity=0, stdout=io.StringIO())
    assert dict(Person.objects.exclude(wikidata_id="").values_list("slug", "wikidata_id")) == known
    assert Person.history.count() == history
    first = Person.history.filter(slug="stalin").earliest("history_date", "history_id")
    assert first.wikidata_id == "Q855"

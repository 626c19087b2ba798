"""CSV on the web: download the filtered claim list; editors upload, preview and confirm."""

import io
import re

import pytest

from claims.csv.claims_csv import claims_export
from claims.models import Claim, Source
from claims.selectors import lists

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db, seed_for_the_module):
    """The seed data set (loaded once for the module)."""


def download(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    return b"".join(response.streaming_content).decode("utf-8")


def keys_of(text: str) -> list[str]:
    return [line.split(",", 1)[0] for line in text.split("\r\n")[1:] if line and re.match(r"^[a-z0-9-]+,", line)]


def upload(client, url: str, data: bytes, name: str = "claims.csv", encoding: str = ""):
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(url, {"file": handle, "encoding": encoding})


def seed_export() -> str:
    out = io.StringIO()
    claims_export(out=out)
    return out.getvalue()


# --- Download ---------------------------------------------------------------------------


def test_researcher_downloads_the_claim_list_as_filtered(client, researcher, seeded):
    client.force_login(researcher)
    everything = download(client, "/claims/export.csv")
    # The same rows as the export by key, in the list's order (by date, the list's default).
    assert sorted(everything.split("\r\n")) == sorted(seed_export().split("\r\n"))
    assert keys_of(everything) == list(
        lists.claim_search(filters=lists.ClaimFilters(sort="date")).values_list("key", flat=True)
    )
    filtered = download(client, "/claims/export.csv?topic=date-of-execution")
    assert sorted(keys_of(filtered)) == sorted(
        Claim.objects.filter(topic__slug="date-of-execution").values_list("key", flat=True)
    )
    assert 0 < len(keys_of(filtered)) < len(keys_of(everything))


def test_download_follows_the_search_box_across_scripts(client, researcher, seeded):
    client.force_login(researcher)
    latin = keys_of(download(client, "/claims/export.csv?q=Tukhachevsky"))
    cyrillic = keys_of(download(client, "/claims/export.csv?q=Тухачевский"))
    assert latin and set(latin) == set(cyrillic)


def test_claim_list_links_to_the_download_with_its_filters(client, researcher, seeded):
    client.force_login(researcher)
    page = client.get("/claims/?status=contested&page=1").content.decode()
    assert 'href="/claims/export.csv?status=contested"' in page
    assert "Import claims from CSV" not in page  # researchers may not upload


def test_blind_reviewer_download_hides_grades_they_have_not_given(client, reviewer, editor, seeded):
    client.force_login(editor)
    editor_rows = download(client, "/claims/export.csv")
    client.force_login(reviewer)
    reviewer_rows = download(client, "/claims/export.csv")
    assert ",D3," in editor_rows
    assert ",D3," not in reviewer_rows and ",hidden," in reviewer_rows


def test_sources_download_is_the_sources_csv(client, researcher, seeded):
    client.force_login(researcher)
    text = download(client, "/sources/export.csv")
    assert text.startswith("key,kind,level,title,title_original,")
    assert len(keys_of(text)) == Source.objects.count()
    assert "Очищение" in text


def test_download_needs_a_role(client, outsider, seeded):
    client.force_login(outsider)
    assert client.get("/claims/export.csv").status_code == 403


def test_download_needs_login(client, seeded):
    response = client.get("/claims/export.csv")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Upload, preview, confirm -----------------------------------------------------------


def test_editor_previews_then_confirms_an_upload(client, editor, seeded):
    data = (
        seed_export().replace("The convicted were shot on 11 June 1937", "The convicted were executed on 11 June 1937")
        + "web-new-claim,Date of execution,A claim typed in a spreadsheet,,1937-06,,,\r\n"
    )
    client.force_login(editor)
    preview = upload(client, "/claims/import/", data.encode()).content.decode()
    assert "nothing is written until you confirm" in preview
    assert re.search(r"create <strong>1</strong>, update <strong>1</strong>\s+and leave <strong>28</strong>", preview)
    assert "execution-11-june" in preview and 'updated:\n          <ul class="changed-values">' in preview
    assert '<span class="column-name">statement</span>: <del>The convicted were shot on 11 June 1937' in preview
    assert not Claim.objects.filter(key="web-new-claim").exists()  # the preview wrote nothing
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    done = client.post("/claims/import/confirm/", {"token": token}).content.decode()
    assert "Created <strong>1</strong>, updated <strong>1</strong>" in done
    assert Claim.objects.get(key="web-new-claim").event_date == "1937-06"
    assert Claim.objects.get(key="execution-11-june").statement.startswith("The convicted were executed")
    assert Claim.objects.get(key="web-new-claim").history.first().history_user == editor


def test_a_confirmed_upload_cannot_be_confirmed_again(client, editor, seeded):
    client.force_login(editor)
    preview = upload(client, "/claims/import/", seed_export().encode()).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    client.post("/claims/import/confirm/", {"token": token})
    again = client.post("/claims/import/confirm/", {"token": token}, follow=True).content.decode()
    assert "no longer waiting to be confirmed" in again


def test_another_editor_cannot_confirm_my_upload(client, editor, second_editor, seeded):
    client.force_login(editor)
    data = seed_export() + "stolen-upload,Date of execution,Not theirs to confirm,,,,,\r\n"
    token = re.search(
        r'name="token" value="([^"]+)"', upload(client, "/claims/import/", data.encode()).content.decode()
    ).group(1)
    client.force_login(second_editor)
    client.post("/claims/import/confirm/", {"token": token})
    assert not Claim.objects.filter(key="stolen-upload").exists()


def test_upload_with_errors_lists_every_problem_and_offers_no_confirm(client, editor, seeded):
    data = (
        b"key,topic,statement,event_date,sources\r\n"
        b"ok-row,Date of execution,Fine,1937,\r\n"
        b"bad-date,Date of execution,Bad date,11 June 1937,\r\n"
        b"bad-source,Date of execution,Bad source,,no-such-source: p. 1\r\n"
    )
    client.force_login(editor)
    before = Claim.objects.count()
    page = upload(client, "/claims/import/", data).content.decode()
    assert "cannot be imported" in page and "nothing was written" in page
    assert "2 problems" in page
    assert re.search(r"<td class=\"num\">3</td><td>event_date</td>", page)
    assert re.search(r"<td class=\"num\">4</td><td>sources</td><td>Unknown source key &#x27;no-such-source&#x27;", page)
    assert 'name="token"' not in page
    assert Claim.objects.count() == before


def test_upload_reads_windows_1251_from_excel(client, editor, seeded):
    data = "key,topic,statement\r\ncp1251-claim,Дата расстрела,Тухачевский расстрелян 12 июня\r\n".encode("cp1251")
    client.force_login(editor)
    preview = upload(client, "/claims/import/", data).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    client.post("/claims/import/confirm/", {"token": token})
    claim = Claim.objects.get(key="cp1251-claim")
    assert claim.statement == "Тухачевский расстрелян 12 июня" and claim.topic.title == "Дата расстрела"


def test_upload_with_a_named_encoding(client, editor, seeded):
    data = "key,topic,statement\r\nkoi-claim,Date of execution,Якир\r\n".encode("koi8-r")
    client.force_login(editor)
    page = upload(client, "/claims/import/", data, encoding="koi8-r").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    client.post("/claims/import/confirm/", {"token": token})
    assert Claim.objects.get(key="koi-claim").statement == "Якир"


def test_upload_of_a_file_that_is_not_text_is_refused_with_a_message(client, editor, seeded):
    client.force_login(editor)
    page = upload(client, "/claims/import/", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", name="photo.png").content.decode()
    assert "This is not a text (CSV) file." in page


def test_upload_without_a_file_shows_the_field_error(client, editor):
    client.force_login(editor)
    page = client.post("/claims/import/", {}).content.decode()
    assert "This field is required." in page and "The file was not read" in page


def test_sources_upload_then_claims_citing_them(client, editor, seeded):
    client.force_login(editor)
    sources = (
        "key,kind,level,title,title_original,archive,archive_fond\r\n"
        "new-archive-file,archival_file,primary,Interrogation record,Протокол допроса,RGVA,37837\r\n"
    )
    page = upload(client, "/sources/import/", sources.encode(), name="sources.csv").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    client.post("/sources/import/confirm/", {"token": token})
    assert Source.objects.get(key="new-archive-file").title_original == "Протокол допроса"
    claims = (
        "key,topic,statement,sources\r\ncites-new,Arrests and investigation,Read the file,new-archive-file: l. 12\r\n"
    )
    page = upload(client, "/claims/import/", claims.encode()).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    client.post("/claims/import/confirm/", {"token": token})
    assert list(Claim.objects.get(key="cites-new").citations.values_list("source__key", "locator")) == [
        ("new-archive-file", "l. 12")
    ]


@pytest.mark.parametrize("persona", ["researcher", "reviewer", "outsider"])
@pytest.mark.parametrize("url", ["/claims/import/", "/sources/import/"])
def test_only_editors_may_upload(client, request, persona, url):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url)
    assert response.status_code == 403
    if persona != "outsider":
        assert "needs the Editor role" in response.content.decode()
    assert upload(client, url, b"key,topic,statement\r\nx,y,z\r\n").status_code == 403


def test_confirm_is_post_only(client, editor):
    client.force_login(editor)
    assert client.get("/claims/import/confirm/").status_code == 405
    assert client.get("/sources/import/confirm/").status_code == 405


def test_import_is_a_reserved_claim_key(editor, topic):
    from django.core.exceptions import ValidationError

    from claims import services

    with pytest.raises(ValidationError, match="reserved"):
        services.claim_create(actor=editor, key="import", topic=topic, statement="Clashes with /claims/import/")


def test_readme_example_files_import_into_an_empty_database(editor):
    from pathlib import Path

    from claims.csv.claims_csv import claims_import
    from claims.csv.sources_csv import sources_import

    docs = Path(__file__).resolve().parent.parent / "docs"
    sources = sources_import(actor=editor, data=(docs / "sources-example.csv").read_bytes())
    assert sources.ok and sources.created == 3  # (rogovin-1937 the translation of rogovin-1937-ru, below it)
    claims = claims_import(actor=editor, data=(docs / "claims-example.csv").read_bytes())
    assert claims.ok, claims.errors
    assert claims.created == 5
    half = Claim.objects.get(key="accused-half-jewish")
    assert "Якир, Иона Эммануилович" in {p.name for p in half.people.all()}
    assert half.citations.get().locator == "section 'Reasons and motives'"


@pytest.mark.parametrize("persona", ["editor", "reviewer", "seeded_reviewer"])
def test_exported_grades_are_the_evidence_grades_the_pages_show(request, seeded, persona):
    # The export computes grades in bulk; they must stay those of the grading selector.
    import csv as csv_module

    from claims.csv.claims_csv import claims_export
    from claims.models import CitationAssessment
    from claims.selectors.grades import claim_evidence_grades

    if persona == "seeded_reviewer":  # a reviewer of the seed who has graded some citations, not all
        user = CitationAssessment.objects.exclude(reviewer__groups__name="Editor").first().reviewer
    else:
        user = request.getfixturevalue(persona)
    out = io.StringIO()
    claims_export(out=out, actor=user)
    exported = {row["key"]: row["grade"] for row in csv_module.DictReader(io.StringIO(out.getvalue()))}
    claims = list(Claim.objects.all())
    expected = claim_evidence_grades(claims, user=user)
    assert exported == {c.key: expected[c.pk] or "" for c in claims}
    if persona == "editor":
        assert {"", "D3"} < set(exported.values())  # graded and ungraded claims
    else:
        assert "hidden" in exported.values()  # a reviewer who has graded nothing yet sees no grade

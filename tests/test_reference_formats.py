"""Sources from and to reference managers: CSL-JSON (Zotero's export), BibTeX and RIS imported through
the sources import's preview and confirm, every record that cannot be one named, all or nothing;
archival locations read into fond, opis, delo and list; EDTF-like dates; the three exports, which
import back unchanged; and the Chicago author-date reference on each source page, escaped."""

import html
import io
import json
import re
from pathlib import Path

import pytest

from claims import services
from claims.models import Source
from claims.refs import archival, csl, formatted, ris
from tests.jobs_support import run_jobs_in_this_transaction

pytestmark = pytest.mark.django_db

REFS = Path(__file__).parent / "refs"
IMPORT = "/sources/import/references/"


@pytest.fixture
def seeded(db, seed_for_the_module):
    """The seed data set (loaded once for the module)."""


def upload(client, data: bytes, name: str, fmt: str = ""):
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(IMPORT, {"file": handle, "format": fmt})


def said(page: str) -> str:
    """The page with its runs of white space as one space (as a reader sees it)."""
    return " ".join(page.split())


def confirm(client, preview: str):
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    return client.post(f"{IMPORT}confirm/", {"token": token}).content.decode()


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def stored(**fields) -> Source:
    """A source saved as the forms save one: checked first (which derives its date's bounds)."""
    source = Source(**fields)
    source.full_clean()
    source.save()
    return source


ARCHIVAL = {
    "key": "rgva-37837-1-12",
    "kind": "archival_file",
    "level": "primary",
    "authors": "NKVD USSR",
    "archive": "RGVA",
    "archive_fond": "37837",
    "archive_opis": "1",
    "archive_delo": "12",
    "archive_place": "Moscow",
}
BOOK = {"kind": "monograph", "level": "secondary"}


def reference_on_page(client, user, key: str) -> str:
    """The formatted reference on the source's page, as HTML."""
    client.force_login(user)
    page = client.get(f"/sources/{key}/").content.decode()
    return re.search(r'<p class="reference"[^>]*>(.*?)</p>', page, re.S).group(1)


def sources() -> dict[str, dict]:
    return {s["key"]: s for s in Source.objects.values()}


# --- Each format: a preview that writes nothing, then the confirm that writes -------------------


def test_the_import_page_offers_the_three_formats_and_says_where_each_field_goes(client, editor, seeded):
    client.force_login(editor)
    page = client.get(IMPORT).content.decode()
    assert re.search(r'<select name="format"[^>]*>', page)
    for value, label in (("csl-json", "CSL-JSON"), ("bibtex", "BibTeX"), ("ris", "RIS")):
        assert f'<option value="{value}">{label}</option>' in page
    assert "<caption>Where each field of a source comes from</caption>" in page
    assert (
        '<a href="/sources/import/references/">Import sources from Zotero' in client.get("/sources/").content.decode()
    )


def test_a_zotero_csl_json_export_is_previewed_then_imported_with_its_archival_item(client, editor, seeded):
    client.force_login(editor)
    before = sources()
    preview = upload(client, (REFS / "zotero-export.json").read_bytes(), "My Library.json").content.decode()
    assert "This import would create <strong>5</strong>, update <strong>0</strong>" in preview
    assert sources() == before
    done = confirm(client, preview)
    assert "Created <strong>5</strong>, updated <strong>0</strong>" in done
    interrogation = Source.objects.get(key="d7wq2m4x")  # (the last part of the item's Zotero URI)
    assert (interrogation.kind, interrogation.level) == ("archival_file", "primary")
    assert interrogation.title == "Протокол допроса М. Н. Тухачевского"
    assert interrogation.archive_reference == "РГВА (Москва), f. 37837, op. 1, d. 12, l. 5-7"
    assert (interrogation.archive_place, interrogation.date, interrogation.authors) == (
        "Москва",
        "1937-05?",
        "НКВД СССР",
    )
    book = Source.objects.get(key="rogovin-1997")  # (its citation key)
    assert (book.kind, book.level, book.authors, book.publisher_place) == (
        "monograph",
        "secondary",
        "Роговин, Вадим Захарович",
        "Москва",
    )
    article = Source.objects.get(key="q8kx3jnv")
    assert article.doi == "10.1080/09668136.2011.547697"
    assert (article.authors, article.language, article.date) == ("Whitewood, Peter; de Wolf, Anna", "en", "2011-03")
    assert article.title_original == "Военная чистка 1937 года: новый взгляд"
    assert Source.objects.get(key="h2pzc8ra").publisher == "Правда"


def test_the_same_export_imported_again_changes_nothing_its_keys_are_stable(client, editor, seeded):
    client.force_login(editor)
    data = (REFS / "zotero-export.json").read_bytes()
    confirm(client, upload(client, data, "export.json").content.decode())
    again = said(upload(client, data, "export.json").content.decode())
    assert "create <strong>0</strong>, update <strong>0</strong> and leave <strong>5</strong> unchanged" in again


def test_a_bibtex_file_is_imported_with_its_latex_decoded_and_its_archival_entry_parsed(client, editor, seeded):
    client.force_login(editor)
    preview = upload(client, (REFS / "conquest-werth.bib").read_bytes(), "library.bib").content.decode()
    assert "This import would create <strong>4</strong>" in preview
    assert not Source.objects.filter(key="werth-1987").exists()
    assert "Created <strong>4</strong>" in confirm(client, preview)
    werth = Source.objects.get(key="werth-1987")
    assert werth.title == "Les procès de Moscou (1936–1938)"
    assert (werth.publisher, werth.publisher_place, werth.date, werth.language) == (
        "Éditions Complexe",
        "Bruxelles",
        "1987~",
        "fr",
    )
    assert werth.notes == "Cited for the chronology of the June 1937 trial & its press."
    protocol = Source.objects.get(key="rgaspi-17-3-1052")
    assert protocol.kind == "archival_file"
    assert protocol.archive_reference == "RGASPI, f. 17, op. 3, d. 1052, l. 5"
    assert (protocol.date, protocol.authors) == ("1937-06", "Politburo of the Central Committee of the VKP(b)")
    assert Source.objects.get(key="kuromiya-2005").publisher == "Jahrbücher für Geschichte Osteuropas"


def test_a_ris_file_is_imported_with_its_archive_and_location(client, editor, seeded):
    client.force_login(editor)
    preview = upload(client, (REFS / "khlevniuk-ulrikh.ris").read_bytes(), "export.ris").content.decode()
    assert "This import would create <strong>4</strong>" in preview
    assert "Created <strong>4</strong>" in confirm(client, preview)
    verdict = Source.objects.get(title="Приговор Специального судебного присутствия Верховного суда СССР")
    assert verdict.key == "ulrikh-1937-prigovor-spetsialnogo-sudebnogo-prisutstviia"  # (no ID: author, year, title)
    assert verdict.archive_reference == "РГВА, f. 37837, op. 1, d. 15, l. 1-3"
    assert (verdict.date, verdict.kind, verdict.notes) == (
        "1937-06-11",
        "archival_file",
        "Typescript with the signatures of the court.",
    )
    book = Source.objects.get(key="khlevniuk-2009")
    assert (book.isbn, book.publisher, book.publisher_place) == (
        "978-0-300-11066-1",
        "Yale University Press",
        "New Haven",
    )


def test_a_large_reference_file_is_checked_and_written_by_a_background_job(client, editor, seeded, settings):
    settings.CSV_BACKGROUND_ROWS = 2  # (the file has 4 records)
    client.force_login(editor)
    check = upload(client, (REFS / "khlevniuk-ulrikh.ris").read_bytes(), "export.ris")["Location"]
    run_jobs_in_this_transaction()
    preview = client.get(check).content.decode()
    assert "This import would create <strong>4</strong>" in preview
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    write = client.post(f"{IMPORT}confirm/", {"token": token})["Location"]
    assert not Source.objects.filter(key="khlevniuk-2009").exists()  # (until the job runs)
    run_jobs_in_this_transaction()
    assert "Created <strong>4</strong>" in client.get(write).content.decode()
    assert Source.objects.filter(key="khlevniuk-2009").exists()


def test_a_changed_record_shows_its_old_and_new_values_in_the_preview(client, editor, seeded):
    client.force_login(editor)
    stored = Source.objects.order_by("key").first()
    item = csl.item_of(stored)
    item["title"] = "A corrected title"
    item["DOI"] = "10.1000/182"
    preview = upload(client, json.dumps([item]).encode(), "one.json").content.decode()
    assert "update <strong>1</strong>" in preview
    assert (
        f'<span class="column-name">title</span>: <del>{stored.title}</del> → <ins>A corrected title</ins>' in preview
    )
    assert '<span class="column-name">doi</span>: <del>(empty)</del> → <ins>10.1000/182</ins>' in preview


def test_a_source_changed_after_the_preview_is_not_overwritten_by_the_confirm(client, editor, second_editor, seeded):
    client.force_login(editor)
    source = Source.objects.order_by("key").first()
    item = csl.item_of(source)
    item["title"] = "A corrected title"
    preview = upload(client, json.dumps([item]).encode(), "one.json").content.decode()
    services.source_update(actor=second_editor, source=source, data={"notes": "Checked against the original."})
    refused = said(html.unescape(confirm(client, preview)))
    assert "The import was refused: nothing was written" in refused
    assert f"The source '{source.key}' was changed by {second_editor.username}" in refused
    assert Source.objects.get(pk=source.pk).title == source.title


# --- What cannot be imported: named, and nothing written ------------------------------------


def test_records_that_cannot_be_sources_are_named_and_nothing_is_written(client, editor, seeded):
    client.force_login(editor)
    items = json.loads((REFS / "zotero-export.json").read_text(encoding="utf-8"))
    items[1]["issued"] = {"literal": "sometime that summer"}
    items.append({"id": "stata-manual", "type": "software", "title": "Stata 18"})
    items.append({"id": "no-title", "type": "book"})
    before = sources()
    page = html.unescape(upload(client, json.dumps(items, ensure_ascii=False).encode(), "export.json").content.decode())
    assert "cannot be imported: nothing was written" in page
    assert "'d7wq2m4x' “Протокол допроса М. Н. Тухачевского”: " in page  # (the record, then what is wrong)
    assert "sometime that summer" in page
    assert "'stata-manual' “Stata 18”: Its type 'software' is no kind of source here" in page
    assert "'no-title': This field cannot be blank." in page
    assert 'name="token"' not in page
    assert sources() == before


def test_a_bibtex_entry_that_cannot_be_read_is_named_by_its_key(client, editor, seeded):
    client.force_login(editor)
    data = (REFS / "conquest-werth.bib").read_bytes() + b"\n@book{broken-1937,\n  title = {Unclosed\n"
    page = html.unescape(upload(client, data, "library.bib").content.decode())
    assert "'broken-1937': This entry (line 40 of the file) cannot be read as BibTeX: Unexpectedly reached end" in page
    assert not Source.objects.filter(key__in=["conquest-1990", "broken-1937"]).exists()


@pytest.mark.parametrize(
    ("data", "name", "fmt", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "scan.png", "", "This file is not CSL-JSON, BibTeX or RIS"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "scan.png", "ris", "This is not a text (CSV) file."),
        (
            b"key,kind,level,title\nx,monograph,secondary,X\n",
            "sources.csv",
            "",
            "This file is not CSL-JSON, BibTeX or RIS",
        ),
        (b'[{"id": "a", "type": "book",', "export.json", "", "The file is not valid CSL-JSON: Expecting"),
        (b'{"title": 1937}', "export.txt", "csl-json", "Its type (none) is no kind of source here"),
        (b"TY  - BOOK\r\nTI  - No end\r\n", "export.ris", "", "no RIS records"),
    ],
)
def test_a_file_that_is_no_reference_file_gets_a_clear_message(client, editor, seeded, data, name, fmt, message):
    client.force_login(editor)
    before = sources()
    page = html.unescape(upload(client, data, name, fmt).content.decode())
    assert message in page
    assert sources() == before


def test_only_those_who_may_import_csv_may_import_references(client, researcher, editor, seeded):
    client.force_login(researcher)
    assert upload(client, (REFS / "khlevniuk-ulrikh.ris").read_bytes(), "export.ris").status_code == 403
    assert not Source.objects.filter(key="khlevniuk-2009").exists()


# --- Reading the parts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "parts"),
    [
        ("f. 17, op. 3, d. 1052", ("", "17", "3", "1052", "")),
        ("ф. 17, оп. 3, д. 1052, л. 5", ("", "17", "3", "1052", "5")),
        ("RGVA, f. 37837, op. 1, d. 12, ll. 5-7 ob.", ("RGVA", "37837", "1", "12", "5-7 ob.")),
        ("ГАРФ. Ф. Р-9401. Оп. 2. Д. 64. Л. 3", ("ГАРФ", "Р-9401", "2", "64", "3")),
        ("F. 33987 Op. 3 D. 400", ("", "33987", "3", "400", "")),
        ("fond 17, opis 3, delo 1052, list 12 об.", ("", "17", "3", "1052", "12 об.")),
    ],
)
def test_archival_locations_are_read_into_fond_opis_delo_and_list(written, parts):
    location = archival.parse(written)
    assert (location.archive, location.fond, location.opis, location.delo, location.list) == parts
    assert location.rest == ""


def test_a_ris_availability_field_holding_the_whole_reference_is_read_into_its_parts():
    (record,) = ris.records(
        "TY  - MANSCPT\r\nTI  - Verdict\r\nAV  - RGVA, f. 37837, op. 1, d. 15, l. 1-3\r\nER  - \r\n"
    )
    cells = csl.cells_of(record.item)
    assert (cells["archive"], cells["archive_fond"], cells["archive_delo"], cells["archive_list"]) == (
        "RGVA",
        "37837",
        "15",
        "1-3",
    )


def test_a_location_outside_the_russian_system_is_kept_in_the_notes():
    cells = csl.cells_of(
        {
            "id": "hoover",
            "type": "manuscript",
            "title": "Letter",
            "archive": "Hoover Institution",
            "archive_location": "Box 3, Folder 12",
        }
    )
    assert (cells["archive"], cells["archive_fond"]) == ("Hoover Institution", "")
    assert cells["notes"] == "Archive location: Box 3, Folder 12"


@pytest.mark.parametrize(
    ("issued", "edtf"),
    [
        ({"date-parts": [["1937", "6", "11"]]}, "1937-06-11"),
        ({"date-parts": [[1937, 6]]}, "1937-06"),
        ({"date-parts": [[1937], [1938]]}, "1937/1938"),
        ({"date-parts": [[1937]], "circa": True}, "1937~"),
        ({"raw": "1937-06?"}, "1937-06?"),
        ({"literal": "1937/1938"}, "1937/1938"),
        ({"raw": "11.06.1937"}, "1937-06-11"),
        ({"literal": "ca. 1937"}, "1937~"),
        ({"raw": "1937–1938"}, "1937/1938"),
        ({"raw": "June 1937", "date-parts": [[1937, 6]]}, "1937-06"),
    ],
)
def test_edtf_like_dates_are_read_as_edtf(issued, edtf):
    assert csl.date_text(issued) == edtf


# --- Exports: the list's filters kept, and read back without a change --------------------------


@pytest.mark.parametrize(
    ("url", "name"),
    [("/sources/export.json", "a.json"), ("/sources/export.bib", "a.bib"), ("/sources/export.ris", "a.ris")],
)
def test_an_export_imported_again_changes_no_source(client, editor, seeded, url, name):
    client.force_login(editor)
    # An archival source with every reference field, besides the seed's.
    stored(
        **{**ARCHIVAL, "authors": "NKVD USSR; Ezhov, Nikolai I."},
        title="Interrogation of M. N. Tukhachevsky, 26 May 1937 {copy} & 100% $ _ ~ ^ \\ #",
        title_original="Протокол допроса",
        date="1937-05-26?",
        archive_list="5-7 ob.",
        doi="10.1000/182",
        isbn="5-85910-012-1",
        url="https://example.org/rgva?f=37837&op=1",
        language="ru",
        notes="Two lines:\nthe second.",
    )
    count = Source.objects.count()
    data = download(client, url)
    preview = said(upload(client, data, name).content.decode())
    assert f"update <strong>0</strong> and leave <strong>{count}</strong> unchanged" in preview, re.findall(
        r"<li>.*?</li>", preview
    )[:5]


def test_an_export_keeps_the_source_lists_filters(client, editor, seeded):
    client.force_login(editor)
    page = client.get("/sources/?kind=official_report").content.decode()
    assert 'href="/sources/export.ris?kind=official_report" download>RIS</a>' in page
    text = download(client, "/sources/export.ris?kind=official_report").decode()
    types = re.findall(r"^C1  - (.+)\r$", text, re.M)
    assert types and set(types) == {"official_report"}
    assert len(types) == Source.objects.filter(kind="official_report").count()


def test_the_csl_json_export_is_zoteros_format(client, editor, seeded):
    client.force_login(editor)
    response = client.get("/sources/export.json")
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    items = json.loads(b"".join(response.streaming_content))
    assert len(items) == Source.objects.count()
    first = Source.objects.order_by("key").first()
    assert items[0]["id"] == first.key
    assert items[0]["title"] == first.title


# --- The formatted reference on the source page ------------------------------------------------


def test_the_source_page_shows_its_chicago_reference_with_the_archive(client, researcher, seeded):
    stored(
        **ARCHIVAL, title="Protocol of the interrogation of M. N. Tukhachevsky", date="1937-05-26", archive_list="5-7"
    )
    reference = reference_on_page(client, researcher, "rgva-37837-1-12")
    assert reference.startswith("NKVD USSR. 1937. “Protocol of the Interrogation of M. N. Tukhachevsky”")
    assert "RGVA, f. 37837, op. 1, d. 12, l. 5-7, Moscow." in reference


def test_a_book_title_is_in_italics_and_a_russian_one_keeps_its_own_capitals(client, researcher, seeded):
    stored(
        **BOOK,
        key="rogovin-1997",
        title="Партия расстрелянных",
        authors="Роговин, Вадим Захарович",
        date="1997",
        publisher="Б. и.",
        language="ru",
    )
    client.force_login(researcher)
    page = client.get("/sources/rogovin-1997/").content.decode()
    assert (
        '<p class="reference" lang="ru">Роговин, Вадим Захарович. 1997. <i>Партия расстрелянных</i>. Б. и.</p>' in page
    )


def test_the_formatted_reference_escapes_what_the_source_says(client, researcher, seeded):
    stored(
        **BOOK,
        key="injected",
        title='Terror <script>alert("x")</script> <i>and</i> \ue000 purge',
        authors="<b>Bold</b>, Author & Co",
        publisher="<img src=x onerror=alert(1)>",
        date="1937",
    )
    reference = reference_on_page(client, researcher, "injected")
    assert "<script" not in reference and "<img" not in reference and "<b>" not in reference
    assert "&lt;script&gt;" in reference and "&lt;img src=x" in reference and "&amp; Co" in reference
    assert re.fullmatch(r"[^<]*<i>[^<]*</i>[^<]*", reference), reference  # (the only tag: the style's italics)


@pytest.mark.parametrize(
    ("date", "shown"),
    [("1937-06?", "A, B. [1937?]."), ("../1937", "A, B. until 1937."), ("1937-06-11/1937-06-12", "A, B. 1937.")],
)
def test_a_date_chicago_has_no_form_for_is_given_in_words(date, shown):
    source = Source(key="x", kind="monograph", level="secondary", title="T", authors="A, B", date=date)
    assert formatted.reference(source).startswith(shown)

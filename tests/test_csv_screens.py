"""CSV screens that explain themselves: the columns and an example file on each upload page,
an unknown key that says where to import it first, a preview of old → new values, a download
in the list's order, and the citations file (export, and import the same all-or-nothing way)."""

import html
import io
import re
from pathlib import Path

import pytest
from django.conf import settings

from claims.csv.citations_csv import citations_import
from claims.csv.claims_csv import claims_import
from claims.csv.columns import TABLES
from claims.csv.sources_csv import sources_import
from claims.models import Citation, Claim, Source
from claims.selectors import lists
from tests.jobs_support import run_jobs_in_this_transaction

pytestmark = pytest.mark.django_db

CSV_DIR = Path(__file__).parent / "csv"
DOCS = Path(settings.BASE_DIR) / "docs"


@pytest.fixture
def seeded(db, seed_for_the_module):
    """The seed data set (loaded once for the module)."""


def upload(client, url: str, data: bytes, name: str = "file.csv"):
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(url, {"file": handle, "encoding": ""})


def download(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content).decode("utf-8")


def keys_of(text: str) -> list[str]:
    return [row.split(",", 1)[0] for row in text.split("\r\n")[1:] if row]


def citation_rows() -> list[tuple]:
    return list(
        Citation.objects.order_by("pk").values_list(
            "pk", "claim__key", "source__key", "locator", "stance", "quote", "quote_translation", "version"
        )
    )


# --- The upload pages list their columns, from the reader's own table ------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [("/claims/import/", "claims"), ("/sources/import/", "sources"), ("/citations/import/", "citations")],
)
def test_upload_page_lists_every_column_the_reader_knows_with_an_example_file(client, editor, url, kind):
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert "the README describes the columns" not in page
    for column in TABLES[kind]:
        row = re.search(rf"<tr><th scope=\"row\"><code>{column.name}</code></th><td>(required|optional)</td>", page)
        assert row is not None, column.name
        assert row.group(1) == ("required" if column.required else "optional")
        assert html.escape(column.example) in page
    example = {
        "claims": "/claims/example.csv",
        "sources": "/sources/example.csv",
        "citations": "/citations/example.csv",
    }
    assert f'href="{example[kind]}" download>Download an example file' in page


def test_the_readers_columns_are_those_of_the_table():
    from claims.csv import citations_csv, claims_csv, sources_csv

    assert [c.name for c in TABLES["claims"]] == claims_csv.CLAIM_COLUMNS
    assert claims_csv.REQUIRED == ["key", "topic", "statement"]
    assert [c.name for c in TABLES["sources"]] == sources_csv.SOURCE_COLUMNS
    assert citations_csv.CITATION_COLUMNS == ["claim", "source", "locator", "stance", "quote", "translation"]


def test_example_files_download_after_login_only(client, researcher):
    assert client.get("/claims/example.csv").status_code == 302
    client.force_login(researcher)
    for kind, url in (
        ("claims", "/claims/example.csv"),
        ("sources", "/sources/example.csv"),
        ("citations", "/citations/example.csv"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="{kind}-example.csv"'
        assert b"".join(response.streaming_content) == (DOCS / f"{kind}-example.csv").read_bytes()


def test_example_files_import_cleanly_in_order(editor):
    for kind, importer in (("sources", sources_import), ("claims", claims_import), ("citations", citations_import)):
        report = importer(actor=editor, data=(DOCS / f"{kind}-example.csv").read_bytes())
        assert report.ok, [str(e) for e in report.errors]
        assert report.created + report.updated > 0
    assert Citation.objects.get(claim__key="voroshilov-1938-figures", locator="lead").stance == "mentions"


# --- An unknown key says to import it first, with a link ----------------------------------


def test_unknown_source_key_names_it_and_links_the_sources_import_page(client, editor, seeded):
    client.force_login(editor)
    page = upload(client, "/claims/import/", (CSV_DIR / "error_unknown_source_key.csv").read_bytes()).content.decode()
    assert "Unknown source key &#x27;rogovin-1973&#x27;: import the sources first, on the sources import page." in page
    assert '<a href="/sources/import/">Import sources</a>' in page
    assert "import_sources" not in page


def test_the_command_still_names_the_command_to_run(db, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as raised:
        call_command("import_claims", str(CSV_DIR / "error_unknown_source_key.csv"))
    assert "Unknown source key 'rogovin-1973'" in str(raised.value)
    assert "manage.py import_sources" in str(raised.value)


# --- The preview shows old → new --------------------------------------------------------


def test_preview_shows_each_changed_field_old_and_new_escaped(client, editor, seeded):
    client.force_login(editor)
    claim = Claim.objects.get(key="verdict-2335")
    text = f'key,topic,statement,status\nverdict-2335,{claim.topic.title},"The verdict came at <b>23:35</b>.",refuted\n'
    page = upload(client, "/claims/import/", text.encode()).content.decode()
    assert "<b>23:35</b>" not in page
    assert (
        f'<span class="column-name">statement</span>: <del>{html.escape(claim.statement)}</del> → '
        "<ins>The verdict came at &lt;b&gt;23:35&lt;/b&gt;.</ins>"
    ) in page
    assert f'<span class="column-name">status</span>: <del>{claim.status}</del> → <ins>refuted</ins>' in page
    assert Claim.objects.get(key="verdict-2335").statement == claim.statement  # (a preview writes nothing)


def test_sources_preview_shows_old_and_new_values(client, editor, seeded):
    client.force_login(editor)
    source = Source.objects.get(key="wikipedia-case-of-military-2010")
    text = f"key,kind,level,title\n{source.key},{source.kind},{source.level},Case of the Military Organization\n"
    page = upload(client, "/sources/import/", text.encode()).content.decode()
    assert (
        f'<span class="column-name">title</span>: <del>{html.escape(source.title)}</del> → '
        "<ins>Case of the Military Organization</ins>"
    ) in page


# --- The download keeps the order shown on screen -----------------------------------------


def test_download_keeps_the_lists_sort(client, researcher, seeded):
    client.force_login(researcher)
    shown = list(lists.claim_search(filters=lists.ClaimFilters(sort="-date")).values_list("key", flat=True))
    page = client.get("/claims/?sort=-date").content.decode()
    first_on_page = [key for key in re.findall(r'href="/claims/([a-z0-9-]+)/"', page) if key in shown]
    assert first_on_page[:3] == shown[:3]
    downloaded = keys_of(download(client, "/claims/export.csv?sort=-date"))
    assert downloaded == shown
    assert downloaded != sorted(downloaded)  # (not the order by key)
    assert keys_of(download(client, "/claims/export.csv?sort=key")) == sorted(downloaded)


# --- citations.csv ------------------------------------------------------------------------


def test_citations_export_holds_quote_translation_stance_and_locator_as_filtered(client, researcher, seeded):
    client.force_login(researcher)
    text = download(client, "/citations/export.csv")
    assert text.startswith("claim,source,locator,stance,quote,translation\r\n")
    assert len(keys_of(text)) == Citation.objects.count()
    assert (
        "execution-12-june,wikipedia-case-of-military-2010,lead,supports,"
        '"they were executed on the night of June 11–12, 1937, immediately after the verdict",\r\n'
    ) in text
    topic = download(client, "/citations/export.csv?topic=date-of-execution")
    expected = Citation.objects.filter(claim__topic__slug="date-of-execution").count()
    assert 0 < len(keys_of(topic)) == expected < Citation.objects.count()


def test_citations_export_then_import_changes_nothing(client, editor, seeded):
    client.force_login(editor)
    before = citation_rows()
    data = download(client, "/citations/export.csv").encode()
    page = upload(client, "/citations/import/", data).content.decode()
    assert "create <strong>0</strong>, update <strong>0</strong>" in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    done = client.post("/citations/import/confirm/", {"token": token}).content.decode()
    assert f"unchanged <strong>{len(before)}</strong>" in done
    assert citation_rows() == before


def test_citations_import_previews_then_writes_on_confirm(client, editor, seeded):
    client.force_login(editor)
    page = upload(client, "/citations/import/", (CSV_DIR / "citations.csv").read_bytes()).content.decode()
    assert "create <strong>1</strong>, update <strong>1</strong>" in page
    assert '<span class="column-name">stance</span>: <del>supports</del> → <ins>contradicts</ins>' in page
    assert (
        '<span class="column-name">translation</span>: <del>(empty)</del> → <ins>Переведено: казнены в ночь на 12 июня.</ins>'
        in page
    )
    assert not Citation.objects.filter(locator="p. 1").exists()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    client.post("/citations/import/confirm/", {"token": token})
    changed = Citation.objects.get(
        claim__key="execution-12-june", source__key="wikipedia-case-of-military-2010", locator="lead"
    )
    assert (changed.stance, changed.quote_translation) == ("contradicts", "Переведено: казнены в ночь на 12 июня.")
    new = Citation.objects.get(claim__key="verdict-2335", locator="p. 1")
    assert (new.stance, new.quote, new.created_by) == ("mentions", "The verdict was announced at 23:35.", editor)


def test_citations_file_with_one_bad_row_imports_nothing_and_names_it(client, editor, seeded):
    client.force_login(editor)
    before = citation_rows()
    page = upload(
        client, "/citations/import/", (CSV_DIR / "error_citations_unknown_claim.csv").read_bytes()
    ).content.decode()
    assert "cannot be imported: nothing was written" in page
    assert (
        '<td class="num">3</td><td>claim</td><td>Unknown claim key &#x27;no-such-claim&#x27;: import the claims first, '
        'on the claims import page. <a href="/claims/import/">Import claims</a>'
    ) in page
    assert 'name="token"' not in page
    assert citation_rows() == before


def test_citations_unknown_source_links_the_sources_import(editor, seeded):
    data = b"claim,source\nverdict-2335,no-such-source\n"
    report = citations_import(actor=editor, data=data)
    assert [(e.row, e.column, e.needs) for e in report.errors] == [(2, "source", "sources")]
    assert "Unknown source key 'no-such-source'" in report.errors[0].message


def test_citations_repeated_in_a_file_are_an_error(editor, seeded):
    data = b"claim,source,locator\nverdict-2335,wikipedia-case-of-military-2010,x\nverdict-2335,wikipedia-case-of-military-2010,x\n"
    report = citations_import(actor=editor, data=data)
    assert [str(e) for e in report.errors] == [
        "row 3, column locator: This citation is repeated; it first appears in row 2."
    ]


def test_citations_confirm_refused_when_changed_since_the_preview(editor, seeded):
    data = (CSV_DIR / "citations.csv").read_bytes()
    preview = citations_import(actor=editor, data=data, dry_run=True)
    Citation.objects.filter(claim__key="execution-12-june", locator="lead").update(version=99)
    before = citation_rows()
    report = citations_import(actor=editor, data=data, expected_versions=preview.versions)
    assert report.changed_since_preview
    assert "was changed after your preview" in report.errors[0].message
    assert citation_rows() == before


def test_researcher_may_not_import_citations(client, researcher):
    client.force_login(researcher)
    assert client.get("/citations/import/").status_code == 403


def test_a_background_export_keeps_the_lists_sort(client, researcher, seeded, settings):
    settings.CSV_BACKGROUND_ROWS = 5  # (the seed has 29 claims)
    client.force_login(researcher)
    offer = client.get("/claims/export.csv?sort=-date").content.decode()
    assert 'name="query" value="sort=-date"' in offer
    job = client.post("/jobs/claims-export/", {"query": "sort=-date"})["Location"].strip("/").split("/")[-1]
    run_jobs_in_this_transaction()
    written = b"".join(client.get(f"/jobs/{job}/download/").streaming_content).decode()
    shown = list(lists.claim_search(filters=lists.ClaimFilters(sort="-date")).values_list("key", flat=True))
    assert keys_of(written) == shown != sorted(shown)


def test_the_claim_list_offers_the_citations_of_what_it_shows(client, editor, seeded):
    client.force_login(editor)
    page = client.get("/claims/?topic=date-of-execution&sort=key").content.decode()
    assert (
        '<a href="/citations/export.csv?topic=date-of-execution" download>Download their citations as CSV</a>' in page
    )
    assert '<a href="/citations/import/">Import citations from CSV</a>' in page


def test_a_long_citations_file_is_checked_and_written_by_a_background_job(client, editor, seeded, settings):
    settings.CSV_BACKGROUND_ROWS = 1  # (the file has 2 rows)
    client.force_login(editor)
    check = upload(client, "/citations/import/", (CSV_DIR / "citations.csv").read_bytes())["Location"]
    run_jobs_in_this_transaction()
    preview = client.get(check).content.decode()
    assert "create <strong>1</strong>, update <strong>1</strong>" in preview
    assert '<span class="column-name">stance</span>: <del>supports</del> → <ins>contradicts</ins>' in preview
    assert 'action="/citations/import/confirm/"' in preview
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    write = client.post("/citations/import/confirm/", {"token": token})["Location"]
    assert not Citation.objects.filter(locator="p. 1").exists()  # (until the job runs)
    run_jobs_in_this_transaction()
    assert "Created <strong>1</strong>, updated <strong>1</strong>" in client.get(write).content.decode()
    assert Citation.objects.get(claim__key="execution-12-june", locator="lead").stance == "contradicts"

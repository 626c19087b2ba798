"""Responses are compressed for clients that accept gzip (issue 10): pages and the CSV downloads.

The static files are compressed ahead of time by collectstatic and sent by whitenoise:
tests/test_load.py checks that on a production-like server.
"""

import gzip
import re

import pytest

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def without_csrf_tokens(page: bytes) -> bytes:
    """The page with its CSRF tokens blanked: each response masks the token afresh."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b'name="csrfmiddlewaretoken" value=""', page)


@pytest.mark.parametrize("url", ["/", "/claims/", "/claims/execution-12-june/", "/sources/rogovin-1937/"])
def test_a_page_comes_gzipped_to_a_browser_that_accepts_it_and_opens_to_the_same_page(
    client, researcher, citation, url
):
    client.force_login(researcher)
    plain = client.get(url)
    packed = client.get(url, **GZIP)

    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]  # a cache keeps the two apart
    assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content) / 2
    assert without_csrf_tokens(gzip.decompress(packed.content)) == without_csrf_tokens(plain.content)


def test_the_csv_download_streams_gzipped_and_unpacks_to_the_same_file(client, researcher, citation):
    client.force_login(researcher)
    plain = client.get("/claims/export.csv")
    packed = client.get("/claims/export.csv", **GZIP)

    assert packed.streaming, "compressed as it is written, not gathered first"
    assert packed["Content-Encoding"] == "gzip"
    assert "Content-Length" not in packed
    assert packed["Content-Disposition"] == plain["Content-Disposition"]
    unpacked = gzip.decompress(b"".join(packed.streaming_content))
    assert unpacked == b"".join(plain.streaming_content)
    assert b"execution-12-june" in unpacked

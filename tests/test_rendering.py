"""User text on pages: Markdown rendered and sanitized, EDTF dates in words."""

from html.parser import HTMLParser

import pytest

from claims.dates import edtf_in_words
from claims.rendering import render_markdown

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src=https://example.org></iframe>",
    '<div style="background:url(javascript:alert(1))">',
    "<scr<script>ipt>alert(1)</script>",
    '[x](https://example.org "t" onmouseover="alert(1)")',
    "![img](javascript:alert(1))",
]


class Elements(HTMLParser):
    """The tags and attributes a browser would build from the HTML (escaped text is not a tag)."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize("payload", XSS)
def test_markdown_never_lets_script_through(payload):
    elements = Elements(str(render_markdown(payload))).tags
    for tag, attrs in elements:
        assert tag in {"p", "a", "strong", "em", "code", "blockquote", "ul", "ol", "li", "br"}, tag
        assert not any(name.startswith("on") or name == "style" for name in attrs), attrs
        href = (attrs.get("href") or "").strip().lower()
        assert not href or href.startswith(("http://", "https://", "mailto:")), href


def test_markdown_keeps_what_historians_write():
    html = str(
        render_markdown(
            "Shvernik, not **Shernik**.\n\n> «расстрелян 12 июня»\n\n- see [the report](https://example.org/r)"
        )
    )
    assert "<strong>Shernik</strong>" in html
    assert "<blockquote>" in html and "«расстрелян 12 июня»" in html
    assert '<a href="https://example.org/r" rel="noopener noreferrer nofollow">the report</a>' in html


def test_raw_html_is_shown_as_text():
    assert str(render_markdown("<b>bold?</b>")) == "<p>&lt;b&gt;bold?&lt;/b&gt;</p>"


@pytest.mark.parametrize(
    "text,words",
    [
        ("1937-06-11T23:35:00", "11 June 1937, 23:35"),
        ("1937-06", "June 1937"),
        ("[1937-06-11,1937-06-12]", "11 or 12 June 1937"),
        ("1937~", "about 1937"),
        ("1937?", "possibly 1937"),
        ("1937-06-01/1937-06-04", "1–4 June 1937"),
        ("1920/1939", "1920 to 1939"),
        ("../1937", "until 1937"),
        ("1936-07/..", "from July 1936 on"),
        ("193X", "the 1930s"),
        ("1957-01-31", "31 January 1957"),
        ("{1937-06-11,1937-06-12}", "11 and 12 June 1937"),
        ("", ""),
        ("not a date", "not a date"),
    ],
)
def test_edtf_in_words(text, words):
    assert edtf_in_words(text) == words

"""Turning user text into HTML that is safe to show.

Annotation bodies are Markdown. Python-Markdown renders them (raw HTML in the input is
escaped, not passed through) and nh3 then keeps only a small set of tags and
attributes, and only http, https and mailto links: a <script>, an onclick or a
javascript: link written into a note can never run in a reader's browser.
"""

import threading

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "hr",
    "h3",
    "h4",
    "h5",
    "h6",
    "del",
    "sup",
    "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


class _EscapeRawHtml(markdown_lib.Extension):
    """Markdown passes raw HTML through by default; a note's HTML is shown as text instead."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


_converters = threading.local()


def _converter() -> markdown_lib.Markdown:
    """This thread's Markdown converter: setting one up costs more than converting a short note
    (a page shows dozens), and one converter may not be used by two threads at once."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown_lib.Markdown(extensions=[_EscapeRawHtml()], output_format="html")
    return converter


def render_markdown(text: str) -> SafeString:
    html = _converter().reset().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # nh3 has just reduced it to the allowed tags  # noqa: S308

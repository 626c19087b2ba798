"""Injection (issue 5, point 4): XSS payloads through every user-writable field, on every page.

A corpus of payloads (script tags, event handlers, javascript: and data: links, SVG,
broken markup, template syntax, spreadsheet formulas, Cyrillic mixed with tags) is stored,
one payload per test, in every user-writable text field through claims/services.py: claim
statements, topic titles and descriptions, every free-text field of a source, people's
names and aliases, citation locators, quotes and translations, the rationales of both
kinds of grade, annotation bodies (Markdown) and quoted passages, dispute reasons and a
resolution note. Keys, slugs, EDTF dates and URLs are tried too; their validators refuse
most payloads, and a field refuses a payload longer than its max_length: that is allowed,
counted, and nothing else may refuse one (a free-text field that refused payloads would
make this test check nothing).

Then every page showing those fields is fetched (as an editor, who sees every grade and
may edit everything, and the admin as staff) and parsed: no <script> but the site's own
static files, no on* attribute, no javascript:/vbscript:/data: URL, no <iframe>, <object>,
<embed>, <svg> or <math>, and each field's text visible on each page that shows it (as
text; annotation bodies as their sanitized Markdown). The CSV exports are checked as CSV:
downloaded, not rendered, formula cells escaped, and every payload read back literally.
Forms sent back with errors, and the CSV import pages, show the payloads as text too.

Finally chromium (Playwright) opens the claim, source and dispute pages holding payloads
that would set window.__xss or open a dialog: nothing runs, with the Content-Security-
Policy bypassed (so escaping alone is what is tested) and with it enforced (no violation
reported, which would mean something tried to run).
"""

import csv
import functools
import io
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

import markdown as markdown_lib
import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client, override_settings
from django.utils.html import escape

from claims import services
from claims.csv.claims_csv import claims_import
from claims.csv.claims_export import EXPORT_COLUMNS
from claims.csv.reading import FORMULA_STARTS, escape_formula, unescape_formula
from claims.csv.sources_csv import SOURCE_COLUMNS, sources_import
from claims.models import Citation, Claim, Dispute, Person, Source, Topic
from claims.rendering import render_markdown
from claims.roles import Role
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

# --- The corpus ----------------------------------------------------------------------------

PAYLOADS = {
    "script-tag": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "svg-onload": "<svg onload=alert(1)>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "markdown-javascript-link": "[x](javascript:alert(1))",
    "markdown-mixed-case-javascript-link": "[x](JaVaScRiPt:alert(1))",
    "markdown-data-link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "html-javascript-link": '<a href="javascript:alert(1)">x</a>',
    "double-quote-breakout": '"><script>alert(1)</script>',
    "single-quote-breakout": "'><img src=x onerror=alert(1)>",
    "iframe-javascript": "<iframe src=javascript:alert(1)>",
    "details-ontoggle": "<details open ontoggle=alert(1)>",
    "nested-script-tag": "<scr<script>ipt>alert(1)</script>",
    "unclosed-img": '<img src="x" onerror="alert(1)"',
    "template-variable": "{{ 7*7 }}",
    "template-tag": "{% debug %}",
    "markdown-autolink-javascript": "<javascript:alert(1)>",
    "cyrillic-with-tags": "Шверник <b onmouseover=alert(1)>«Очищение»</b><script>alert(1)</script>",
    "short-attribute-breakout": '"><b>x',
    "url-breakout": 'https://example.org/"><script>alert(1)</script>',
    "style-javascript-url": '<p style="background:url(javascript:alert(1))">x</p>',
    "formula-hyperlink": '=HYPERLINK("https://evil.example/","<b>x</b>")',
    "formula-dde": "@SUM(1+1)*cmd|' /C calc'!A0",
}
PAYLOAD_PARAMS = [pytest.param(text, id=name) for name, text in PAYLOADS.items()]
TAG_MARK = "§"  # each field's copy of the payload ends in §<its code>, so a page shows which field it is
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest.py


def tagged(payload: str, code: str) -> str:
    return f"{payload}{TAG_MARK}{code}"


# --- Reading a page as a browser would build it ---------------------------------------------

# The site's own scripts: static files (the admin's) and the admin's JavaScript catalogue.
SITE_SCRIPT_PREFIXES = ("/static/", "/admin/jsi18n/")
# Data blocks, which a browser never runs (the claim page's ClaimReview): each must be JSON with no
# "<" in it, so that no text in it can close the element and start markup of its own.
DATA_BLOCK_TYPES = {"application/ld+json"}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
    "data",
    "codebase",
    "cite",
    "longdesc",
    "ping",
    "lowsrc",
    "dynsrc",
    "manifest",
}
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "base", "portal"}
# The Django admin's own inline icons (admin/base.html and admin/color_theme_toggle.html), exactly.
SITE_SVGS = {
    frozenset({("xmlns", "http://www.w3.org/2000/svg"), ("class", "base-svgs")}),
    *(
        frozenset({("aria-hidden", "true"), ("class", f"theme-icon-when-{theme}")})
        for theme in ("auto", "dark", "light")
    ),
}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
STYLE_DANGER = re.compile(r"javascript:|vbscript:|expression\s*\(|url\s*\(", re.I)


class Page(HTMLParser):
    """The elements (with every attribute, decoded), the text a reader sees, and script bodies."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str]]]] = []
        self.chunks: list[str] = []
        self.script_bodies: list[str] = []
        self.script_types: list[str] = []  # each script's type attribute, in the order of script_bodies
        self._inside: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = [(name, value or "") for name, value in attrs]
        self.elements.append((tag, attrs))
        if tag == "script":
            self._inside = "script"
            self.script_bodies.append("")
            self.script_types.append(dict(attrs).get("type", "").lower())
        elif tag == "style":
            self._inside = "style"
        if tag == "input":
            # What a form field shows is its value.
            self.chunks.extend(value for name, value in attrs if name == "value")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._inside = None

    def handle_endtag(self, tag):
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data):
        if self._inside == "script":
            self.script_bodies[-1] += data
        elif self._inside is None:
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return normalized(" ".join(self.chunks))


def normalized(text: str) -> str:
    return " ".join(text.split())


def dangerous_url(value: str) -> bool:
    # Browsers drop ASCII whitespace and control characters inside a scheme ("java\tscript:").
    squeezed = re.sub(r"[\x00-\x20\x7f]+", "", value).lower()
    return squeezed.startswith(DANGEROUS_SCHEMES)


def unsafe_markup(html: str, page: Page | None = None) -> list[str]:
    """Everything in the page that could run script or load a foreign document; [] when safe."""
    page = page or Page(html)
    problems = []
    site_scripts = site_svgs = data_blocks = 0
    site_svgs_seen = set()
    for tag, attrs in page.elements:
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"<{tag}> has the event handler {name}={value!r}")
            if name in URL_ATTRIBUTES and dangerous_url(value):
                problems.append(f"<{tag}> has {name}={value!r}")
            if name == "srcset" and any(dangerous_url(part) for part in value.split(",")):
                problems.append(f"<{tag}> has srcset={value!r}")
            if name == "style" and STYLE_DANGER.search(value):
                problems.append(f"<{tag}> has style={value!r}")
        if tag == "svg" and frozenset(attrs) in SITE_SVGS - site_svgs_seen:  # each once at most
            site_svgs_seen.add(frozenset(attrs))
            site_svgs += 1
        elif tag in FORBIDDEN_ELEMENTS:
            problems.append(f"a <{tag}> element {attrs!r}")
        if tag == "meta" and any(n == "http-equiv" and v.lower() == "refresh" for n, v in attrs):
            problems.append(f"<meta http-equiv=refresh> {attrs!r}")
        if tag == "script":
            src = dict(attrs).get("src", "")
            if src.startswith(SITE_SCRIPT_PREFIXES):
                site_scripts += 1
            elif not src and dict(attrs).get("type", "").lower() in DATA_BLOCK_TYPES:
                data_blocks += 1
            else:
                problems.append(f"a <script> that is not one of the site's files: {attrs!r}")
    for body, kind in zip(page.script_bodies, page.script_types, strict=True):
        if kind in DATA_BLOCK_TYPES:
            problems += [] if _json_without_markup(body) else [f"a data block that is not plain JSON: {body[:80]!r}"]
        elif body.strip():
            problems.append(f"an inline script: {body[:80]!r}")
    # The raw text as a second opinion, in case a browser's parser read a tag where this one did not.
    raw_scripts = len(re.findall(r"<script\b", html, re.I))
    if raw_scripts != site_scripts + data_blocks:
        problems.append(
            f"{raw_scripts} '<script' in the raw HTML but {site_scripts} site scripts and {data_blocks} data blocks"
        )
    raw_svgs = len(re.findall(r"<svg\b", html, re.I))
    if raw_svgs != site_svgs:
        problems.append(f"{raw_svgs} '<svg' in the raw HTML but {site_svgs} of the admin's own icons")
    problems += [f"raw {m.group(0)!r} in the HTML" for m in re.finditer(r"<(iframe|object|embed|math)\b", html, re.I)]
    return problems


def _json_without_markup(body: str) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return "<" not in body


def check_page(html: str) -> tuple[list[str], str]:
    """What is unsafe in a page, and the text it shows."""
    page = Page(html)
    return unsafe_markup(html, page), page.text


@functools.cache
def markdown_text(value: str) -> str:
    """What a reader sees of an annotation body: its sanitized Markdown, as text."""
    return Page(str(render_markdown(value))).text


# --- The fields --------------------------------------------------------------------------------

# Pages, by name; World.urls() says where each one is.
HOME, TOPIC = "home", "topic page"
CLAIMS, CLAIMS_SEARCH, CLAIMS_FILTERED = "claim list", "claim list searched", "claim list filtered"
CLAIM, CLAIM_NEW, CLAIM_EDIT = "claim page", "new claim form", "claim edit form"
CITATION_NEW, CITATION_EDIT, CITATION_GRADE = "new citation form", "citation edit form", "citation grade form"
SOURCES, SOURCES_SEARCH, SOURCE = "source list", "source list searched", "source page"
SOURCE_EDIT, SOURCE_GRADE = "source edit form", "source grade form"
PERSON, PERSON_EDIT = "person page", "person edit form"
DISPUTES = "dispute list"
DISPUTE_CLAIM, DISPUTE_SOURCE_GRADE = "dispute of the claim", "dispute of the source grade"
DISPUTE_CITATION_GRADE, DISPUTE_DECIDED = "dispute of the citation grade", "decided dispute"
RAISE_CLAIM, RAISE_SOURCE_GRADE = "dispute form for the claim", "dispute form for the source grade"
RAISE_CITATION_GRADE = "dispute form for the citation grade"
NOTE_EDIT_CLAIM, NOTE_EDIT_SOURCE = "edit form of the claim's annotation", "edit form of the source's annotation"
NOTE_EDIT_DISPUTE = "edit form of the dispute's annotation"
A_TOPICS, A_TOPIC, A_TOPIC_DELETE = "admin topics", "admin topic", "admin topic delete"
A_PEOPLE, A_PERSON = "admin people", "admin person"
A_SOURCES, A_SOURCE, A_SOURCE_HISTORY, A_SOURCE_DELETE = (
    "admin sources",
    "admin source",
    "admin source history",
    "admin source delete",
)
A_CLAIMS, A_CLAIMS_SEARCH, A_CLAIM = "admin claims", "admin claims searched", "admin claim"
A_CLAIM_HISTORY, A_CLAIM_DELETE = "admin claim history", "admin claim delete"
A_CITATIONS, A_CITATION = "admin citations", "admin citation"
A_SOURCE_GRADES, A_SOURCE_GRADE = "admin source grades", "admin source grade"
A_CITATION_GRADES, A_CITATION_GRADE = "admin citation grades", "admin citation grade"
A_DISPUTES, A_DISPUTE, A_DISPUTE_DECIDED = "admin disputes", "admin dispute", "admin decided dispute"
A_NOTES, A_NOTE = "admin annotations", "admin annotation"

SOURCE_SUMMARY = (SOURCES, SOURCE, SOURCE_EDIT, SOURCE_GRADE, A_SOURCES, A_SOURCE)  # where the archive reference shows


@dataclass(frozen=True)
class Field:
    code: str
    label: str
    shown_on: tuple[str, ...] = ()
    markdown_on: tuple[str, ...] = ()  # pages that render it as Markdown
    # Why a payload may be refused: "text" fields accept anything up to their max_length.
    rule: str = "text"
    model: type | None = None
    name: str = ""

    @property
    def max_length(self) -> int | None:
        return self.model._meta.get_field(self.name).max_length if self.model else None

    def may_refuse(self, value: str) -> bool:
        if self.rule in {"slug", "edtf"}:
            return True
        if self.rule == "url":
            return not value.startswith("https://")
        if self.rule == "no bar" and "|" in value:
            return True
        return self.max_length is not None and len(value) > self.max_length


FIELDS = [
    Field(
        "cs",
        "claim statement",
        (
            TOPIC,
            CLAIMS,
            CLAIMS_SEARCH,
            CLAIMS_FILTERED,
            CLAIM,
            CLAIM_EDIT,
            CITATION_NEW,
            CITATION_EDIT,
            CITATION_GRADE,
            SOURCE,
            PERSON,
            DISPUTES,
            RAISE_CLAIM,
            NOTE_EDIT_CLAIM,
            A_CLAIMS,
            A_CLAIMS_SEARCH,
            A_CLAIM,
            A_CLAIM_HISTORY,
            A_CLAIM_DELETE,
            A_CITATIONS,
            A_CITATION,
            A_NOTE,
            A_DISPUTE,
        ),
        model=Claim,
        name="statement",
    ),
    Field("ck", "claim key", rule="slug"),
    Field("ce", "claim event date", rule="edtf"),
    Field(
        "tt",
        "topic title",
        (
            HOME,
            TOPIC,
            CLAIMS,
            CLAIMS_SEARCH,
            CLAIMS_FILTERED,
            CLAIM,
            CLAIM_NEW,
            CLAIM_EDIT,
            PERSON,
            A_TOPICS,
            A_TOPIC,
            A_TOPIC_DELETE,
            A_CLAIMS,
            A_CLAIMS_SEARCH,
            A_CLAIM,
        ),
        model=Topic,
        name="title",
    ),
    Field("td", "topic description", (TOPIC, A_TOPIC), model=Topic, name="description"),
    Field("ts", "topic slug", rule="slug"),
    # (the claim forms name people by typed slugs or names, the citation forms a source by its key: issue 11)
    Field(
        "pn",
        "person name",
        (CLAIM, CLAIMS_FILTERED, PERSON, PERSON_EDIT, A_PEOPLE, A_PERSON, A_CLAIM),
        rule="no bar",
        model=Person,
        name="name",
    ),
    Field(
        "po",
        "person name in original script",
        (CLAIM, PERSON, PERSON_EDIT, A_PEOPLE, A_PERSON, A_CLAIM),
        model=Person,
        name="name_original",
    ),
    Field("pa", "person aliases", (PERSON, PERSON_EDIT, A_PERSON), model=Person, name="aliases"),
    Field("ps", "person slug", rule="slug"),
    Field(
        "st",
        "source title",
        (
            CLAIM,
            CLAIMS_FILTERED,
            CITATION_EDIT,
            CITATION_GRADE,
            SOURCES,
            SOURCES_SEARCH,
            SOURCE,
            SOURCE_EDIT,
            SOURCE_GRADE,
            DISPUTES,
            DISPUTE_SOURCE_GRADE,
            NOTE_EDIT_SOURCE,
            A_SOURCES,
            A_SOURCE,
            A_SOURCE_HISTORY,
            A_SOURCE_DELETE,
            A_CITATIONS,
            A_CITATION,
            A_SOURCE_GRADES,
            A_SOURCE_GRADE,
            A_CLAIM,
        ),
        model=Source,
        name="title",
    ),
    Field(
        "so",
        "source title in original language",
        (
            CLAIM,
            SOURCES,
            SOURCES_SEARCH,
            SOURCE,
            SOURCE_EDIT,
            SOURCE_GRADE,
            DISPUTES,
            NOTE_EDIT_SOURCE,
            A_SOURCES,
            A_SOURCE,
        ),
        model=Source,
        name="title_original",
    ),
    Field(
        "sa",
        "source authors",
        (CLAIM, SOURCES, SOURCES_SEARCH, SOURCE, SOURCE_EDIT, SOURCE_GRADE, A_SOURCE),
        model=Source,
        name="authors",
    ),
    Field("sp", "source publisher", (SOURCE, SOURCE_EDIT, A_SOURCE), model=Source, name="publisher"),
    Field("sr", "source archive", SOURCE_SUMMARY, model=Source, name="archive"),
    Field("sf", "source fond", SOURCE_SUMMARY, model=Source, name="archive_fond"),
    Field("sx", "source opis", SOURCE_SUMMARY, model=Source, name="archive_opis"),
    Field("sd", "source delo", SOURCE_SUMMARY, model=Source, name="archive_delo"),
    Field("sl", "source list (sheets)", SOURCE_SUMMARY, model=Source, name="archive_list"),
    Field("su", "source URL", (SOURCE, SOURCE_EDIT, A_SOURCE), rule="url", model=Source, name="url"),
    Field("sg", "source language", (SOURCE, SOURCE_EDIT, A_SOURCES, A_SOURCE), model=Source, name="language"),
    Field("sn", "source notes", (SOURCE, SOURCE_EDIT, NOTE_EDIT_SOURCE, A_SOURCE), model=Source, name="notes"),
    Field("se", "source date", rule="edtf"),
    Field("sk", "source key", rule="slug"),
    Field(
        "cl",
        "citation locator",
        (
            CLAIM,
            SOURCE,
            CITATION_EDIT,
            CITATION_GRADE,
            DISPUTES,
            DISPUTE_CITATION_GRADE,
            A_CITATIONS,
            A_CITATION,
            A_CITATION_GRADES,
            A_CITATION_GRADE,
            A_CLAIM,
        ),
        rule="no bar",
        model=Citation,
        name="locator",
    ),
    Field(
        "cq",
        "citation quote",
        (CLAIM, CITATION_EDIT, CITATION_GRADE, A_CITATION, A_CLAIM),
        model=Citation,
        name="quote",
    ),
    Field(
        "ct",
        "citation translation",
        (CLAIM, CITATION_EDIT, CITATION_GRADE, A_CITATION, A_CLAIM),
        model=Citation,
        name="quote_translation",
    ),
    Field(
        "gr",
        "source grade rationale",
        (SOURCE, SOURCE_GRADE, RAISE_SOURCE_GRADE, DISPUTE_SOURCE_GRADE, A_SOURCE_GRADE, A_SOURCE),
    ),
    Field(
        "cr",
        "citation grade rationale",
        (CLAIM, CITATION_GRADE, RAISE_CITATION_GRADE, DISPUTE_CITATION_GRADE, A_CITATION_GRADE, A_CITATION),
    ),
    Field(
        "ab",
        "annotation body (Markdown)",
        (CLAIM, SOURCE, DISPUTE_CLAIM, NOTE_EDIT_CLAIM, NOTE_EDIT_SOURCE, NOTE_EDIT_DISPUTE, A_NOTES, A_NOTE),
        markdown_on=(CLAIM, SOURCE, DISPUTE_CLAIM),
    ),
    # A quoted passage must be copied from the annotated text: it is the claim's statement here.
    Field("aq", "annotation quoted passage", (CLAIM, NOTE_EDIT_CLAIM, A_NOTE)),
    Field(
        "dr",
        "dispute reason",
        (
            CLAIM,
            SOURCE,
            DISPUTES,
            DISPUTE_CLAIM,
            DISPUTE_SOURCE_GRADE,
            DISPUTE_CITATION_GRADE,
            DISPUTE_DECIDED,
            NOTE_EDIT_DISPUTE,
            A_DISPUTE,
            A_DISPUTE_DECIDED,
        ),
    ),
    Field("rn", "dispute resolution note", (CLAIM, DISPUTES, DISPUTE_DECIDED, A_DISPUTE_DECIDED)),
]
FIELD_BY_CODE = {f.code: f for f in FIELDS}


# --- One world per payload ----------------------------------------------------------------------


@dataclass
class World:
    payload: str
    values: dict[str, str] = field(default_factory=dict)  # field code -> the value stored
    refused: dict[str, str] = field(default_factory=dict)  # field code -> why it was refused
    objects: dict[str, object] = field(default_factory=dict)

    def value(self, code: str) -> str:
        return tagged(self.payload, code)

    def attempt(self, code: str, store) -> bool:
        """Store the field's copy of the payload; a ValidationError is a refusal, recorded."""
        value = self.value(code)
        try:
            store(value)
        except ValidationError as exc:
            self.refused[code] = "; ".join(exc.messages)
            return False
        self.values[code] = value
        return True

    def store(self, service, actor, *, fields: dict[str, str], **target) -> None:
        """Store each field's copy of the payload with one update service call; the fields it
        refuses (named in its ValidationError) are recorded and the others stored again."""
        (obj,) = target.values()
        data = {name: self.value(code) for code, name in fields.items()}
        try:
            service(actor=actor, **target, data=data)
        except ValidationError as exc:
            obj.refresh_from_db()  # a refused save leaves the object's version moved on
            errors = getattr(exc, "error_dict", {})
            refused = {code for code, name in fields.items() if name in errors}
            if not refused:  # an error of no one field: try them one by one
                if len(fields) == 1:
                    self.refused.update(dict.fromkeys(fields, "; ".join(exc.messages)))
                else:
                    for code, name in fields.items():
                        self.store(service, actor, fields={code: name}, **target)
                return
            self.refused.update({code: "; ".join(exc.message_dict[fields[code]]) for code in refused})
            rest = {code: name for code, name in fields.items() if code not in refused}
            if rest:
                self.store(service, actor, fields=rest, **target)
        else:
            self.values.update({code: data[name] for code, name in fields.items()})

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None

    def urls(self) -> dict[str, tuple[str, str]]:
        """Every page, with who opens it: "editor" (the site) or "staff" (the admin)."""
        site, admin = self.site_urls(), self.admin_urls()
        return {**{k: (v, "editor") for k, v in site.items()}, **{k: (v, "staff") for k, v in admin.items()}}

    def site_urls(self) -> dict[str, str]:
        d = self.disputes
        return {
            HOME: "/",
            TOPIC: f"/topics/{self.topic.slug}/",
            CLAIMS: "/claims/",
            CLAIMS_SEARCH: "/claims/?" + urlencode({"q": self.payload}),
            CLAIMS_FILTERED: "/claims/?"
            + urlencode({"topic": self.topic.slug, "source": self.source.key, "person": self.person.slug}),
            CLAIM: f"/claims/{self.claim.key}/",
            CLAIM_NEW: "/claims/new/",
            CLAIM_EDIT: f"/claims/{self.claim.key}/edit/",
            CITATION_NEW: f"/claims/{self.claim.key}/citations/new/",
            CITATION_EDIT: f"/citations/{self.citation.pk}/edit/",
            CITATION_GRADE: f"/citations/{self.citation.pk}/grade/",
            SOURCES: "/sources/",
            SOURCES_SEARCH: "/sources/?" + urlencode({"q": self.payload}),
            SOURCE: f"/sources/{self.source.key}/",
            SOURCE_EDIT: f"/sources/{self.source.key}/edit/",
            SOURCE_GRADE: f"/sources/{self.source.key}/grade/",
            PERSON: f"/people/{self.person.slug}/",
            PERSON_EDIT: f"/people/{self.person.slug}/edit/",
            DISPUTES: "/disputes/",
            DISPUTE_CLAIM: f"/disputes/{d['claim'].pk}/",
            DISPUTE_SOURCE_GRADE: f"/disputes/{d['source grade'].pk}/",
            DISPUTE_CITATION_GRADE: f"/disputes/{d['citation grade'].pk}/",
            DISPUTE_DECIDED: f"/disputes/{d['decided'].pk}/",
            RAISE_CLAIM: f"/disputes/new/claim/{self.claim.pk}/",
            RAISE_SOURCE_GRADE: f"/disputes/new/source-grade/{self.source_grade.pk}/",
            RAISE_CITATION_GRADE: f"/disputes/new/citation-grade/{self.citation_grade.pk}/",
            NOTE_EDIT_CLAIM: f"/annotations/{self.notes['claim'].pk}/edit/",
            NOTE_EDIT_SOURCE: f"/annotations/{self.notes['source'].pk}/edit/",
            NOTE_EDIT_DISPUTE: f"/annotations/{self.notes['dispute'].pk}/edit/",
        }

    def admin_urls(self) -> dict[str, str]:
        d, a = self.disputes, "/admin/claims"
        return {
            A_TOPICS: f"{a}/topic/",
            A_TOPIC: f"{a}/topic/{self.topic.pk}/change/",
            A_TOPIC_DELETE: f"{a}/topic/{self.topic.pk}/delete/",
            A_PEOPLE: f"{a}/person/",
            A_PERSON: f"{a}/person/{self.person.pk}/change/",
            A_SOURCES: f"{a}/source/",
            A_SOURCE: f"{a}/source/{self.source.pk}/change/",
            A_SOURCE_HISTORY: f"{a}/source/{self.source.pk}/history/",
            A_SOURCE_DELETE: f"{a}/source/{self.source.pk}/delete/",
            A_CLAIMS: f"{a}/claim/",
            A_CLAIMS_SEARCH: f"{a}/claim/?" + urlencode({"q": self.payload}),
            A_CLAIM: f"{a}/claim/{self.claim.pk}/change/",
            A_CLAIM_HISTORY: f"{a}/claim/{self.claim.pk}/history/",
            A_CLAIM_DELETE: f"{a}/claim/{self.claim.pk}/delete/",
            A_CITATIONS: f"{a}/citation/",
            A_CITATION: f"{a}/citation/{self.citation.pk}/change/",
            A_SOURCE_GRADES: f"{a}/sourceassessment/",
            A_SOURCE_GRADE: f"{a}/sourceassessment/{self.source_grade.pk}/change/",
            A_CITATION_GRADES: f"{a}/citationassessment/",
            A_CITATION_GRADE: f"{a}/citationassessment/{self.citation_grade.pk}/change/",
            A_DISPUTES: f"{a}/dispute/",
            A_DISPUTE: f"{a}/dispute/{d['claim'].pk}/change/",
            A_DISPUTE_DECIDED: f"{a}/dispute/{d['decided'].pk}/change/",
            A_NOTES: f"{a}/annotation/",
            A_NOTE: f"{a}/annotation/{self.notes['claim'].pk}/change/",
        }


def _build_topic_and_person(w: World, researcher, editor) -> None:
    o = w.objects
    topic = o["topic"] = services.topic_create(actor=researcher, title="Injection topic", slug="injection-topic")
    w.store(services.topic_update, editor, topic=topic, fields={"tt": "title", "td": "description", "ts": "slug"})

    person = o["person"] = services.person_create(actor=researcher, name="Injection person", slug="injection-person")
    w.store(
        services.person_update,
        editor,
        person=person,
        fields={"pn": "name", "po": "name_original", "pa": "aliases", "ps": "slug"},
    )


def _build_source(w: World, researcher, editor) -> None:
    source = w.objects["source"] = services.source_create(
        actor=researcher,
        key="injection-source",
        kind=Source.Kind.MONOGRAPH,
        level=Source.Level.PRIMARY,
        title="Injection source",
    )
    w.store(
        services.source_update,
        editor,
        source=source,
        fields={
            "sk": "key",
            "st": "title",
            "so": "title_original",
            "sa": "authors",
            "sp": "publisher",
            "sr": "archive",
            "sf": "archive_fond",
            "sx": "archive_opis",
            "sd": "archive_delo",
            "sl": "archive_list",
            "su": "url",
            "sg": "language",
            "sn": "notes",
            "se": "date",
        },
    )


def _build_claim_and_citation(w: World, researcher, editor) -> None:
    o = w.objects
    claim = o["claim"] = services.claim_create(
        actor=researcher, key="injection-claim", topic=w.topic, statement="Injection claim", people=[w.person]
    )
    w.store(services.claim_update, editor, claim=claim, fields={"ck": "key", "cs": "statement", "ce": "event_date"})

    citation = o["citation"] = services.citation_create(actor=researcher, claim=claim, source=w.source, locator="p. 1")
    w.store(
        services.citation_update,
        editor,
        citation=citation,
        fields={"cl": "locator", "cq": "quote", "ct": "quote_translation"},
    )


def _build_grades(w: World, reviewer) -> None:
    o = w.objects

    def grade_source(rationale):
        o["source_grade"] = services.grade_set(actor=reviewer, target=w.source, grade="B", rationale=rationale)

    def grade_citation(rationale):
        o["citation_grade"] = services.grade_set(actor=reviewer, target=w.citation, grade=2, rationale=rationale)

    if not w.attempt("gr", grade_source):
        grade_source("A neutral rationale.")
    if not w.attempt("cr", grade_citation):
        grade_citation("A neutral rationale.")


def _build_disputes(w: World, reviewer, second_reviewer, editor) -> None:
    """One decided (rejected, with a note), then one open on each kind of target."""
    disputes = w.objects["disputes"] = {}
    claim = w.claim

    def raise_decided(reason):
        disputes["decided"] = services.dispute_raise(
            actor=reviewer, target=claim, reason=reason, proposed=Claim.Status.REFUTED
        )

    if not w.attempt("dr", raise_decided):
        raise_decided("A neutral reason.")
    reason = disputes["decided"].reason
    if not w.attempt(
        "rn",
        lambda note: services.dispute_resolve(
            actor=editor, dispute=disputes["decided"], outcome=Dispute.State.REJECTED, note=note
        ),
    ):
        services.dispute_resolve(
            actor=editor, dispute=disputes["decided"], outcome=Dispute.State.REJECTED, note="A neutral note."
        )
    disputes["decided"].refresh_from_db()
    disputes["claim"] = services.dispute_raise(
        actor=second_reviewer, target=claim, reason=reason, proposed=Claim.Status.SUPPORTED
    )
    disputes["source grade"] = services.dispute_raise(
        actor=second_reviewer, target=w.source_grade, reason=reason, proposed="C"
    )
    disputes["citation grade"] = services.dispute_raise(
        actor=second_reviewer, target=w.citation_grade, reason=reason, proposed=4
    )


def _build_notes(w: World, researcher) -> None:
    """Annotations (Markdown) on every kind of target, and a reply."""
    body = w.value("ab")
    targets = {
        "claim": w.claim,
        "source": w.source,
        "citation": w.citation,
        "source grade": w.source_grade,
        "citation grade": w.citation_grade,
        "dispute": w.disputes["claim"],
    }
    notes = w.objects["notes"] = {}
    for name, target in targets.items():
        try:
            notes[name] = services.annotation_create(actor=researcher, body=body, target=target)
        except ValidationError as exc:
            w.refused["ab"] = "; ".join(exc.messages)
            notes[name] = services.annotation_create(actor=researcher, body="A neutral note.", target=target)
        else:
            w.values["ab"] = body
    notes["reply"] = services.annotation_create(actor=researcher, body=notes["claim"].body, parent=notes["claim"])
    try:
        services.annotation_update(
            actor=researcher, annotation=notes["claim"], data={"quoted_passage": w.claim.statement}
        )
    except ValidationError as exc:
        w.refused["aq"] = "; ".join(exc.messages)
    else:
        w.values["aq"] = w.claim.statement


def build_world(payload: str, researcher, reviewer, second_reviewer, editor) -> World:
    w = World(payload)
    _build_topic_and_person(w, researcher, editor)
    _build_source(w, researcher, editor)
    _build_claim_and_citation(w, researcher, editor)
    _build_grades(w, reviewer)
    _build_disputes(w, reviewer, second_reviewer, editor)
    _build_notes(w, researcher)
    return w


@pytest.fixture(scope="class", params=PAYLOAD_PARAMS)
def world(request, django_db_setup, django_db_blocker) -> World:
    """One payload's world, built once for all the tests of a class and rolled back after them
    (each test runs in a savepoint inside it, as in Django's TestCase.setUpTestData)."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        users = {
            "researcher": make_user("rita_researcher", Role.RESEARCHER),
            "reviewer": make_user("victor_reviewer", Role.REVIEWER),
            "second_reviewer": make_user("vera_reviewer", Role.REVIEWER),
            "editor": make_user("edith_editor", Role.EDITOR),
        }
        built = build_world(request.param, **users)
        built.objects["users"] = {**users, "staff": make_user("stan_staff", staff=True)}
        yield built
        transaction.set_rollback(True)


def logged_in(*users) -> dict[str, Client]:
    made = {}
    for user in users:
        made[user.username] = client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return made


@pytest.fixture
def clients(world) -> dict[str, Client]:
    """The editor's browser (the site) and the staff admin's (the admin)."""
    made = logged_in(world.users["editor"], world.users["staff"])
    return {"editor": made["edith_editor"], "staff": made["stan_staff"]}


def fetch(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} answered {response.status_code}"
    assert response["Content-Type"].startswith("text/html"), (url, response["Content-Type"])
    return response.content.decode()


# --- The checker itself ----------------------------------------------------------------------------

LIVE_MARKUP = [
    "<p><script>alert(1)</script></p>",
    "<p><img src=x onerror=alert(1)></p>",
    "<svg onload=alert(1)>",
    '<a href=" JaVaScRiPt:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    "<iframe src=javascript:alert(1)></iframe>",
    "<details open ontoggle=alert(1)>",
    '<input value=""><script>alert(1)</script>">',
    "<scr<script>ipt>alert(1)</script>",
    '<form><button formaction="javascript:alert(1)">x</button></form>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<script src="https://evil.example/x.js"></script>',
    '<script type="application/ld+json">{"a": "</p><b>"}</script>',
    '<script type="application/ld+json">alert(1)</script>',
    '<script type="application/ld+json" src="https://evil.example/x.js"></script>',
]
# Payloads that are harmless even unescaped (text, a <b>, a formula), or that only a CommonMark
# renderer would turn into a link (Python-Markdown autolinks http and ftp only).
HARMLESS_UNESCAPED = {
    "template-variable",
    "template-tag",
    "short-attribute-breakout",
    "formula-hyperlink",
    "formula-dde",
    "markdown-autolink-javascript",
}


@pytest.mark.parametrize("html", LIVE_MARKUP)
def test_the_page_checker_flags_live_markup(html):
    assert unsafe_markup(f"<!doctype html><html><body>{html}</body></html>")


def test_the_page_checker_passes_escaped_markup_and_the_sites_own_scripts():
    html = (
        '<script src="/static/admin/js/core.js"></script><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>'
        '<input value="&quot;&gt;&lt;svg onload=alert(1)&gt;"><a href="https://example.org/">x</a>'
        '<script type="application/ld+json">{"claimReviewed": "\\u003C/script\\u003E"}</script>'
    )
    assert unsafe_markup(html) == []
    assert "<script>alert(1)</script>" in Page(html).text


@pytest.mark.parametrize("name", [n for n in PAYLOADS if n not in HARMLESS_UNESCAPED])
def test_each_dangerous_payload_would_be_caught_if_a_page_forgot_to_escape_it(name):
    payload = PAYLOADS[name]
    renderings = [
        f"<p>{payload}</p>",
        f'<input value="{payload}">',
        f"<input value='{payload}'>",
        markdown_lib.markdown(payload),  # Markdown without the sanitizer
    ]
    assert any(unsafe_markup(html) for html in renderings), renderings


# --- Every field, every page ---------------------------------------------------------------------

# --- Reading the CSV downloads ------------------------------------------------------------------


def download(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    # Downloaded as a file, never shown as a page.
    assert response["Content-Type"] == "text/csv; charset=utf-8", response["Content-Type"]
    assert re.fullmatch(r'attachment; filename="[\w.-]+\.csv"', response["Content-Disposition"]), response[
        "Content-Disposition"
    ]
    assert response["X-Content-Type-Options"] == "nosniff"
    return b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8")


def rows_by_key(text: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    return header, {row[0]: dict(zip(header, row, strict=True)) for row in reader}


def check_cell(problems: list[str], where: str, cell: str, value: str) -> None:
    if cell != escape_formula(value):
        problems.append(f"{where}: {cell!r} is not {value!r} as escape_formula writes it")
    if value.startswith(FORMULA_STARTS) and not cell.startswith("'"):
        problems.append(f"{where}: the formula {cell!r} is not escaped")
    if unescape_formula(cell) != value:
        problems.append(f"{where}: {cell!r} does not read back as {value!r}")


def _refused_record_posts(w: World) -> dict[str, dict]:
    """Claims, sources and people, new and edited, with what the forms refuse."""
    claim, source, person, p = w.claim, w.source, w.person, w.payload
    return {
        "/claims/new/": {"key": p, "new_topic": p, "statement": p, "kind": "fact", "status": "open", "event_date": p},
        f"/claims/{claim.key}/edit/": {
            "key": p,
            "topic": claim.topic_id,
            "statement": p,
            "kind": "fact",
            "status": "open",
            "event_date": p,
            "version": claim.version,
        },
        "/sources/new/": {
            "key": p,
            "kind": "monograph",
            "level": "primary",
            "title": p,
            "title_original": p,
            "authors": p,
            "publisher": p,
            "archive": p,
            "notes": p,
            "date": p,
            "url": p,
            "language": p[:12],
        },
        f"/sources/{source.key}/edit/": {
            "key": p,
            "kind": "monograph",
            "level": "primary",
            "title": p,
            "authors": p,
            "notes": p,
            "date": p,
            "url": p,
            "version": source.version,
        },
        "/people/new/": {"name": p, "name_original": p, "aliases": p, "slug": p},
        f"/people/{person.slug}/edit/": {"name": p, "name_original": p, "aliases": p, "slug": p},
    }


def _refused_citation_note_and_review_posts(w: World) -> dict[str, dict]:
    """Citations, annotations, disputes and grades, with what the forms refuse."""
    claim, source, citation, p = w.claim, w.source, w.citation, w.payload
    return {
        f"/claims/{claim.key}/citations/new/": {
            "source": "no-such-source",
            "locator": p,
            "quote": p,
            "quote_translation": p,
            "stance": "supports",
        },
        f"/citations/{citation.pk}/edit/": {
            "source": source.key,
            "locator": p + "|",
            "quote": p,
            "quote_translation": p,
            "stance": "supports",
            "version": citation.version,
        },
        f"/annotations/on/claim/{claim.pk}/": {
            "body": p,
            "motivation": "comment",
            "quoted_passage": p + " (not in the claim)",
        },
        f"/annotations/{w.notes['claim'].pk}/reply/": {"body": p, "motivation": "no-such-motivation"},
        f"/annotations/{w.notes['claim'].pk}/edit/": {
            "body": p,
            "motivation": "comment",
            "quoted_passage": p + " (not in the claim)",
            "version": w.notes["claim"].version,
        },
        f"/disputes/new/claim/{claim.pk}/": {"reason": p},
        f"/disputes/new/source-grade/{w.source_grade.pk}/": {"reason": p, "proposed": "Z"},
        f"/sources/{source.key}/grade/": {"rationale": p},
        f"/citations/{citation.pk}/grade/": {"rationale": p, "grade": "9"},
        f"/disputes/{w.disputes['claim'].pk}/resolve/": {"note": p},
    }


class TestEachPayloadInEveryField:
    """Parametrized by the world fixture: every test below runs once per payload."""

    def test_free_text_fields_take_every_payload_and_only_format_or_length_rules_refuse_one(self, world):
        refused_wrongly = {
            code: why for code, why in world.refused.items() if not FIELD_BY_CODE[code].may_refuse(world.value(code))
        }
        assert not refused_wrongly, refused_wrongly
        # The refusals that must happen: a payload is never a slug, and not one is an EDTF date.
        for code in ("ck", "sk", "ts", "ps", "ce", "se"):
            assert code in world.refused, f"{FIELD_BY_CODE[code].label} took {world.value(code)!r}"
        assert set(world.values) | set(world.refused) == set(FIELD_BY_CODE)
        print(
            f"\n{world.payload!r}: {len(world.values)} fields stored, {len(world.refused)} refused: "
            + ", ".join(FIELD_BY_CODE[c].label for c in sorted(world.refused))
        )

    def test_every_page_showing_a_payload_shows_it_as_text_and_runs_nothing(self, world, clients):
        problems = []
        seen = 0
        for page_name, (url, who) in world.urls().items():
            # A search marks the words it found (<mark>, the page's own tags: a payload's would be
            # escaped); the copy of the payload is the text between them.
            html = fetch(clients[who], url).replace("<mark>", "").replace("</mark>", "")
            found, text = check_page(html)
            problems += [f"{page_name} ({url}): {p}" for p in found]
            for code, value in world.values.items():
                spec = FIELD_BY_CODE[code]
                if page_name not in spec.shown_on:
                    continue
                seen += 1
                if page_name in spec.markdown_on:
                    expected = markdown_text(value)
                else:
                    expected = normalized(value)
                    # In the HTML as Django escapes it: &lt;script&gt;, &quot;, &#x27;.
                    if escape(value) not in html:
                        problems.append(f"{page_name} ({url}) has no escaped copy of the {spec.label}")
                if expected not in text:
                    problems.append(f"{page_name} ({url}) does not show the {spec.label} {expected!r}")
            if world.payload == "{{ 7*7 }}" and "49" + TAG_MARK in text:
                problems.append(f"{page_name}: the template syntax was evaluated")
        assert not problems, "\n".join(problems)
        assert seen > 150

    def test_forms_sent_back_with_errors_show_the_payload_as_text(self, world, clients):
        editor, p = clients["editor"], world.payload
        world.claim.refresh_from_db()
        world.source.refresh_from_db()
        world.citation.refresh_from_db()
        # Each of these is refused (an invalid key, slug, choice or missing field), so the form
        # comes back holding what was typed, beside the error.
        posts = {**_refused_record_posts(world), **_refused_citation_note_and_review_posts(world)}
        problems = []
        for url, data in posts.items():
            response = editor.post(url, data)
            if response.status_code != 200:
                problems.append(f"POST {url} answered {response.status_code}, not the form with its errors")
                continue
            found, text = check_page(response.content.decode())
            problems += [f"POST {url}: {problem}" for problem in found]
            if normalized(p) not in text:
                problems.append(f"POST {url}: the form does not show what was typed, {p!r}")
        assert not problems, "\n".join(problems)

    def test_csv_exports_download_as_files_escape_formulas_and_read_back_every_payload_literally(self, world, clients):
        problems = []
        claim, source = Claim.objects.get(pk=world.claim.pk), Source.objects.get(pk=world.source.pk)
        person, citation = Person.objects.get(pk=world.person.pk), Citation.objects.get(pk=world.citation.pk)

        claims_text = download(clients["editor"], "/claims/export.csv")
        header, rows = rows_by_key(claims_text)
        assert header == EXPORT_COLUMNS
        row = rows[claim.key]
        check_cell(problems, "claims CSV, statement", row["statement"], claim.statement)
        check_cell(problems, "claims CSV, topic", row["topic"], claim.topic.title)
        check_cell(problems, "claims CSV, people", row["people"], person.name)
        check_cell(problems, "claims CSV, sources", row["sources"], f"{source.key}: {citation.locator}")

        sources_text = download(clients["editor"], "/sources/export.csv")
        header, rows = rows_by_key(sources_text)
        assert header == SOURCE_COLUMNS
        for column in (c for c in SOURCE_COLUMNS if c != "derived_from"):  # (the source's own fields)
            check_cell(problems, f"sources CSV, {column}", rows[source.key][column], getattr(source, column))

        # The admin's export buttons write the same files.
        for url in ("/admin/claims/claim/export/", "/admin/claims/source/export/"):
            response = clients["staff"].get(url)
            assert response.status_code == 200, url
            assert response["Content-Type"].startswith("text/csv"), response["Content-Type"]
            assert response["Content-Disposition"].startswith("attachment;"), response["Content-Disposition"]
            assert response["X-Content-Type-Options"] == "nosniff"

        # Read back by the importer, the files change nothing: every payload survived the trip.
        for name, importer, text in (("sources", sources_import, sources_text), ("claims", claims_import, claims_text)):
            report = importer(actor=world.users["editor"], data=text.encode("utf-8"), dry_run=True)
            if not report.ok or report.created or report.updated:
                problems.append(f"the {name} CSV does not read back unchanged: {report.summary}, {report.errors[:3]}")
        # Text, not HTML: no payload reaches the file escaped for a page.
        if "<" in world.payload and ("&lt;" in claims_text or "&lt;" in sources_text):
            problems.append("a CSV holds HTML-escaped text")
        assert not problems, "\n".join(problems)


def upload(client: Client, url: str, data: bytes, name: str):
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(url, {"file": handle})


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def assert_safe_and_showing(html: str, where: str, texts) -> None:
    problems = unsafe_markup(html)
    page_text = Page(html).text
    problems += [f"does not show {t!r}" for t in texts if normalized(t) not in page_text]
    assert not problems, f"{where}:\n" + "\n".join(problems)


def test_csv_imports_show_payload_cells_and_file_names_as_text_in_previews_reports_and_pages(editor, staff):
    clients = logged_in(editor, staff)
    client, admin = clients[editor.username], clients[staff.username]
    payloads = list(PAYLOADS.values())
    file_name = "<img src=x onerror=alert(1)>.csv"
    free_text = ["title", "title_original", "authors", "publisher", "archive", "notes"]
    sources = csv_bytes(
        ["key", "kind", "level", *free_text],
        [[f"xss-source-{i}", "monograph", "primary", *[p] * len(free_text)] for i, p in enumerate(payloads)],
    )
    preview = upload(client, "/sources/import/", sources, file_name)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert_safe_and_showing(html, "sources preview", [file_name])
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    done = client.post("/sources/import/confirm/", {"token": token})
    assert_safe_and_showing(done.content.decode(), "sources imported", [file_name])
    assert Source.objects.filter(key__startswith="xss-source-").count() == len(payloads)

    # Claims whose topic, statement, people and locators are the payloads ("|" separates people
    # and citations: a locator cannot hold one).
    claims = csv_bytes(
        ["key", "topic", "statement", "people", "sources"],
        [[f"xss-claim-{i}", p, p, p, f"xss-source-{i}: {p.replace('|', '/')}"] for i, p in enumerate(payloads)],
    )
    preview = upload(client, "/claims/import/", claims, file_name)
    html = preview.content.decode()
    assert_safe_and_showing(html, "claims preview", [file_name])
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    done = client.post("/claims/import/confirm/", {"token": token})
    assert_safe_and_showing(done.content.decode(), "claims imported", [file_name])
    assert Claim.objects.filter(key__startswith="xss-claim-").count() == len(payloads)
    for url in ("/claims/?page=1", "/claims/?page=2", "/sources/?page=1", "/sources/?page=2", "/"):
        assert_safe_and_showing(fetch(client, url), url, [])
    everything = " ".join(Page(fetch(client, u)).text for u in ("/claims/?page=1", "/claims/?page=2"))
    missing = [p for p in payloads if normalized(p) not in everything]
    assert not missing, missing

    # Cells the importer refuses are quoted back in its report: as text.
    bad_header = csv_bytes(["key", "topic", "statement", payloads[2]], [["k", "t", "s", "x"]])
    report = upload(client, "/claims/import/", bad_header, file_name).content.decode()
    assert_safe_and_showing(report, "report of an unknown column", [payloads[2], file_name])
    bad_cells = csv_bytes(
        ["key", "topic", "statement", "kind", "status", "event_date", "sources"],
        [[f"bad-{i}", "t", "s", p, p, p, f"{p.replace(':', '')}: 1"] for i, p in enumerate(payloads)],
    )
    report = upload(client, "/claims/import/", bad_cells, file_name).content.decode()
    assert_safe_and_showing(report, "report of bad cells", [repr(PAYLOADS["script-tag"])])

    # The admin's import (django-import-export's pages) reports the same file.
    handle = io.BytesIO(bad_cells)
    handle.name = file_name
    response = admin.post("/admin/claims/claim/import/", {"import_file": handle, "format": "0", "resource": "0"})
    assert response.status_code == 200
    assert_safe_and_showing(response.content.decode(), "admin import report", [repr(PAYLOADS["script-tag"])])
    handle = io.BytesIO(claims.replace(b"xss-claim-", b"xss-again-"))
    handle.name = file_name
    response = admin.post("/admin/claims/claim/import/", {"import_file": handle, "format": "0", "resource": "0"})
    assert response.status_code == 200
    assert_safe_and_showing(response.content.decode(), "admin import preview", ["xss-again-0"])


# --- In the browser --------------------------------------------------------------------------------

# Each would set window.__xss (and most would open a dialog) if it ran.
BROWSER_PAYLOADS = [
    "<script>window.__xss=1;alert('script')</script>",
    "<img src=x onerror=\"window.__xss=1;alert('img')\">",
    "<svg onload=\"window.__xss=1;alert('svg')\">",
    "<details open ontoggle=\"window.__xss=1;alert('details')\">",
    '"><script>window.__xss=1</script>',
    "'><img src=x onerror=window.__xss=1>",
    "<iframe src=\"javascript:parent.__xss=1;alert('iframe')\"></iframe>",
    "<scr<script>ipt>window.__xss=1</script>",
    'Шверник <b onmouseover="window.__xss=1">«Очищение»</b>',
]
BROWSER_MARKDOWN = (
    "[a javascript link](javascript:window.__xss=1) and [A MIXED-CASE ONE](JaVaScRiPt:alert('md'))\n\n"
    "[a data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) <javascript:window.__xss=1>\n\n"
    + "\n\n".join(BROWSER_PAYLOADS)
)


def _browser_world(researcher, reviewer, second_reviewer) -> list[str]:
    """The payloads in a claim, a source, a citation, its grade and a dispute, with Markdown notes
    on three of them; the paths of the pages showing them."""
    text = " ".join(BROWSER_PAYLOADS)
    topic = services.topic_create(actor=researcher, title="Injection in the browser", slug="injection-browser")
    source = services.source_create(
        actor=researcher,
        key="injection-source",
        kind=Source.Kind.MONOGRAPH,
        level=Source.Level.PRIMARY,
        title=text[:500],
    )
    claim = services.claim_create(actor=researcher, key="injection-claim", topic=topic, statement=text)
    citation = services.citation_create(actor=researcher, claim=claim, source=source, locator="p. 1", quote=text)
    grade = services.grade_set(actor=reviewer, target=citation, grade=2, rationale=text)
    dispute = services.dispute_raise(actor=second_reviewer, target=grade, reason=text, proposed=4)
    for target in (claim, source, dispute):
        services.annotation_create(actor=researcher, body=BROWSER_MARKDOWN, target=target)
    return [f"/claims/{claim.key}/", f"/sources/{source.key}/", f"/disputes/{dispute.pk}/"]


def _watch(tab) -> dict[str, list[str]]:
    """What the tab does from now on: dialogs (dismissed), console messages, page errors, requests
    and failed responses."""
    seen: dict[str, list[str]] = {"dialogs": [], "console": [], "errors": [], "requests": [], "failed": []}
    tab.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    tab.on(
        "console",
        lambda message: seen["console"].append(f"{message.type}: {message.text} ({message.location.get('url', '')})"),
    )
    tab.on("pageerror", lambda error: seen["errors"].append(str(error)))
    tab.on("request", lambda req: seen["requests"].append(req.url))
    tab.on("response", lambda response: response.status >= 400 and seen["failed"].append(response.url))
    return seen


def _log_in_in_the_tab(tab, origin: str, user) -> None:
    from playwright.sync_api import expect

    tab.goto(f"{origin}/accounts/login/")
    tab.get_by_label("Username").fill(user.username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.get_by_role("navigation", name="Main")).to_be_visible()


def _open_and_poke(tab, origin: str, path: str, screenshot_request=None) -> None:
    """Open the page, click every link in the notes and hover over it all; nothing may run."""
    from playwright.sync_api import expect

    from tests.browser import save_screenshot

    tab.goto(origin + path)
    tab.wait_for_load_state("load")
    # The payloads are on the page as text.
    expect(tab.locator("main")).to_contain_text("<script>window.__xss=1;alert('script')</script>")
    expect(tab.locator("main")).to_contain_text("<scr<script>ipt>window.__xss=1</script>")
    # Sanitized Markdown keeps the link text, without the link.
    links = tab.locator(".annotation .body a")
    expect(links.first).to_have_text("a javascript link")
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href")
        assert href is None or href.startswith(("http://", "https://")), href
        links.nth(i).click()
    tab.mouse.move(10, 10)
    tab.locator("main").hover()
    tab.wait_for_timeout(300)  # time for an image's error or a toggle event, were there any
    assert tab.evaluate("window.__xss") is None, path
    assert tab.evaluate("document.querySelectorAll('main script, main iframe, main svg').length") == 0
    assert tab.url == origin + path  # no link took the page anywhere
    if screenshot_request is not None:
        save_screenshot(tab, screenshot_request, path.strip("/").replace("/", "-"))


def _assert_nothing_ran_or_was_fetched(seen: dict[str, list[str]], origin: str, paths: list[str]) -> None:
    dialogs, errors, requests, failed = seen["dialogs"], seen["errors"], seen["requests"], seen["failed"]
    assert dialogs == [], dialogs
    assert errors == [], errors
    # Nothing was fetched but the pages, the login and the site's static files (no <img src=x>,
    # no frame); the browser's own request for /favicon.ico is the one allowed to fail.
    allowed = {origin + path for path in paths} | {
        f"{origin}{path}" for path in ("/accounts/login/", "/", "/favicon.ico")
    }
    assert [u for u in requests if u not in allowed and not u.startswith(origin + "/static/")] == []
    assert set(failed) <= {f"{origin}/favicon.ico"}, failed
    console = [m for m in seen["console"] if not m.endswith(f"({origin}/favicon.ico)")]
    assert not [
        m for m in console if "xss" in m.lower() or "content security policy" in m.lower() or m.startswith("error")
    ], console


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_chromium_no_payload_runs_a_script_or_opens_a_dialog(
    browser, live_server, researcher, reviewer, second_reviewer, editor, request
):
    from tests.browser import TIMEOUT_MS

    paths = _browser_world(researcher, reviewer, second_reviewer)
    origin = live_server.url
    # First with the Content-Security-Policy bypassed, so that only escaping stands between the
    # payloads and the page; then with it enforced, when a blocked attempt would be reported.
    for bypass_csp in (True, False):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB", bypass_csp=bypass_csp)
        context.set_default_timeout(TIMEOUT_MS)
        tab = context.new_page()
        seen = _watch(tab)  # this iteration's tab, this iteration's lists
        try:
            _log_in_in_the_tab(tab, origin, editor)
            for path in paths:
                _open_and_poke(tab, origin, path, screenshot_request=request if bypass_csp else None)
        finally:
            context.close()
        _assert_nothing_ran_or_was_fetched(seen, origin, paths)

"""What tests/test_fuzz_input.py needs: find every form and query parameter of the site, send
values to them, and judge the answer.

Nothing here lists a form or a field: a page is fetched as a persona would fetch it, each
<form> on it is parsed the way a browser reads it (what it sends back unchanged, which
choices it offers), and so are the links of the page to itself (the parameters it reads,
such as the admin's filters and page numbers).
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve

from claims.quoting import QUOTE_LIMIT

# --- Pages as a browser reads them ------------------------------------------------------

NOT_SENT = {"reset", "image"}


@dataclass(frozen=True)
class Control:
    """One name a form sends: its kind, the choices it offers and what the page filled in."""

    name: str
    kind: str  # text, number, hidden, password, file, select, multiple, checkbox, radio, submit, param
    options: tuple[str, ...] = ()
    default: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """Where values are sent: a form's action (POST), or a page's query string (GET)."""

    persona: str
    method: str
    path: str
    controls: tuple[Control, ...]
    found_on: str = ""
    fixed: tuple[tuple[str, str], ...] = ()  # the action's own query string, sent unchanged
    shown: bool = True  # (a page's query string) the page answered 200, so its view read the parameters

    def __str__(self) -> str:
        return f"{self.method} {self.path} as {self.persona} (form of {self.found_on})"


@dataclass
class _Form:
    attrs: dict
    controls: list = field(default_factory=list)


class PageParser(HTMLParser):
    """The forms of a page with their controls, and the hrefs of its links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self.links: list[str] = []
        self.form_tags = 0
        self._by_id: dict[str, _Form] = {}
        self._form: _Form | None = None
        self._orphans: list[tuple[str, dict]] = []  # controls placed outside their form (form="id")
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def _add(self, control: dict) -> None:
        owner = control.pop("form", None)
        if owner:
            self._orphans.append((owner, control))
        elif self._form is not None:
            self._form.controls.append(control)

    def handle_starttag(self, tag, attrs):
        a = {key: "" if value is None else value for key, value in attrs}
        if tag == "form":
            self.form_tags += 1
            self._form = _Form(a)
            self.forms.append(self._form)
            if a.get("id"):
                self._by_id[a["id"]] = self._form
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag in {"input", "button"}:
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            if kind in NOT_SENT or not a.get("name") or (tag == "button" and kind != "submit"):
                return
            self._add(
                {
                    "tag": tag,
                    "kind": kind,
                    "name": a["name"],
                    "value": a.get("value", "on" if kind in {"checkbox", "radio"} else ""),
                    "checked": "checked" in a,
                    "disabled": "disabled" in a,
                    "form": a.get("form"),
                }
            )
        elif tag == "select":
            self._select = {
                "tag": "select",
                "kind": "multiple" if "multiple" in a else "select",
                "name": a.get("name", ""),
                "options": [],
                "disabled": "disabled" in a,
                "form": a.get("form"),
            }
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
            self._select["options"].append(self._option)
        elif tag == "textarea":
            self._textarea = {
                "tag": "textarea",
                "kind": "text",
                "name": a.get("name", ""),
                "value": "",
                "disabled": "disabled" in a,
                "form": a.get("form"),
            }

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            if self._select["name"]:
                self._add(self._select)
            self._select = self._option = None
        elif tag == "textarea" and self._textarea is not None:
            if self._textarea["name"]:
                # A browser drops the one newline that may follow <textarea>.
                self._textarea["value"] = self._textarea["value"].removeprefix("\n")
                self._add(self._textarea)
            self._textarea = None

    def close(self):
        super().close()
        for owner, control in self._orphans:
            if owner in self._by_id:
                self._by_id[owner].controls.append(control)


def _controls(raw: list[dict]) -> tuple[Control, ...]:
    """The names a form sends, each once, with its kind, choices and the page's values."""
    grouped: dict[str, dict] = {}
    for c in raw:
        entry = grouped.setdefault(c["name"], {"kind": None, "options": [], "default": []})
        if c["tag"] == "select":
            options = [o["value"] if o["value"] is not None else o["text"] for o in c["options"]]
            chosen = [v for v, o in zip(options, c["options"]) if o["selected"]]
            if not chosen and c["kind"] == "select" and options:
                chosen = options[:1]  # a browser sends a single select's first option
            entry["kind"] = c["kind"]
            entry["options"] += options
            entry["default"] += [] if c["disabled"] else chosen
        elif c["kind"] in {"checkbox", "radio", "submit"}:
            entry["kind"] = entry["kind"] or c["kind"]
            entry["options"].append(c["value"])
            if c["kind"] != "submit" and c["checked"] and not c["disabled"]:
                entry["default"].append(c["value"])
        else:
            kind = (
                "file"
                if c["kind"] == "file"
                else (c["kind"] if c["kind"] in {"number", "hidden", "password"} else "text")
            )
            entry["kind"] = entry["kind"] or kind
            if not c["disabled"] and kind != "file":
                entry["default"].append(c["value"])
    return tuple(
        Control(name, e["kind"], tuple(dict.fromkeys(e["options"])), tuple(e["default"])) for name, e in grouped.items()
    )


def _same_site(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"", "http"} and parts.netloc in {"", "testserver"} and parts.path.startswith("/")


def parse_page(persona: str, page_url: str, html: str) -> tuple[list[Target], dict[str, set[str]], int]:
    """The page's forms as targets, the query parameters its links to itself use (name ->
    values seen), and how many <form> tags the page has."""
    parser = PageParser()
    parser.feed(html)
    parser.close()
    targets = []
    for form in parser.forms:
        action = urljoin(page_url, form.attrs.get("action") or page_url)
        if not _same_site(action):
            continue
        parts = urlsplit(action)
        method = "POST" if form.attrs.get("method", "get").lower() == "post" else "GET"
        fixed = tuple(parse_qsl(parts.query, keep_blank_values=True)) if method == "POST" else ()
        targets.append(Target(persona, method, parts.path, _controls(form.controls), page_url, fixed))
    page_path = urlsplit(page_url).path
    params: dict[str, set[str]] = {}
    for href in parser.links:
        url = urljoin(page_url, href)
        parts = urlsplit(url)
        if _same_site(url) and parts.path == page_path:
            for name, value in parse_qsl(parts.query, keep_blank_values=True):
                params.setdefault(name, set()).add(value)
    return targets, params, parser.form_tags


# --- What is sent ---------------------------------------------------------------------

# Ids that no row has and that some databases cannot even hold: SQLite's INTEGER is 64 bits.
HUGE_IDS = (
    "0",
    "-1",
    str(2**31 - 1),
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    "99999999999999999999",
    "-99999999999999999999",
    "1" * 5000,
)
MEGABYTE = ("Тухачевский 1937 " * 70000)[: 1 << 20]  # a million characters, two megabytes of UTF-8
ASCII_MEGABYTE = ("x" * (1 << 20))[:-1] + "\x00"
ODD_TEXT = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "1\x00",
    "\x00" * 100,
    "e\u0301\u0302\u0303\u0304",
    "\u202eevil\u202c",
    "עברית",
    "العربية ١٢٣",
    "👩\u200d👩\u200d👧\u200d👦",
    "\ufeffkey",
    "١٢٣",
    "1e400",
    "NaN",
    "-0",
    "1.5",
    " 1 ",
    "null",
    "true",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "\r\n",
    "' OR 1=1 --",
    "\U0010fffd",
    "x" * (QUOTE_LIMIT + 40),
)


def csv_files() -> list[SimpleUploadedFile]:
    """A small valid file of each CSV of the exchange format (docs/design.md), and of sources from
    a reference manager (CSL-JSON: /sources/import/references/)."""
    return [
        SimpleUploadedFile("claims.csv", b"key,topic,statement\nfuzz-claim,Fuzz topic,Shot on 12 June.\n", "text/csv"),
        SimpleUploadedFile(
            "sources.csv", b"key,kind,level,title\nfuzz-source,monograph,secondary,A title\n", "text/csv"
        ),
        # (a claim and a source of the URL matrix's world, which the fuzz tests use)
        SimpleUploadedFile(
            "citations.csv",
            b"claim,source,locator,stance\nexecution-12-june,rogovin-1937,p. 481,mentions\n",
            "text/csv",
        ),
        SimpleUploadedFile(
            "sources.json", b'[{"id": "fuzz-ref", "type": "book", "title": "A title"}]', "application/json"
        ),
    ]


def odd_files() -> list[SimpleUploadedFile]:
    """Files no import can read: empty, with NULs, not text at all, one very long header."""
    return [
        SimpleUploadedFile("empty.csv", b"", "text/csv"),
        SimpleUploadedFile("nul.csv", b"key,topic\x00,statement\na,b,c\x00\n", "text/csv"),
        SimpleUploadedFile("image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "image/png"),
        SimpleUploadedFile("wide.csv", ("key," + "x" * 100_000 + "\n").encode(), "text/csv"),
    ]


# --- The answer -----------------------------------------------------------------------

ERROR_CLASSES = re.compile(r"\b(errorlist|errornote|errors|error|messages|messagelist|import-errors)\b")


class ErrorText(HTMLParser):
    """The text of the parts of a page that tell a person what went wrong: Django's error
    lists, the admin's error note and messages, our alerts (or, on an error page, all of its
    text); never a form control's value."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, *, whole: bool = False):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = [""] if whole else []
        self._stack: list[tuple[str, bool]] = []  # (tag, opens an error part)
        self._depth = int(whole)  # error parts open
        self._control = 0  # inside <textarea>, <option>, <script>, <style>

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        a = dict(attrs)
        opens = bool(ERROR_CLASSES.search(a.get("class") or "")) or a.get("role") == "alert"
        if opens and self._depth == 0:
            self.texts.append("")
        self._depth += opens
        self._control += tag in {"textarea", "option", "script", "style", "select"}
        self._stack.append((tag, opens))

    def handle_endtag(self, tag):
        if tag not in {name for name, _opens in self._stack}:
            return
        while self._stack:
            name, opens = self._stack.pop()
            self._depth -= opens
            self._control -= name in {"textarea", "option", "script", "style", "select"}
            if name == tag:
                break

    def handle_data(self, data):
        if self._depth and not self._control:
            self.texts[-1] += data


def error_texts(response) -> list[str]:
    """What the answer says went wrong, to the person who sent the values."""
    texts = [str(m) for m in get_messages(response.wsgi_request)] if hasattr(response, "wsgi_request") else []
    content_type = response.get("Content-Type", "")
    if getattr(response, "streaming", False) or not content_type.startswith(("text/html", "application/json")):
        return texts
    body = response.content.decode("utf-8", "replace")
    if content_type.startswith("application/json"):
        return [*texts, body]
    parser = ErrorText(whole=response.status_code >= 400)
    parser.feed(body)
    parser.close()
    return [*texts, *parser.texts]


def sent_strings(values: dict) -> list[str]:
    found = []
    for value in values.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                found.append(item)
    return found


def wrong_with(response, values: dict) -> str | None:
    """Why the answer is wrong, or None: a 500, or a message that quotes more of a value
    that was sent than claims.quoting allows."""
    if response.status_code >= 500:
        return f"answered {response.status_code}"
    texts = error_texts(response)
    for value in sent_strings(values):
        core = value.strip()
        if len(core) <= QUOTE_LIMIT:
            continue
        probe = core[: QUOTE_LIMIT + 1]
        for text in texts:
            if probe in text:
                start = text.index(probe)
                return (
                    f"an error message quotes {len(core):,} characters sent, beyond the {QUOTE_LIMIT} "
                    f"allowed: …{text[max(0, start - 60) : start + 120]!r}…"
                )
    return None


# --- Personas -------------------------------------------------------------------------


def session_cookies(users: dict) -> dict[str, str]:
    """persona -> session cookie value, logged in once (examples reuse it in a fresh client)."""
    cookies = {"anonymous": ""}
    for persona, user in users.items():
        client = Client()
        client.force_login(user)
        cookies[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


def client_as(cookies: dict[str, str], persona: str) -> Client:
    client = Client(raise_request_exception=False)
    if cookies[persona]:
        client.cookies[settings.SESSION_COOKIE_NAME] = cookies[persona]
    return client


def route_of(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def path_from_route(route: str, parts: list[str]) -> str:
    """The route with each of its parameters (<int:pk>, a regex group) replaced by parts[i], in order."""
    pieces = iter(parts)
    body = route.removesuffix("$")
    body = re.sub(r"<[^>]+>|\([^)]*\)", lambda _m: quote(next(pieces), safe=""), body)
    return "/" + body.replace("^", "")


def route_parameters(route: str) -> int:
    return len(re.findall(r"<[^>]+>|\([^)]*\)", route.removesuffix("$")))


# --- Finding everything ---------------------------------------------------------------

# Parameters that Django's admin (q, o, p, e, all, _changelist_filters, _popup, _to_field)
# and the list pages (page, sort, next) read on any page, whether or not a link shows them.
READ_ANYWHERE = ("page", "q", "o", "p", "e", "all", "_changelist_filters", "_popup", "_to_field", "next", "sort")


@dataclass
class Site:
    """Everything found: the targets, each page's answer, and what was parsed of each page."""

    targets: list[Target] = field(default_factory=list)
    answers: dict[tuple[str, str], int] = field(default_factory=dict)  # (persona, route) -> status of GET
    form_tags: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # -> (<form> tags, parsed)
    seen: set = field(default_factory=set)

    def add(self, target: Target) -> None:
        key = (target.persona, target.method, target.path, frozenset(c.name for c in target.controls))
        if key not in self.seen:
            self.seen.add(key)
            self.targets.append(target)


def _page_target(persona: str, url: str, params: dict[str, set[str]], get_forms: list[Target], shown: bool) -> Target:
    parts = urlsplit(url)
    own = dict(parse_qsl(parts.query, keep_blank_values=True))
    controls = {name: Control(name, "param", (value,), (value,)) for name, value in own.items()}
    for form in get_forms:
        for control in form.controls:
            controls.setdefault(control.name, control)
    for name, values in params.items():
        if name not in controls:
            controls[name] = Control(name, "param", tuple(sorted(values)))
    for name in READ_ANYWHERE:
        controls.setdefault(name, Control(name, "param"))
    return Target(persona, "GET", parts.path, tuple(controls.values()), url, shown=shown)


def crawl(routes: dict[str, str], cookies: dict[str, str], personas) -> Site:
    """Every page of `routes` fetched by each persona, and the forms on them (not yet what an
    upload leads to: with_uploads). The pages only read, so one crawl serves every test of a
    world; each test uploads its own files, since a confirm takes its kept file away."""
    site = Site()
    for persona in personas:
        client = client_as(cookies, persona)
        for route, url in routes.items():
            response = client.get(url)
            site.answers[persona, route] = response.status_code
            html = (
                ""
                if getattr(response, "streaming", False) or not response.get("Content-Type", "").startswith("text/html")
                else response.content.decode()
            )
            targets, params, tags = parse_page(persona, url, html)
            site.form_tags[persona, route] = (tags, len(targets))
            path = urlsplit(url).path
            same_page_get = [t for t in targets if t.method == "GET" and t.path == path]
            site.add(_page_target(persona, url, params, same_page_get, response.status_code == 200))
            for target in targets:
                if target not in same_page_get:
                    site.add(target)
    return site


def with_uploads(crawled: Site, cookies: dict[str, str], personas) -> Site:
    """The crawl's findings for these personas, and the forms that uploading a valid CSV file
    to each of their forms with a file field leads to."""
    site = Site(
        answers={key: status for key, status in crawled.answers.items() if key[0] in personas},
        form_tags={key: tags for key, tags in crawled.form_tags.items() if key[0] in personas},
    )
    for persona in personas:
        mine = [t for t in crawled.targets if t.persona == persona]
        for target in mine:
            site.add(target)
        uploads = [t for t in mine if t.method == "POST" and any(c.kind == "file" for c in t.controls)]
        for target in uploads:
            for upload in csv_files():
                values = {
                    c.name: (upload if c.kind == "file" else (list(c.default) if c.default else None))
                    for c in target.controls
                }
                answer = client_as(cookies, persona).post(target.path, materialized(values))
                if answer.status_code == 200 and answer.get("Content-Type", "").startswith("text/html"):
                    found, _params, _tags = parse_page(persona, target.path, answer.content.decode())
                    for step in found:
                        site.add(
                            Target(
                                step.persona,
                                step.method,
                                step.path,
                                step.controls,
                                f"{target.path} after uploading {upload.name}",
                                step.fixed,
                            )
                        )
    return site


# --- Values, as hypothesis draws them ---------------------------------------------------


@dataclass(frozen=True)
class Named:
    """A value drawn by name (a megabyte, a file): hypothesis reports the name, not the megabyte."""

    label: str

    def __repr__(self) -> str:
        return self.label

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.label)


BIG = {"MEGABYTE": MEGABYTE, "ASCII_MEGABYTE": ASCII_MEGABYTE}


def _file(label: str) -> SimpleUploadedFile:
    files = {f.name: f for f in [*csv_files(), *odd_files()]}
    return files[label.removeprefix("FILE:")]


FILE_LABELS = tuple(f"FILE:{f.name}" for f in [*csv_files(), *odd_files()])


def materialize(value):
    """What the client sends for a drawn value: the megabyte for its name, a fresh file."""
    if isinstance(value, list):
        return [materialize(item) for item in value]
    if isinstance(value, Named):
        return _file(value.label) if value.label.startswith("FILE:") else BIG[value.label]
    return value


def materialized(values: dict) -> dict:
    return {name: materialize(value) for name, value in values.items() if value is not None}

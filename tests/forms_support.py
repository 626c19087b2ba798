"""Submitting a page's form as a browser does: with the hidden inputs the page gave it
(the versions a form was filled from, where to go next), filled with what the person typed."""

import re
from html import unescape
from html.parser import HTMLParser


class _Forms(HTMLParser):
    """The POST forms of a page: each one's action and hidden inputs (the CSRF token left out)."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self.forms.append((attrs.get("action") or "", {}))
        elif (
            tag == "input"
            and attrs.get("type") == "hidden"
            and self.forms
            and attrs.get("name") != "csrfmiddlewaretoken"
        ):
            self.forms[-1][1][attrs["name"]] = attrs.get("value") or ""


def hidden_fields(response, action: str, *, itself: bool = False) -> dict[str, str]:
    """The hidden inputs (versions, next) of the page's form that posts to action (itself: or to the page)."""
    forms = [
        hidden
        for form_action, hidden in _Forms(response.content.decode()).forms
        if form_action == action or (itself and not form_action)
    ]
    assert forms, f"no form posting to {action}"
    return forms[0]


def submit(client, url: str, data: dict, *, page: str | None = None, follow: bool = False):
    """What a browser sends: the form of `page` (default: url itself) that posts to url, filled with data."""
    shown = client.get(page or url)
    return client.post(url, {**hidden_fields(shown, url, itself=page is None), **data}, follow=follow)


class _Controls(HTMLParser):
    """Every POST form of a page with what a browser would send from it untouched: inputs
    (checkboxes and radios only when checked), textareas' text, selects' selected options
    (a single select without one sends its first option)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._textarea: str | None = None
        self._select: tuple[str, bool, list[str], list[str]] | None = None  # name, multiple, options, chosen
        self.feed(html)

    def _add(self, name: str, value: str) -> None:
        if self.forms and name and name != "csrfmiddlewaretoken":
            self.forms[-1][1].setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self.forms.append((attrs.get("action") or "", {}))
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self._add(attrs.get("name", ""), attrs.get("value") or ("on" if kind == "checkbox" else ""))
        elif tag == "textarea":
            self._textarea = attrs.get("name", "")
            self._add(self._textarea, "")
        elif tag == "select":
            self._select = (attrs.get("name", ""), "multiple" in attrs, [], [])
        elif tag == "option" and self._select is not None:
            self._select[2].append(attrs.get("value", ""))
            if "selected" in attrs:
                self._select[3].append(attrs.get("value", ""))

    def handle_data(self, data):
        if self._textarea is not None and self.forms:
            self.forms[-1][1][self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            values = self.forms[-1][1][self._textarea] if self.forms else [""]
            if values[-1].startswith("\n"):  # (a browser drops the newline that follows <textarea>)
                values[-1] = values[-1][1:]
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, multiple, options, chosen = self._select
            for value in chosen or ([] if multiple or not options else options[:1]):
                self._add(name, value)
            self._select = None


def form_values(response, action: str, *, itself: bool = False) -> dict[str, list[str]]:
    """Everything the page's form posting to action would send as it stands (itself: or to the page)."""
    html = response.content.decode()
    forms = [
        values for form_action, values in _Controls(html).forms if form_action == action or (itself and not form_action)
    ]
    assert forms, f"no form posting to {action}"
    return forms[0]


def page_text(response) -> str:
    """The page as a reader sees it: no tags, entities decoded, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(html)).strip()

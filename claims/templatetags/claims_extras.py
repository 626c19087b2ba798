"""Template filters and tags for the claims pages."""

from collections.abc import Callable, Iterable

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from claims import roles, targets
from claims.dates import edtf_in_words
from claims.rendering import render_markdown

register = template.Library()


@register.filter
def markdown(text: str):
    """Markdown rendered and sanitized (claims/rendering.py)."""
    return render_markdown(text or "")


@register.filter
def edtf_words(text: str) -> str:
    return edtf_in_words(text or "")


@register.filter
def may_edit(user, record) -> bool:
    """Whether to offer "Edit" of a record: roles.can_edit, what its edit page checks."""
    return roles.can_edit(user, record)


@register.filter
def grade(value) -> str:
    """A consensus grade for display: "-" when nobody has graded."""
    return "-" if value in (None, "") else str(value)


@register.simple_tag
def citation_url(citation, *anchor: object) -> str:
    """The claim page that shows the citation, at the anchor made of the parts given (e.g.
    "citation-grade", 12), or at the citation's own: {% citation_url a.citation "citation-grade" a.pk %}."""
    from claims.links import citation_url as url  # (links import models; filters load early)

    return url(citation, "-".join(str(part) for part in anchor) if anchor else None)


@register.simple_tag(takes_context=True)
def page_url(context, number, param: str = "page", anchor: str = "") -> str:
    """This page's address with page `number` of the list that `param` pages, the other
    parameters kept (each list of a page has its own): "?citations=2#citations"."""
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}" + (f"#{anchor}" if anchor else "")


# --- Annotation and dispute targets (claims/targets.py: the templates name no kind) ------


def _kind(obj):
    kind = targets.of(obj)
    if kind is None:
        raise template.TemplateSyntaxError(f"Nothing of type {type(obj).__name__} is annotated or disputed.")
    return kind


@register.filter
def url_kind(obj) -> str:
    """How obj's kind is named in URLs: {{ claim|url_kind }} → "claim"."""
    return _kind(obj).url_kind


@register.simple_tag
def annotate_url(obj) -> str:
    """The form that annotates obj."""
    return reverse("annotation_create", args=[_kind(obj).url_kind, obj.pk])


@register.simple_tag
def dispute_url(obj) -> str:
    """The form that disputes obj."""
    return reverse("dispute_raise", args=[_kind(obj).url_kind, obj.pk])


@register.simple_tag
def challenged(dispute, hidden: bool = False) -> str:
    """What a dispute challenges, linked to where it is shown, and what it is now unless hidden."""
    kind, target = dispute.target_kind, dispute.target
    html = format_html('<a href="{}">{}</a>', kind.url(target), kind.label(target))
    if hidden:
        return html
    now = kind.now(target)
    return format_html('{} (now <span class="{}">{}</span>)', html, now.css, now.mark)


# --- One claim as a table row (the claim list, the topic, person and source pages) ------------
#
# {% claim_head "date statement status" %} is the header row of a table of claims, and
# {% claim_rows claims "date statement status" %} its rows, one a claim:
# the cells in the order the columns are named. The columns: key, marked (the statement
# with the search's words marked, and the people and sources that matched), statement (linked,
# with key and kind), cited (linked, shortened, with key and topic), cited_at (the claim's
# citations of the source), topic, date, status, evidence (with the
# claim's lines of evidence where the selector set them), citations, disputes (open ones).
# Written in Python, each table's columns looked up once: a template included a row, with an
# if-chain a cell, cost a list page milliseconds. Every value is escaped (format_html).


def _claim_url(claim) -> str:
    return reverse("claim_detail", args=[claim.key])


def _marks(names: Iterable[str]) -> SafeString:
    return format_html_join(", ", "<mark>{}</mark>", ((name,) for name in names))


def _marked_cell(claim) -> SafeString:
    """The statement with the search's words marked, and the people and sources that matched."""
    people = getattr(claim, "matched_people", None) or []
    sources = getattr(claim, "matched_sources", None) or []
    found = ""
    if people or sources:
        found = format_html(
            '<span class="matched muted">found by\n      {}{}{}</span>',
            _marks(people),
            "; " if people and sources else "",
            _marks(sources),
        )
    return format_html("<td>{}\n    {}</td>", getattr(claim, "statement_marked", None) or claim.statement, found)


def _cited_at_cell(claim) -> SafeString:
    from claims.links import citation_url as url  # (as citation_url above)

    return format_html(
        "<td>{}</td>",
        mark_safe(  # each part is escaped by format_html
            "<br>".join(
                format_html(
                    '<a href="{}">{}</a> <span class="stance stance-{}">{}</span>',
                    url(c, None),
                    c.locator or "—",
                    c.stance,
                    c.get_stance_display(),
                )
                for c in getattr(claim, "cited_as", ())
            )
        ),
    )


def _date_cell(claim) -> SafeString:
    if not claim.event_date:
        return mark_safe('<td class="date"><span class="muted">undated</span></td>')
    return format_html(
        '<td class="date"><span title="EDTF: {}">{}</span></td>', claim.event_date, edtf_in_words(claim.event_date)
    )


def _evidence_cell(claim) -> SafeString:
    title = getattr(claim, "evidence_grade_title", "")
    lines = getattr(claim, "evidence_lines", None)  # selectors/lines.py
    lines_note = format_html('\n    <br><small class="evidence-lines">{}</small>', lines.summary) if lines else ""
    if claim.evidence_grade:
        return format_html(
            '<td><span class="grade" title="{}">{}</span>{}</td>', title, claim.evidence_grade, lines_note
        )
    return format_html('<td><span class="muted" title="{}">none</span>{}</td>', title, lines_note)


def _disputes_cell(claim) -> SafeString:
    if claim.open_dispute_count:
        return format_html('<td class="num"><strong>{}</strong></td>', claim.open_dispute_count)
    return mark_safe('<td class="num">0</td>')


# column: (its header cell, its cell for a claim)
CLAIM_COLUMNS: dict[str, tuple[str, Callable[..., SafeString]]] = {
    "key": ('<th scope="col">Key</th>', lambda c: format_html('<td><a href="{}">{}</a></td>', _claim_url(c), c.key)),
    "marked": ('<th scope="col">Claim</th>', _marked_cell),
    "statement": (
        '<th scope="col">Claim</th>',
        lambda c: format_html(
            '<td><a href="{}">{}</a>\n    <br><small class="muted">{} · {}</small></td>',
            _claim_url(c),
            c.statement,
            c.key,
            c.get_kind_display(),
        ),
    ),
    "cited": (
        '<th scope="col">Claim</th>',
        lambda c: format_html(
            '<td><a href="{}">{}</a>\n    <br><small class="muted">{} · {}</small></td>',
            _claim_url(c),
            Truncator(c.statement).chars(160),
            c.key,
            c.topic.title,
        ),
    ),
    "cited_at": ('<th scope="col">Cited at</th>', _cited_at_cell),
    "topic": (
        '<th scope="col">Topic</th>',
        lambda c: format_html(
            '<td><a href="{}">{}</a></td>', reverse("topic_detail", args=[c.topic.slug]), c.topic.title
        ),
    ),
    "date": ('<th scope="col">Date</th>', _date_cell),
    "status": (
        '<th scope="col">Status</th>',
        lambda c: format_html('<td><span class="status status-{}">{}</span></td>', c.status, c.get_status_display()),
    ),
    "evidence": ('<th scope="col">Evidence</th>', _evidence_cell),
    "citations": (
        '<th scope="col" class="num">Citations</th>',
        lambda c: format_html('<td class="num">{}</td>', c.citation_count),
    ),
    "disputes": ('<th scope="col" class="num">Open disputes</th>', _disputes_cell),
}


def _columns(columns: str) -> list[tuple[str, Callable[..., SafeString]]]:
    try:
        return [CLAIM_COLUMNS[name] for name in columns.split()]
    except KeyError as exc:
        raise template.TemplateSyntaxError(
            f"No claim column {exc}; the columns are {', '.join(CLAIM_COLUMNS)}."
        ) from None


def _row(claim, cells: list[tuple[str, Callable[..., SafeString]]]) -> str:
    return "<tr>" + "".join(f"\n  {cell(claim)}" for _head, cell in cells) + "\n</tr>"


@register.simple_tag
def claim_head(columns: str) -> SafeString:
    """The header row of a table of claims with these columns (space-separated)."""
    return mark_safe("<tr>" + "".join(head for head, _cell in _columns(columns)) + "</tr>")  # (constant markup)


@register.simple_tag
def claim_rows(claims: Iterable, columns: str) -> SafeString:
    """The claims as table rows, one a claim, its cells in the order of columns."""
    cells = _columns(columns)
    return mark_safe("\n".join(_row(claim, cells) for claim in claims))  # each cell is escaped by format_html

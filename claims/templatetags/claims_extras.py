"""Template filters and tags for the claims pages."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from claims import authority, roles, targets
from claims.dates import edtf_in_words
from claims.rendering import render_markdown

register = template.Library()


@register.filter
def authority_links(obj) -> list[tuple[str, str, str]]:
    """(authority, id, address) of each id a person or source carries (claims/authority.py)."""
    return authority.links(obj)


@register.filter
def doi_url(value: str) -> str:
    return authority.doi_url(value)


@register.filter
def markdown(text: str):
    """Markdown rendered and sanitized (claims/rendering.py)."""
    return render_markdown(text or "")


@register.filter
def edtf_words(text: str) -> str:
    return edtf_in_words(text or "")


@register.simple_tag
def edtf_date(text: str) -> SafeString:
    """A date in words, then its EDTF where that says more than the words ("1998" is shown once,
    "1937-06-12?" as "12 June 1937, uncertain" and the EDTF)."""
    if not text:
        return mark_safe('<span class="muted">undated</span>')
    words = edtf_in_words(text)
    if words == text:
        return format_html("{}", words)
    return format_html('{} <code class="edtf" title="EDTF">{}</code>', words, text)


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
# the cells in the order the columns are named. The columns: marked (the statement, linked,
# with the search's words marked, its key and topic, and the people and sources that
# matched), statement (linked, with key and kind), cited (linked, shortened, with key and
# topic), cited_at (the claim's citations of the source), topic, date, status, evidence
# (with the claim's lines of evidence where the selector set them), updated, citations,
# disputes (open ones).
# A statement is clipped to three lines (site.css .clamp), all of it in its title and behind
# a "more" button (rows.js). Every other cell carries its column's name (data-label), which
# a narrow screen shows beside the value when the rows become stacked cards (site.css).
# {% claim_head "..." sort=current %} makes the headers of the columns that sort links that
# sort by them (the other filters kept), the current one marked with aria-sort; blind=True
# leaves the evidence grade unsorted (lists.EVIDENCE_SORTS).
# Written in Python, each table's columns looked up once: a template included a row, with an
# if-chain a cell, cost a list page milliseconds. Every value is escaped (format_html).

# A longer statement also gets its full text as a title, for the mouse (shorter ones fit in three lines).
_CLAMP_TITLE_CHARS = 120


def _claim_url(claim) -> str:
    return reverse("claim_detail", args=[claim.key])


def _marks(names: Iterable[str]) -> SafeString:
    return format_html_join(", ", "<mark>{}</mark>", ((name,) for name in names))


def _statement_link(claim, shown=None) -> SafeString:
    """The statement (or `shown`, the statement with marks) linked to its claim, clipped to three lines."""
    title = format_html(' title="{}"', claim.statement) if len(claim.statement) > _CLAMP_TITLE_CHARS else ""
    return format_html(
        '<a href="{}"><span class="clamp"{}>{}</span></a>', _claim_url(claim), title, shown or claim.statement
    )


def _marked_cell(claim) -> SafeString:
    """The statement with the search's words marked, its key and topic, and the people and sources that matched."""
    people = getattr(claim, "matched_people", None) or []
    sources = getattr(claim, "matched_sources", None) or []
    found = ""
    if people or sources:
        found = format_html(
            '\n    <span class="matched muted">found by\n      {}{}{}</span>',
            _marks(people),
            "; " if people and sources else "",
            _marks(sources),
        )
    return format_html(
        '<td>{}\n    <small class="muted row-meta">{} · <a href="{}">{}</a></small>{}</td>',
        _statement_link(claim, getattr(claim, "statement_marked", None)),
        claim.key,
        reverse("topic_detail", args=[claim.topic.slug]),
        claim.topic.title,
        found,
    )


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


def _updated_cell(claim) -> SafeString:
    updated = timezone.localtime(claim.updated_at)
    return format_html(
        '<td class="updated"><time datetime="{}" title="{}">{}</time></td>',
        updated.isoformat(timespec="seconds"),
        updated.strftime("%Y-%m-%d %H:%M"),
        updated.strftime("%Y-%m-%d"),
    )


def _disputes_cell(claim) -> SafeString:
    if claim.open_dispute_count:
        return format_html('<td class="num"><strong>{}</strong></td>', claim.open_dispute_count)
    return mark_safe('<td class="num">0</td>')


@dataclass(frozen=True)
class ClaimColumn:
    label: str
    cell: Callable[..., SafeString]
    num: bool = False
    # The sorts a click on the header gives (lists.CLAIM_SORTS): the first, then, clicked again, the other.
    sorts: tuple[str, str] | None = None
    # Described in words: (the first sort, the other).
    sort_words: tuple[str, str] = ("", "")
    # A statement heads its card; every other cell is named on a narrow screen.
    named: bool = True


def _statement_cell(claim) -> SafeString:
    return format_html(
        '<td>{}\n    <small class="muted row-meta">{} · {}</small></td>',
        _statement_link(claim),
        claim.key,
        claim.get_kind_display(),
    )


def _cited_cell(claim) -> SafeString:
    return format_html(
        '<td><a href="{}">{}</a>\n    <br><small class="muted">{} · {}</small></td>',
        _claim_url(claim),
        Truncator(claim.statement).chars(160),
        claim.key,
        claim.topic.title,
    )


CLAIM_COLUMNS: dict[str, ClaimColumn] = {
    "key": ClaimColumn("Key", lambda c: format_html('<td><a href="{}">{}</a></td>', _claim_url(c), c.key)),
    "marked": ClaimColumn("Claim", _marked_cell, named=False),
    "statement": ClaimColumn("Claim", _statement_cell, named=False),
    "cited": ClaimColumn("Claim", _cited_cell, named=False),
    "cited_at": ClaimColumn("Cited at", _cited_at_cell),
    "topic": ClaimColumn(
        "Topic",
        lambda c: format_html(
            '<td><a href="{}">{}</a></td>', reverse("topic_detail", args=[c.topic.slug]), c.topic.title
        ),
    ),
    "date": ClaimColumn("Date", _date_cell, sorts=("date", "-date"), sort_words=("earliest first", "latest first")),
    "status": ClaimColumn(
        "Status",
        lambda c: format_html('<td><span class="status status-{}">{}</span></td>', c.status, c.get_status_display()),
        sorts=("status", "-status"),
        sort_words=("open first", "refuted first"),
    ),
    "evidence": ClaimColumn(
        "Evidence", _evidence_cell, sorts=("evidence", "-evidence"), sort_words=("strongest first", "weakest first")
    ),
    "updated": ClaimColumn(
        "Updated",
        _updated_cell,
        sorts=("-updated", "updated"),
        sort_words=("recently changed first", "least recently changed first"),
    ),
    "citations": ClaimColumn("Citations", lambda c: format_html('<td class="num">{}</td>', c.citation_count), num=True),
    "disputes": ClaimColumn("Open disputes", _disputes_cell, num=True),
}


def _columns(columns: str) -> list[ClaimColumn]:
    try:
        return [CLAIM_COLUMNS[name] for name in columns.split()]
    except KeyError as exc:
        raise template.TemplateSyntaxError(
            f"No claim column {exc}; the columns are {', '.join(CLAIM_COLUMNS)}."
        ) from None


def _head_cell(column: ClaimColumn, request, sort: str | None, blind: bool) -> str:
    from claims.selectors.lists import EVIDENCE_SORTS  # (as citation_url above)

    classes = "num" if column.num else ""
    if not column.sorts or sort is None or request is None or (blind and column.sorts[0] in EVIDENCE_SORTS):
        return format_html(
            '<th scope="col"{}>{}</th>', format_html(' class="{}"', classes) if classes else "", column.label
        )
    first, other = column.sorts
    current = sort in column.sorts
    # aria-sort follows the first sort's direction: the column's natural order is "ascending".
    aria = ""
    if current:
        aria = format_html(' aria-sort="{}"', "ascending" if sort == first else "descending")
    following = other if sort == first else first
    query = request.GET.copy()
    query.pop("page", None)
    query["sort"] = following
    words = column.sort_words[column.sorts.index(following)]
    arrow = ("▲" if sort == first else "▼") if current else ""
    return format_html(
        '<th scope="col" class="{}"{}><a href="?{}" title="Sort by {}, {}">{}{}</a></th>',
        " ".join(filter(None, [classes, "sortable"])),
        aria,
        query.urlencode(),
        column.label.lower(),
        words,
        column.label,
        format_html(' <span aria-hidden="true">{}</span>', arrow) if arrow else "",
    )


def _row(claim, columns: list[ClaimColumn]) -> str:
    cells = []
    for column in columns:
        cell: str = column.cell(claim)
        if column.named:  # (the cells are escaped, the label a constant of CLAIM_COLUMNS)
            cell = cell.replace("<td", format_html('<td data-label="{}"', column.label), 1)
        cells.append(f"\n  {cell}")
    return "<tr>" + "".join(cells) + "\n</tr>"


@register.simple_tag(takes_context=True)
def claim_head(context, columns: str, sort: str | None = None, blind: bool = False) -> SafeString:
    """The header row of a table of claims with these columns (space-separated); with `sort`
    (the current one), the headers of the columns that sort are links that sort by them."""
    request = context.get("request")
    return mark_safe(  # each cell is escaped by format_html
        "<tr>" + "".join(_head_cell(column, request, sort, blind) for column in _columns(columns)) + "</tr>"
    )


@register.simple_tag
def claim_rows(claims: Iterable, columns: str) -> SafeString:
    """The claims as table rows, one a claim, its cells in the order of columns."""
    cells = _columns(columns)
    return mark_safe("\n".join(_row(claim, cells) for claim in claims))  # each cell is escaped by format_html

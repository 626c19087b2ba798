"""Template filters for the claims pages."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from claims import targets
from claims.dates import edtf_in_words
from claims.rendering import render_markdown

register = template.Library()


@register.filter
def markdown(text: str):
    """Markdown rendered and sanitized (claims/rendering.py)."""
    return render_markdown(text or "")


@register.filter
def words(text: str) -> list[str]:
    """The space-separated words of text: a list given to an include as one string."""
    return text.split()


@register.filter
def edtf_words(text: str) -> str:
    return edtf_in_words(text or "")


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

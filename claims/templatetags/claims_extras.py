"""Template filters for the claims pages."""

from django import template

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
def grade(value) -> str:
    """A consensus grade for display: "-" when nobody has graded."""
    return "-" if value in (None, "") else str(value)

"""Annotations as W3C Web Annotations (JSON-LD), one by one and in collections.

The Web Annotation Data Model (https://www.w3.org/TR/annotation-model/) with its published
context; docs/design.md, "Linked data", says what each field holds and why. Every address is
absolute (`absolute` turns a path of this site into a URL), and targets are the stable
addresses of what a note is about: a page and an anchor, never a page number of a list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from claims import targets
from claims.models import Annotation, User
from claims.selectors.annotation_feed import Page

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = f'application/ld+json; profile="{CONTEXT}"'

# Our motivations as the W3C's (oa:Motivation instances); a reply is "replying" whatever its own.
MOTIVATIONS: dict[str, str] = {
    Annotation.Motivation.COMMENT: "commenting",
    Annotation.Motivation.QUESTION: "questioning",
    Annotation.Motivation.CORRECTION: "editing",
}
REPLYING = "replying"

# How much of the target's text a TextQuoteSelector's prefix and suffix hold.
CONTEXT_CHARS = 32

Absolute = Callable[[str], str]


def annotation_path(annotation_id: int) -> str:
    return reverse("annotation_jsonld", args=[annotation_id])


def creator_path(user_id: int) -> str:
    return reverse("user_jsonld", args=[user_id])


def creator(user: User, absolute: Absolute) -> dict[str, Any]:
    """Who wrote a note: their name as the pages show it, never their e-mail."""
    return {"id": absolute(creator_path(user.pk)), "type": "Person", "name": str(user)}


def stable_address(obj) -> str:
    """The page of a target at its anchor, without the page number of a list (which changes as
    the list grows): a citation and its grades are on their claim's page."""
    kind = targets.of(obj)
    assert kind is not None
    citation = obj if kind.field == "citation" else getattr(obj, "citation", None) if kind.graded else None
    page = reverse("claim_detail", args=[citation.claim.key]) if citation is not None else kind.page(obj)
    anchor = kind.anchor.format(pk=obj.pk)
    return f"{page}#{anchor}" if anchor else page


def quote_selector(exact: str, text: str) -> dict[str, str]:
    """A TextQuoteSelector of `exact`, with the words around its first place in `text` when it is
    there (the target's text may have changed since the note quoted it)."""
    selector = {"type": "TextQuoteSelector", "exact": exact}
    at = text.find(exact)
    if at >= 0:
        prefix, suffix = text[max(0, at - CONTEXT_CHARS) : at], text[at + len(exact) : at + len(exact) + CONTEXT_CHARS]
        selector |= {key: value for key, value in (("prefix", prefix), ("suffix", suffix)) if value}
    return selector


def _target(annotation: Annotation, absolute: Absolute) -> Any:
    thing = annotation.target
    kind = annotation.target_kind
    address = absolute(stable_address(thing))
    # A withdrawn note's passage goes with its words (the pages show neither).
    quoted = annotation.quoted_passage if not annotation.withdrawn_at else ""
    quoting = (
        {"type": "SpecificResource", "source": address, "selector": quote_selector(quoted, kind.text(thing))}
        if quoted and kind is not None
        else None
    )
    if annotation.parent_id is None:
        return quoting or address
    parent = absolute(annotation_path(annotation.parent_id))
    return [parent, quoting] if quoting else parent


def _body(annotation: Annotation) -> dict[str, Any]:
    if annotation.withdrawn_at:
        return {
            "type": "TextualBody",
            "value": f"Withdrawn by its author on {annotation.withdrawn_at:%Y-%m-%d}.",
            "format": "text/plain",
        }
    return {"type": "TextualBody", "value": annotation.body, "format": "text/markdown"}


def annotation_ld(annotation: Annotation, absolute: Absolute, *, context: bool = True) -> dict[str, Any]:
    """One annotation (read by selectors.annotation_feed, with its author, parent and target)."""
    modified = annotation.withdrawn_at or annotation.updated_at
    document: dict[str, Any] = {"@context": CONTEXT} if context else {}
    document |= {
        "id": absolute(annotation_path(annotation.pk)),
        "type": "Annotation",
        "motivation": REPLYING if annotation.parent_id else MOTIVATIONS[annotation.motivation],
        "creator": creator(annotation.author, absolute),
        "created": annotation.created_at.isoformat(),
        "modified": modified.isoformat(),
        "body": _body(annotation),
        "target": _target(annotation, absolute),
    }
    return document


# The `before` cursor of the last page: greater than any id (a big integer column's largest value).
_AFTER_EVERY_ID = 2**63 - 1


def collection_ld(*, path: str, label: str, total: int, absolute: Absolute, context: bool = True) -> dict[str, Any]:
    """A collection: its size and its first and last pages (each page names the next)."""
    document: dict[str, Any] = {"@context": CONTEXT} if context else {}
    return document | {
        "id": absolute(path),
        "type": "AnnotationCollection",
        "label": label,
        "total": total,
        "first": absolute(f"{path}?after=0"),
        "last": absolute(f"{path}?before={_AFTER_EVERY_ID}"),
    }


def page_ld(page: Page, *, path: str, page_path: str, label: str, absolute: Absolute) -> dict[str, Any]:
    """A page of a collection (page_path: its own address, with its cursor)."""
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": absolute(page_path),
        "type": "AnnotationPage",
        "partOf": collection_ld(path=path, label=label, total=page.total, absolute=absolute, context=False),
        "startIndex": page.start_index,
    }
    if page.after is not None:
        document["next"] = absolute(f"{path}?after={page.after}")
    if page.before is not None:
        document["prev"] = absolute(f"{path}?before={page.before}")
    document["items"] = [annotation_ld(a, absolute, context=False) for a in page.items]
    return document


def user_ld(user: User, absolute: Absolute) -> dict[str, Any]:
    """An annotator, as the `creator` of their notes names them."""
    return {"@context": CONTEXT} | creator(user, absolute)

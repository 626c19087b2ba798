"""Reading the linked data as another tool would: PyLD with the W3C's published context from
tests/vendor/ (never the network), and the key counts that show expansion dropped nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pyld import jsonld

VENDOR = Path(__file__).parent / "vendor"
CONTEXTS = {"http://www.w3.org/ns/anno.jsonld": VENDOR / "w3c" / "anno.jsonld"}

OA = "http://www.w3.org/ns/oa#"
AS = "http://www.w3.org/ns/activitystreams#"
DCTERMS = "http://purl.org/dc/terms/"
DC = "http://purl.org/dc/elements/1.1/"
RDF_VALUE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#value"
FOAF_NAME = "http://xmlns.com/foaf/0.1/name"


def vendored_only(url: str, options: dict | None = None) -> dict[str, Any]:
    """PyLD's document loader: the vendored contexts, and a failure for any other URL."""
    if url not in CONTEXTS:
        raise jsonld.JsonLdError(f"Not vendored, and the tests use no network: {url}", "loading document failed")
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(CONTEXTS[url].read_text())}


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    return jsonld.expand(document, {"documentLoader": vendored_only})


def compact_keys(value: Any) -> int:
    """The properties of a compact document (its @context aside)."""
    if isinstance(value, dict):
        return sum(1 + compact_keys(v) for k, v in value.items() if k != "@context")
    if isinstance(value, list):
        return sum(compact_keys(v) for v in value)
    return 0


def expanded_keys(value: Any) -> int:
    """The properties of an expanded document: value objects, list objects and bare references
    ({"@id": …}) are how expansion writes a value, not properties of their own."""
    if isinstance(value, list):
        return sum(expanded_keys(v) for v in value)
    if not isinstance(value, dict) or "@value" in value or set(value) == {"@id"}:
        return 0
    if set(value) == {"@list"}:
        return expanded_keys(value["@list"])
    return sum(1 + expanded_keys(v) for v in value.values())


def ids(values: list[dict[str, Any]]) -> list[str]:
    return [v["@id"] for v in values]


def literals(values: list[dict[str, Any]]) -> list[Any]:
    return [v["@value"] for v in values]

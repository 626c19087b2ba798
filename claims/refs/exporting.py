"""Sources as CSL-JSON, BibTeX or RIS, BATCH_SIZE at a time: for streaming to a browser."""

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from claims.csv.common import require_export
from claims.csv.reading import BATCH_SIZE
from claims.models import Source, User

from . import bibtex, csl, ris


def chunks(*, actor: User | None, fmt: str, sources: QuerySet[Source] | None = None) -> Iterator[str]:
    """The file of these sources (all by default), sorted by key; checks the permission at once (a
    stream cannot turn into an error page)."""
    require_export(actor)
    selected = Source.objects.all() if sources is None else Source.objects.filter(pk__in=sources.values("pk"))
    items = (csl.item_of(source) for source in selected.order_by("key").iterator(chunk_size=BATCH_SIZE))
    if fmt == "csl-json":
        return _batched(csl.items_json(items))
    write = {"bibtex": bibtex.entry_of, "ris": ris.record_of}[fmt]
    return _batched(write(item) for item in items)


def _batched(texts: Iterable[str]) -> Iterator[str]:
    """The texts joined BATCH_SIZE at a time (one write a batch, not one a record)."""
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == BATCH_SIZE:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)

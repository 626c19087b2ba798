"""Regenerate properties.csv and types.csv from a schema.org release's full CSV files.

    python tests/vendor/schemaorg/subset.py schemaorg-current-https-properties.csv \
        schemaorg-current-https-types.csv

(the files of data/releases/21.0/ in github.com/schemaorg/schemaorg). The terms kept are those
TERMS names: every property and type claims/linked_data/claim_review.py writes, the types their
ranges need and the supertypes of each. Add a term here before writing it in a ClaimReview.
"""

import csv
import sys
from pathlib import Path

HERE = Path(__file__).parent
SCHEMA = "https://schema.org/"
PROPERTIES = """alternateName appearance author bestRating claimReviewed dateModified datePublished description
firstAppearance isPartOf itemReviewed name ratingExplanation ratingValue reviewRating url worstRating""".split()
TYPES = """Claim ClaimReview CreativeWork Date DateTime Integer Intangible Number Organization Person Rating Review
Text Thing URL""".split()


def main(properties_csv: str, types_csv: str) -> None:
    keep = {SCHEMA + name for name in PROPERTIES}
    with (
        open(properties_csv, newline="", encoding="utf-8") as full,
        open(HERE / "properties.csv", "w", newline="", encoding="utf-8") as subset,
    ):
        out = csv.writer(subset, quoting=csv.QUOTE_ALL, lineterminator="\n")
        out.writerow(["id", "label", "domainIncludes", "rangeIncludes"])
        for row in sorted(csv.DictReader(full), key=lambda row: row["id"]):
            if row["id"] in keep:
                out.writerow([row["id"], row["label"], row["domainIncludes"], row["rangeIncludes"]])
    keep = {SCHEMA + name for name in TYPES}
    with (
        open(types_csv, newline="", encoding="utf-8") as full,
        open(HERE / "types.csv", "w", newline="", encoding="utf-8") as subset,
    ):
        out = csv.writer(subset, quoting=csv.QUOTE_ALL, lineterminator="\n")
        out.writerow(["id", "label", "subTypeOf"])
        for row in sorted(csv.DictReader(full), key=lambda row: row["id"]):
            if row["id"] in keep:
                out.writerow([row["id"], row["label"], row["subTypeOf"]])


if __name__ == "__main__":
    main(*sys.argv[1:3])

"""Sources to and from reference managers (docs/design.md, "Sources from reference managers").

Every format goes through CSL-JSON items, the citation style language's own data model (Zotero's and
Juris-M's export): bibtex.py and ris.py turn entries into items and back, csl.py turns items into the
row dicts the sources CSV import takes (claims/csv/sources_csv.py) and sources into items, so that one
mapping serves the three formats, the exports and the formatted reference (formatted.py).
"""

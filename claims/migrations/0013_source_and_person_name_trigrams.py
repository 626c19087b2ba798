"""Indexes that find a source or a person by any part of a word of its names, so that the
type-ahead of a source or person field (/sources/suggest.json, /people/suggest.json) and the
source list's search read only the matching rows, not every source and person.

SQLite: an FTS5 table with the trigram tokenizer over each table's names (external content,
kept in step by triggers). PostgreSQL: a pg_trgm GIN index on each searched column, in the form
Django's icontains asks for (UPPER(column::text) LIKE UPPER('%...%')). pg_trgm is there since
migration 0009."""

from django.db import migrations

NAMED = {
    # table: the columns searched (claims/selectors/lists.py source_search, person_suggestions)
    "claims_source": ("key", "title", "title_original", "authors"),
    "claims_person": ("name", "name_original", "aliases", "slug"),
}


def _sqlite(table: str, columns: tuple[str, ...]) -> list[str]:
    fts = f"{table}_trigrams"
    listed = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({listed}, content='{table}', content_rowid='id', tokenize='trigram')",
        f"""CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN
            INSERT INTO {fts}(rowid, {listed}) VALUES (new.id, {new});
        END""",
        f"""CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN
            INSERT INTO {fts}({fts}, rowid, {listed}) VALUES ('delete', old.id, {old});
        END""",
        f"""CREATE TRIGGER {fts}_update AFTER UPDATE ON {table} BEGIN
            INSERT INTO {fts}({fts}, rowid, {listed}) VALUES ('delete', old.id, {old});
            INSERT INTO {fts}(rowid, {listed}) VALUES (new.id, {new});
        END""",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # the rows already stored
    ]


def _postgresql(table: str, columns: tuple[str, ...]) -> list[str]:
    return [f"CREATE INDEX {table}_{c}_trigrams ON {table} USING gin ((UPPER({c}::text)) gin_trgm_ops)"
            for c in columns]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    make = {"sqlite": _sqlite, "postgresql": _postgresql}[vendor]
    for table, columns in NAMED.items():
        for statement in make(table, columns):
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, columns in NAMED.items():
        if vendor == "sqlite":
            for suffix in ("insert", "delete", "update"):
                schema_editor.execute(f"DROP TRIGGER {table}_trigrams_{suffix}")
            schema_editor.execute(f"DROP TABLE {table}_trigrams")
        else:
            for c in columns:
                schema_editor.execute(f"DROP INDEX {table}_{c}_trigrams")


class Migration(migrations.Migration):

    dependencies = [
        ("claims", "0012_search_terms"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]

"""The search index (claims/search/): its two tables, each database's full-text structures
over them, and the index of the claims already stored.

SQLite: FTS5 tables over them (external content: the keys are stored once, in the table),
kept in step by triggers. PostgreSQL: a stored tsvector column with a GIN index, and a
trigram index (pg_trgm) over the vocabulary."""

from django.db import migrations, models
import django.db.models.deletion

SQLITE = [
    # The keys of a claim: unicode61 only splits them at spaces (claims/search/words.py made
    # them). No prefix indexes: they would make a search of two or three letters quicker, and
    # every import half again slower.
    """CREATE VIRTUAL TABLE claims_claimsearch_fts USING fts5(
        people_terms, statement_terms, sources_terms, content='claims_claimsearch', content_rowid='claim_id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER claims_claimsearch_fts_insert AFTER INSERT ON claims_claimsearch BEGIN
        INSERT INTO claims_claimsearch_fts(rowid, people_terms, statement_terms, sources_terms)
        VALUES (new.claim_id, new.people_terms, new.statement_terms, new.sources_terms);
    END""",
    """CREATE TRIGGER claims_claimsearch_fts_delete AFTER DELETE ON claims_claimsearch BEGIN
        INSERT INTO claims_claimsearch_fts(claims_claimsearch_fts, rowid, people_terms, statement_terms, sources_terms)
        VALUES ('delete', old.claim_id, old.people_terms, old.statement_terms, old.sources_terms);
    END""",
    """CREATE TRIGGER claims_claimsearch_fts_update AFTER UPDATE ON claims_claimsearch BEGIN
        INSERT INTO claims_claimsearch_fts(claims_claimsearch_fts, rowid, people_terms, statement_terms, sources_terms)
        VALUES ('delete', old.claim_id, old.people_terms, old.statement_terms, old.sources_terms);
        INSERT INTO claims_claimsearch_fts(rowid, people_terms, statement_terms, sources_terms)
        VALUES (new.claim_id, new.people_terms, new.statement_terms, new.sources_terms);
    END""",
    # Every distinct word, by its trigrams: the words that contain a part of a word.
    """CREATE VIRTUAL TABLE claims_searchword_fts USING fts5(
        word, content='claims_searchword', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER claims_searchword_fts_insert AFTER INSERT ON claims_searchword BEGIN
        INSERT INTO claims_searchword_fts(rowid, word) VALUES (new.id, new.word);
    END""",
    """CREATE TRIGGER claims_searchword_fts_delete AFTER DELETE ON claims_searchword BEGIN
        INSERT INTO claims_searchword_fts(claims_searchword_fts, rowid, word) VALUES ('delete', old.id, old.word);
    END""",
    """CREATE TRIGGER claims_searchword_fts_update AFTER UPDATE ON claims_searchword BEGIN
        INSERT INTO claims_searchword_fts(claims_searchword_fts, rowid, word) VALUES ('delete', old.id, old.word);
        INSERT INTO claims_searchword_fts(rowid, word) VALUES (new.id, new.word);
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER claims_claimsearch_fts_insert", "DROP TRIGGER claims_claimsearch_fts_delete",
    "DROP TRIGGER claims_claimsearch_fts_update", "DROP TABLE claims_claimsearch_fts",
    "DROP TRIGGER claims_searchword_fts_insert", "DROP TRIGGER claims_searchword_fts_delete",
    "DROP TRIGGER claims_searchword_fts_update", "DROP TABLE claims_searchword_fts",
]

POSTGRESQL = [
    # The keys as a tsvector, weighted A (people), B (statement), C (sources) for ts_rank.
    """ALTER TABLE claims_claimsearch ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', people_terms), 'A')
        || setweight(to_tsvector('simple', statement_terms), 'B')
        || setweight(to_tsvector('simple', sources_terms), 'C')) STORED""",
    "CREATE INDEX claims_claimsearch_vector ON claims_claimsearch USING gin (vector)",
    "CREATE INDEX claims_searchword_trigrams ON claims_searchword USING gin (word gin_trgm_ops)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX claims_searchword_trigrams", "DROP INDEX claims_claimsearch_vector",
    "ALTER TABLE claims_claimsearch DROP COLUMN vector",
]

PG_TRGM_MISSING = (
    "The search index needs PostgreSQL's pg_trgm extension, and this database user may not create it "
    "({error}). Ask the database's owner or a superuser to run `CREATE EXTENSION pg_trgm;` in this "
    "database (it ships with PostgreSQL; on Debian in the postgresql-contrib package), then run "
    "`manage.py migrate` again."
)


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in ("sqlite", "postgresql"):
            raise RuntimeError(f"The search index supports SQLite and PostgreSQL, not {vendor}.")
        for statement in statements[vendor]:
            schema_editor.execute(statement)
    return run


def create_structures(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        from django.db import DatabaseError, transaction

        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as exc:
            raise RuntimeError(PG_TRGM_MISSING.format(error=str(exc).strip())) from None
    _run({"sqlite": SQLITE, "postgresql": POSTGRESQL})(apps, schema_editor)


def index_stored_claims(apps, schema_editor):
    from claims.search.index import rebuild

    rebuild(apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0008_versions_everywhere_and_outdated_grades'),
    ]

    operations = [
        migrations.CreateModel(
            name='ClaimSearch',
            fields=[
                ('claim', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_entry', serialize=False, to='claims.claim')),
                ('people_terms', models.TextField(blank=True)),
                ('statement_terms', models.TextField(blank=True)),
                ('sources_terms', models.TextField(blank=True)),
                ('people', models.TextField(blank=True)),
                ('sources', models.TextField(blank=True)),
            ],
            options={
                'db_table': 'claims_claimsearch',
            },
        ),
        migrations.CreateModel(
            name='SearchWord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('word', models.TextField()),
            ],
            options={
                'db_table': 'claims_searchword',
            },
        ),
        migrations.RunPython(create_structures, _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE})),
        migrations.RunPython(index_stored_claims, migrations.RunPython.noop),
    ]

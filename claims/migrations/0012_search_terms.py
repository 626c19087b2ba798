"""The keys the search index holds, each once (claims/search/models.py SearchTerm): a search
looks its words' keys up here as prefixes. Filled from the index rows already stored."""

from django.db import migrations, models


def list_stored_terms(apps, schema_editor):
    ClaimSearch = apps.get_model("claims", "ClaimSearch")
    SearchTerm = apps.get_model("claims", "SearchTerm")
    terms: set[str] = set()
    rows = ClaimSearch.objects.order_by().values_list("people_terms", "statement_terms", "sources_terms")
    for columns in rows.iterator(chunk_size=2000):
        for column in columns:
            terms.update(column.split())
    SearchTerm.objects.bulk_create([SearchTerm(term=term) for term in sorted(terms)], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0011_citations_by_source_disputes_by_state_and_closing'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchTerm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term', models.TextField(unique=True)),
            ],
            options={
                'db_table': 'claims_searchterm',
                'ordering': ['term'],
            },
        ),
        migrations.RunPython(list_stored_terms, migrations.RunPython.noop),
    ]

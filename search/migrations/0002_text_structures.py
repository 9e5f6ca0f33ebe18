"""The analysed text next to `SearchEntry`, in the form of the database in use.

PostgreSQL: a `tsvector` column with a GIN index (built from the app's German analysis, see
`search.postgres`). SQLite: an FTS5 table whose rowid is the entry's id (`search.sqlite`).
Django does not model either, so they are created here for the vendor that runs the migration.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE search_searchentry ADD COLUMN vector tsvector NOT NULL DEFAULT ''",
    "CREATE INDEX search_entry_vector ON search_searchentry USING gin (vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_vector",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS vector",
]
SQLITE_FORWARD = [
    # Terms arrive analysed by search.analysis (lower-case, folded, stemmed, space-separated):
    # the tokenizer only has to split on spaces. Prefix indexes serve `digitalis*` queries.
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "title, body, parts, names, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3 4 5')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS search_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]

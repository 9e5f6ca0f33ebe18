"""PostgreSQL: a second GIN index over the vectors of people and communities only.

Suggestions (`/api/v1/search/suggest`) match name prefixes (`mü:*A`) among people and
communities. In the index over every entry a short prefix matches hundreds of thousands of
posts and comments whose postings PostgreSQL reads and throws away; this partial index holds
only the ~10,000 names, so a suggestion reads a few pages (docs/benchmarks.md, search speed).
The planner uses it when the query filters `kind IN ('person', 'community')`, as suggestions
and people/community searches do (with custom plans, which `search.postgres` asks for).
"""

from django.db import migrations

FORWARD = (
    "CREATE INDEX IF NOT EXISTS search_entry_names_vector ON search_searchentry "
    "USING gin (vector) WHERE kind IN ('person', 'community')"
)
BACKWARD = "DROP INDEX IF EXISTS search_entry_names_vector"


def _run(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_text_structures")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
